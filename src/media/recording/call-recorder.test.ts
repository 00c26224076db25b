import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SampleRate } from '../codecs/resampler.js';
import { goertzelPower, powerDb } from '../dsp/goertzel.js';
import { writeSine } from '../dsp/tone.js';
import { WavReader } from '../wav/wav-reader.js';
import { CallRecorder } from './call-recorder.js';
import { RecorderError } from './recorder-error.js';

const dir = mkdtempSync(join(tmpdir(), 'recorder-test-'));
let n = 0;
const tmp = (name = 'rec.wav') => join(dir, `${n++}-${name}`);
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A leg's phone: a continuous tone in 20 ms frames. */
class Leg {
  readonly frame: Int16Array;
  private phase = 0;
  constructor(
    readonly rate: SampleRate,
    readonly freq: number,
    readonly amp = 8000,
  ) {
    this.frame = new Int16Array(rate / 50);
  }
  next(): Int16Array {
    this.phase = writeSine(this.frame, { sampleRate: this.rate, frequency: this.freq, amplitude: this.amp, phase: this.phase });
    return this.frame;
  }
}

interface Wav {
  rate: number;
  channels: number;
  durationMs: number;
  left: Int16Array;
  right: Int16Array | null;
}

function readWav(path: string): Wav {
  const r = WavReader.open(path, { allowStereo: true });
  const all = new Int16Array(r.info.frames * r.info.channels);
  assert.is(r.readPcm16(all), all.length);
  r.close();
  const ch = r.info.channels;
  const left = ch === 1 ? all : all.filter((_, i) => i % 2 === 0);
  const right = ch === 1 ? null : all.filter((_, i) => i % 2 === 1);
  return { rate: r.info.sampleRate, channels: ch, durationMs: r.info.durationMs, left, right };
}

/** Power of `freq` relative to a sine of amplitude `amp`, in dB, over x after the first `skip` samples. */
function relDb(x: Int16Array, rate: number, freq: number, amp: number, skip = 800): number {
  return powerDb(goertzelPower(x, rate, freq, skip, x.length - skip), (amp * amp) / 2);
}

test('both legs, two channels: left has tone A only, right tone B only (B wideband → 16 kHz file)', () => {
  const path = tmp();
  const a = new Leg(8000, 440);
  const b = new Leg(16000, 1000);
  const rec = CallRecorder.start({ path, legs: 'both', layout: 'two-channel', rateA: 8000, rateB: 16000, quotaBytes: Infinity });
  assert.is(rec.sampleRate, 16000);
  for (let i = 0; i < 100; i++) assert.ok(rec.frame(a.next(), b.next()));
  const res = rec.stop();
  assert.is(res.reason, 'stopped');
  const w = readWav(path);
  assert.is(w.channels, 2);
  assert.is(w.rate, 16000);
  assert.ok(Math.abs(relDb(w.left, 16000, 440, 8000)) < 0.5, 'A on the left');
  assert.ok(relDb(w.left, 16000, 1000, 8000) < -40, 'B leaked to the left');
  assert.ok(Math.abs(relDb(w.right!, 16000, 1000, 8000)) < 0.5, 'B on the right');
  assert.ok(relDb(w.right!, 16000, 440, 8000) < -40, 'A leaked to the right');
  assert.is(res.bytes, statSync(path).size);
});

test('both legs mixed to mono: the file has both tones', () => {
  const path = tmp();
  const a = new Leg(8000, 440);
  const b = new Leg(8000, 1000);
  const rec = CallRecorder.start({ path, legs: 'both', rateA: 8000, rateB: 8000, quotaBytes: Infinity });
  for (let i = 0; i < 100; i++) rec.frame(a.next(), b.next());
  rec.stop();
  const w = readWav(path);
  assert.is(w.channels, 1);
  assert.is(w.rate, 8000);
  assert.ok(Math.abs(relDb(w.left, 8000, 440, 8000)) < 0.5);
  assert.ok(Math.abs(relDb(w.left, 8000, 1000, 8000)) < 0.5);
});

test('one leg only: the other is ignored, an Opus leg at 48 kHz is recorded at 16 kHz', () => {
  const path = tmp();
  const b = new Leg(48000, 3000);
  const rec = CallRecorder.start({ path, legs: 'b', rateA: 8000, rateB: 48000, quotaBytes: Infinity });
  assert.is(rec.sampleRate, 16000);
  for (let i = 0; i < 50; i++) rec.frame(null, b.next());
  rec.stop();
  const w = readWav(path);
  assert.is(w.rate, 16000);
  assert.ok(Math.abs(relDb(w.left, 16000, 3000, 8000)) < 0.5);
  // Leg A at 16 kHz but not recorded: the file stays at 8 kHz.
  const rec2 = CallRecorder.start({ path: tmp(), legs: 'b', rateA: 16000, rateB: 8000, quotaBytes: Infinity });
  assert.is(rec2.sampleRate, 8000);
  rec2.stop();
});

test('a 3.0 s recording is a 3.0 s WAV; stop() reports duration and bytes', () => {
  const path = tmp();
  const a = new Leg(8000, 440);
  const b = new Leg(8000, 1000);
  const rec = CallRecorder.start({ path, legs: 'both', layout: 'two-channel', rateA: 8000, rateB: 8000, quotaBytes: 10_000_000 });
  for (let i = 0; i < 150; i++) rec.frame(a.next(), b.next());
  const res = rec.stop();
  assert.is(res.durationMs, 3000);
  assert.is(res.frames, 150);
  assert.is(res.bytes, 44 + 3 * 8000 * 4);
  assert.is(statSync(path).size, res.bytes);
  assert.is(readWav(path).durationMs, 3000);
  assert.equal(rec.stop(), res, 'stop() again returns the same result');
  assert.is(rec.frame(a.next(), b.next()), false, 'nothing after stop');
});

test('a crash after 2.5 s (no stop(), the process killed) leaves a valid WAV of at least 2 s', () => {
  const path = tmp();
  const url = pathToFileURL(join(import.meta.dirname, 'call-recorder.ts')).href;
  const script = `
    import { CallRecorder } from ${JSON.stringify(url)};
    const rec = CallRecorder.start({ path: ${JSON.stringify(path)}, legs: 'both', layout: 'two-channel', rateA: 8000, rateB: 8000, quotaBytes: Infinity });
    const f = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin(i / 3)));
    for (let i = 0; i < 125; i++) rec.frame(f, f);
    process.kill(process.pid, 'SIGKILL');
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.is(r.signal, 'SIGKILL', r.stderr);
  const w = readWav(path);
  assert.ok(w.durationMs >= 2000 && w.durationMs <= 2500, `${w.durationMs} ms survived`);
  assert.is(statSync(path).size, 44 + (w.durationMs / 1000) * 8000 * 4);
});

test('quota reached: stops with reason quota, the file is valid and within the quota', () => {
  const path = tmp();
  const quota = 44 + 1.5 * 16000 * 2 + 123; // room for 1.5 s of 16 kHz mono, and a bit
  const a = new Leg(16000, 440);
  const rec = CallRecorder.start({ path, legs: 'a', rateA: 16000, rateB: 8000, quotaBytes: quota });
  let fed = 0;
  while (rec.frame(a.next(), null)) fed++;
  assert.is(fed, 75);
  assert.is(rec.state, 'stopped');
  const res = rec.result!;
  assert.is(res.reason, 'quota');
  assert.is(res.durationMs, 1500);
  assert.ok(statSync(path).size <= quota);
  assert.is(statSync(path).size, res.bytes);
  assert.is(readWav(path).durationMs, 1500);
  assert.equal(rec.stop(), res);
});

test('quota too small to start: refused with reason quota, no file created', () => {
  const path = tmp();
  try {
    CallRecorder.start({ path, legs: 'a', rateA: 8000, rateB: 8000, quotaBytes: 300 });
    assert.unreachable('started');
  } catch (e) {
    assert.instance(e, RecorderError);
    assert.is((e as RecorderError).code, 'quota');
  }
  assert.is(existsSync(path), false);
});

test('an existing file is never overwritten', () => {
  const path = tmp();
  writeFileSync(path, 'precious');
  try {
    CallRecorder.start({ path, legs: 'a', rateA: 8000, rateB: 8000, quotaBytes: Infinity });
    assert.unreachable('started');
  } catch (e) {
    assert.instance(e, RecorderError);
    assert.is((e as RecorderError).code, 'io');
  }
  assert.is(readFileSync(path, 'utf8'), 'precious');
});

test('missing frames keep both channels aligned (silence in their place)', () => {
  const path = tmp();
  const a = new Leg(8000, 440);
  const b = new Leg(8000, 1000);
  const rec = CallRecorder.start({ path, legs: 'both', layout: 'two-channel', rateA: 8000, rateB: 8000, quotaBytes: Infinity });
  const missingB = new Set([3, 4, 10, 25, 26, 27]);
  const missingA = new Set([7, 30]);
  for (let t = 0; t < 40; t++) {
    const fa = a.next();
    const fb = b.next();
    rec.frame(missingA.has(t) ? null : fa, missingB.has(t) ? null : fb);
  }
  assert.is(rec.stop().durationMs, 800);
  const w = readWav(path);
  assert.is(w.left.length, 40 * 160);
  for (let t = 0; t < 40; t++) {
    for (const [ch, missing, leg] of [
      [w.left, missingA, 440],
      [w.right!, missingB, 1000],
    ] as const) {
      for (let i = 0; i < 160; i++) {
        const j = t * 160 + i;
        const expected = missing.has(t) ? 0 : Math.round(8000 * Math.sin((2 * Math.PI * leg * j) / 8000));
        if (Math.abs(ch[j] - expected) > 1) assert.unreachable(`tick ${t} sample ${i}: ${ch[j]}, expected ${expected}`);
      }
    }
  }
});

test('missing frames of a resampled leg: silence, and the file length still counts every tick', () => {
  const path = tmp();
  const a = new Leg(48000, 1000);
  const rec = CallRecorder.start({ path, legs: 'a', rateA: 48000, rateB: 8000, quotaBytes: Infinity });
  for (let t = 0; t < 50; t++) rec.frame(t >= 20 && t < 30 ? null : a.next(), null);
  rec.stop();
  const w = readWav(path);
  assert.is(w.durationMs, 1000);
  let gap = 0;
  for (let j = 20 * 320; j < 30 * 320; j++) gap = Math.max(gap, Math.abs(w.left[j]));
  assert.is(gap, 0);
  assert.ok(Math.abs(relDb(w.left.subarray(30 * 320 + 320), 16000, 1000, 8000, 0)) < 0.5);
});

test('pause writes silence by default (the timeline is kept), or nothing when asked', () => {
  for (const whilePaused of ['silence', 'nothing'] as const) {
    const path = tmp();
    const a = new Leg(8000, 440);
    const rec = CallRecorder.start({ path, legs: 'a', rateA: 8000, rateB: 8000, quotaBytes: Infinity, whilePaused });
    for (let t = 0; t < 50; t++) {
      if (t === 10) rec.pause();
      if (t === 30) rec.resume();
      if (t === 10) assert.is(rec.state, 'paused');
      rec.frame(a.next(), null);
    }
    const res = rec.stop();
    const w = readWav(path);
    if (whilePaused === 'silence') {
      assert.is(res.durationMs, 1000);
      assert.is(w.durationMs, 1000);
      assert.ok(w.left.subarray(10 * 160, 30 * 160).every((s) => s === 0), 'paused time is silent');
    } else {
      assert.is(res.durationMs, 600);
      assert.is(w.durationMs, 600);
    }
    assert.ok(w.left.subarray(0, 10 * 160).some((s) => s !== 0));
    assert.ok(w.left.subarray(w.left.length - 160).some((s) => s !== 0));
  }
});

test('bad input: wrong frame length, two channels of one leg, bad rate, bad quota', () => {
  const rec = CallRecorder.start({ path: tmp(), legs: 'both', rateA: 8000, rateB: 16000, quotaBytes: Infinity });
  assert.throws(() => rec.frame(new Int16Array(320), null), /expected 160/);
  assert.throws(() => rec.frame(null, new Int16Array(160)), /expected 320/);
  rec.stop();
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as RecorderError).code;
    }
    return 'none';
  };
  assert.is(code(() => CallRecorder.start({ path: tmp(), legs: 'a', layout: 'two-channel', rateA: 8000, rateB: 8000, quotaBytes: Infinity })), 'bad-option');
  assert.is(code(() => CallRecorder.start({ path: tmp(), legs: 'a', rateA: 11025 as SampleRate, rateB: 8000, quotaBytes: Infinity })), 'bad-option');
  assert.is(code(() => CallRecorder.start({ path: tmp(), legs: 'a', rateA: 8000, rateB: 8000, quotaBytes: Number.NaN })), 'bad-option');
  assert.is(code(() => CallRecorder.start({ path: tmp(), legs: 'a', rateA: 8000, rateB: 8000, quotaBytes: -5 })), 'quota');
});

test.run();
