import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulawEncodeInto } from '../codecs/g711-ulaw.js';
import { goertzelPower, powerDb } from '../dsp/goertzel.js';
import { writeSine } from '../dsp/tone.js';
import type { LegCodec } from '../protocol.js';
import type { RecordingResult } from '../recording/call-recorder.js';
import { RecorderError } from '../recording/recorder-error.js';
import { WavReader } from '../wav/wav-reader.js';
import { SessionRecorder } from './session-recorder.js';

const dir = mkdtempSync(join(tmpdir(), 'session-recorder-'));
let n = 0;
const tmp = () => join(dir, `${n++}.wav`);
test.after(() => rmSync(dir, { recursive: true, force: true }));

const PCMU: LegCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, telephoneEvent: 101 };

/** A fake monotonic clock: the test moves it. */
class FakeClock {
  t = 1000;
  now = (): number => this.t;
}

/** A PCMU phone sending a continuous tone as 20 ms RTP packets. */
class Phone {
  private seq = 100;
  private ts = 5000;
  private phase = 0;
  private readonly pcm = new Int16Array(160);
  constructor(
    readonly freq: number,
    readonly ssrc: number,
    readonly pt = 0,
  ) {}
  packet(): Buffer {
    this.phase = writeSine(this.pcm, { sampleRate: 8000, frequency: this.freq, amplitude: 8000, phase: this.phase });
    const p = Buffer.alloc(12 + 160);
    p[0] = 0x80;
    p[1] = this.pt;
    p.writeUInt16BE(this.seq++ & 0xffff, 2);
    p.writeUInt32BE(this.ts >>> 0, 4);
    this.ts += 160;
    p.writeUInt32BE(this.ssrc, 8);
    ulawEncodeInto(this.pcm, p.subarray(12));
    return p;
  }
}

function readWav(path: string): { rate: number; channels: number; durationMs: number; left: Int16Array; right: Int16Array | null } {
  const r = WavReader.open(path, { allowStereo: true });
  const all = new Int16Array(r.info.frames * r.info.channels);
  r.readPcm16(all);
  r.close();
  const ch = r.info.channels;
  return {
    rate: r.info.sampleRate,
    channels: ch,
    durationMs: r.info.durationMs,
    left: ch === 1 ? all : all.filter((_, i) => i % 2 === 0),
    right: ch === 1 ? null : all.filter((_, i) => i % 2 === 1),
  };
}

const db = (x: Int16Array, f: number, skip = 1600) => powerDb(goertzelPower(x, 8000, f, skip, x.length - skip), (8000 * 8000) / 2);

test('relay path: each leg decoded into its own channel, packets untouched, length = ticks', () => {
  const clock = new FakeClock();
  const path = tmp();
  const stops: RecordingResult[] = [];
  const rec = new SessionRecorder({ recId: 'r1', path, quotaBytes: Infinity, layout: 'two-channel', codecs: { a: PCMU, b: PCMU }, clock }, (r) => stops.push(r));
  const a = new Phone(440, 1);
  const b = new Phone(1000, 2);
  for (let i = 0; i < 150; i++) {
    const pa = a.packet();
    const copy = Buffer.from(pa);
    rec.tap('a', pa);
    assert.ok(pa.equals(copy), 'the relayed packet is not modified');
    rec.tap('b', b.packet());
    clock.t += 20;
    rec.tick();
  }
  const r = rec.stop();
  assert.is(r.reason, 'stopped');
  assert.is(r.durationMs, 150 * 20);
  assert.equal(stops, [], 'no quota/error stop');
  const w = readWav(path);
  assert.is(w.channels, 2);
  assert.is(w.rate, 8000);
  assert.is(w.durationMs, 3000);
  assert.ok(db(w.left, 440) > -3, `caller's tone on the left (${db(w.left, 440)})`);
  assert.ok(db(w.left, 1000) < -30, "callee's tone not on the left");
  assert.ok(db(w.right!, 1000) > -3, `callee's tone on the right (${db(w.right!, 1000)})`);
  assert.ok(db(w.right!, 440) < -30, "caller's tone not on the right");
});

test('relay path: mono mixes both legs; telephone-event and malformed packets are ignored and counted', () => {
  const clock = new FakeClock();
  const path = tmp();
  const rec = new SessionRecorder({ recId: 'r2', path, quotaBytes: Infinity, layout: 'mono', codecs: { a: PCMU, b: PCMU }, clock }, () => undefined);
  const a = new Phone(440, 1);
  const b = new Phone(1000, 2);
  const dtmf = new Phone(0, 1, 101);
  for (let i = 0; i < 100; i++) {
    rec.tap('a', a.packet());
    rec.tap('b', b.packet());
    if (i % 10 === 0) {
      rec.tap('a', dtmf.packet());
      rec.tap('b', Buffer.from([0x80, 0x00, 0x01])); // too short: no payload
      const padded = b.packet();
      padded[0] = 0xa0; // padding bit with a padding count larger than the packet
      padded[padded.length - 1] = 0xff;
      rec.tap('b', padded);
    }
    clock.t += 20;
    rec.tick();
  }
  rec.stop();
  assert.ok(rec.counters.ignored >= 20, `ignored ${rec.counters.ignored}`);
  const w = readWav(path);
  assert.is(w.channels, 1);
  assert.ok(db(w.left, 440) > -4 && db(w.left, 1000) > -4, 'both tones in the mix');
});

test('a missing leg is silence and keeps the timeline; a lost packet is concealed', () => {
  const clock = new FakeClock();
  const path = tmp();
  const rec = new SessionRecorder({ recId: 'r3', path, quotaBytes: Infinity, layout: 'two-channel', codecs: { a: PCMU, b: PCMU }, clock }, () => undefined);
  const a = new Phone(440, 1);
  for (let i = 0; i < 100; i++) {
    const p = a.packet();
    if (i !== 50) rec.tap('a', p);
    clock.t += 20;
    rec.tick();
  }
  const r = rec.stop();
  assert.is(r.durationMs, 2000);
  assert.ok(rec.counters.concealed >= 1, 'the lost frame was concealed');
  const w = readWav(path);
  assert.ok(db(w.left, 440) > -4);
  assert.ok(Math.max(...w.right!.map(Math.abs)) === 0, 'the silent leg is digital silence');
});

test('transcoding path: the decoded frames are written; relay taps are ignored then', () => {
  const clock = new FakeClock();
  const path = tmp();
  const rec = new SessionRecorder({ recId: 'r4', path, quotaBytes: Infinity, layout: 'two-channel', codecs: { a: PCMU, b: PCMU }, clock }, () => undefined);
  rec.setTranscoding(true);
  const fa = new Int16Array(160);
  const fb = new Int16Array(160);
  let pa = 0;
  let pb = 0;
  const noise = new Phone(2000, 9);
  for (let i = 0; i < 50; i++) {
    pa = writeSine(fa, { sampleRate: 8000, frequency: 440, amplitude: 8000, phase: pa });
    pb = writeSine(fb, { sampleRate: 8000, frequency: 1000, amplitude: 8000, phase: pb });
    rec.tap('a', noise.packet());
    rec.tick(); // the pacer's tick does nothing while the transcoder feeds
    rec.frames(fa, i % 2 ? fb : new Int16Array(320)); // a misfit frame is silence
  }
  const r = rec.stop();
  assert.is(r.durationMs, 1000);
  assert.is(rec.counters.misfit, 25);
  const w = readWav(path);
  assert.ok(db(w.left, 440, 0) > -1);
  assert.ok(db(w.left, 2000, 0) < -40, 'the tapped packets were not written');
});

test('quota: refused at start when full (no file), stops with reason quota when reached', () => {
  const clock = new FakeClock();
  const full = tmp();
  try {
    new SessionRecorder({ recId: 'r5', path: full, quotaBytes: 100, layout: 'two-channel', codecs: { a: PCMU, b: PCMU }, clock }, () => undefined);
    assert.unreachable('started with a full quota');
  } catch (e) {
    assert.instance(e, RecorderError);
    assert.is((e as RecorderError).code, 'quota');
  }
  assert.not.ok(existsSync(full));

  const path = tmp();
  const stops: RecordingResult[] = [];
  // header + 1 s of two-channel 8 kHz (32000 bytes) + a little
  const rec = new SessionRecorder({ recId: 'r6', path, quotaBytes: 44 + 32_000 + 100, layout: 'two-channel', codecs: { a: PCMU, b: PCMU }, clock }, (r) => stops.push(r));
  const a = new Phone(440, 1);
  for (let i = 0; i < 100; i++) {
    rec.tap('a', a.packet());
    clock.t += 20;
    rec.tick();
  }
  assert.is(stops.length, 1);
  assert.is(stops[0]!.reason, 'quota');
  assert.is(stops[0]!.durationMs, 1000);
  assert.is(rec.state, 'stopped');
  assert.is(readWav(path).durationMs, 1000, 'what was written stays a valid WAV');
});

test('a codec the worker cannot decode is refused with a clear reason', () => {
  const gsm: LegCodec = { payloadType: 3, name: 'GSM', clockRate: 8000, channels: 1 };
  assert.throws(() => new SessionRecorder({ recId: 'r7', path: tmp(), quotaBytes: Infinity, layout: 'mono', codecs: { a: PCMU, b: gsm }, clock: new FakeClock() }, () => undefined), /no decoder/);
});

test('pause writes silence and keeps the timeline; resume goes on', () => {
  const clock = new FakeClock();
  const path = tmp();
  const rec = new SessionRecorder({ recId: 'r8', path, quotaBytes: Infinity, layout: 'two-channel', codecs: { a: PCMU, b: PCMU }, clock }, () => undefined);
  const a = new Phone(440, 1);
  for (let i = 0; i < 150; i++) {
    if (i === 50) rec.pause();
    if (i === 100) rec.resume();
    rec.tap('a', a.packet());
    clock.t += 20;
    rec.tick();
  }
  rec.stop();
  const w = readWav(path);
  assert.is(w.durationMs, 3000);
  const mid = w.left.subarray(8000 + 400, 16000 - 400);
  assert.ok(Math.max(...mid.map(Math.abs)) === 0, 'paused time is silence');
});

test.run();
