import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alawEncodeInto } from './codecs/g711-alaw.js';
import { ULAW_DECODE, ulawEncodeInto } from './codecs/g711-ulaw.js';
import { Resampler } from './codecs/resampler.js';
import { goertzelPower, meanPower } from './dsp/goertzel.js';
import { writeSine } from './dsp/tone.js';
import { PromptPlayer, type LegRate, type PlayedEvent, type PromptFileFailure } from './prompt-player.js';
import { builtinMohDir, builtinPromptDir } from './prompts/prompt-path.js';
import { WavReader } from './wav/wav-reader.js';
import { WavWriter } from './wav/wav-writer.js';
import type { WavEncoding } from './wav/wav-format.js';

const dir = mkdtempSync(join(tmpdir(), 'prompt-player-'));
let fileNo = 0;

function sine(rate: number, hz: number, samples: number, amplitude = 10_000): Int16Array {
  const s = new Int16Array(samples);
  writeSine(s, { sampleRate: rate, frequency: hz, amplitude });
  return s;
}

/** A real WAV file made with the project's WavWriter. */
function wavFile(samples: Int16Array, rate: 8000 | 16000 | 48000 = 8000, encoding: WavEncoding = 'pcm16'): string {
  const path = join(dir, `f${fileNo++}.wav`);
  const w = WavWriter.create(path, { sampleRate: rate, encoding });
  if (encoding === 'pcm16') w.writePcm16(samples);
  else {
    const bytes = new Uint8Array(samples.length);
    if (encoding === 'mulaw') ulawEncodeInto(samples, bytes);
    else alawEncodeInto(samples, bytes);
    w.write(bytes);
  }
  w.close();
  return path;
}

/** Plays until the end (or `maxFrames`), returns every frame concatenated and the end event. */
function playAll(player: PromptPlayer, maxFrames = 100_000): { out: Int16Array; frames: number; event: PlayedEvent | undefined } {
  const chunks: Int16Array[] = [];
  const frame = new Int16Array(player.frameSamples);
  let frames = 0;
  while (frames < maxFrames) {
    const n = player.nextFrame(frame);
    if (n === 0) break;
    assert.is(n, player.frameSamples);
    chunks.push(frame.slice());
    frames++;
  }
  const out = new Int16Array(frames * player.frameSamples);
  chunks.forEach((c, i) => out.set(c, i * player.frameSamples));
  return { out, frames, event: player.result };
}

const ceilFrames = (samples: number, rate: number): number => Math.ceil(samples / ((rate * 20) / 1000));

test('frames: 20 ms at the leg rate, the built-in prompt fully played, then silence and 0', () => {
  const path = join(builtinPromptDir(), 'vm-you-have.wav');
  const info = WavReader.open(path);
  const n = info.info.frames;
  info.close();
  for (const rate of [8000, 16000, 48000] as LegRate[]) {
    const events: PlayedEvent[] = [];
    const p = new PromptPlayer([path], { rate, onPlayed: (e) => events.push(e) });
    assert.is(p.frameSamples, rate / 50);
    const { out, frames } = playAll(p);
    assert.is(frames, ceilFrames((n * rate) / 8000, rate), `${rate}`);
    assert.ok(meanPower(out) > 1000, 'speech, not silence');
    assert.equal(events, [{ reason: 'done', filesPlayed: 1, framesPlayed: frames, failures: [] }]);
    const after = new Int16Array(p.frameSamples).fill(7);
    assert.is(p.nextFrame(after), 0);
    assert.ok(after.every((v) => v === 0));
    assert.is(events.length, 1, 'reported once');
    assert.throws(() => p.nextFrame(new Int16Array(p.frameSamples - 1)), (e: unknown) => e instanceof RangeError);
  }
});

test('same rate: the samples come out exactly, the last frame padded with silence', () => {
  const s = sine(8000, 700, 1234);
  const { out, frames } = playAll(new PromptPlayer([wavFile(s)], { rate: 8000 }));
  assert.is(frames, ceilFrames(1234, 8000));
  assert.equal(out.subarray(0, 1234), s);
  assert.ok(out.subarray(1234).every((v) => v === 0));
});

test('a 1 kHz tone at 8 kHz played at 16 and 48 kHz keeps its frequency (Goertzel)', () => {
  const path = wavFile(sine(8000, 1000, 8000));
  for (const rate of [16000, 48000] as LegRate[]) {
    const { out } = playAll(new PromptPlayer([path], { rate }));
    assert.is(out.length, rate, 'one second');
    // The middle half second, away from the edges.
    const start = rate / 4;
    const len = rate / 2;
    const at1k = goertzelPower(out, rate, 1000, start, len);
    assert.ok(Math.abs(at1k - 10_000 ** 2 / 2) / (10_000 ** 2 / 2) < 0.02, `1 kHz keeps its level at ${rate}: ${at1k}`);
    for (const other of [500, 2000, 3000, 7000]) assert.ok(goertzelPower(out, rate, other, start, len) < at1k * 1e-4, `${other} Hz at ${rate}`);
  }
});

test('a 16 kHz file played on a narrowband leg keeps its frequency', () => {
  const { out } = playAll(new PromptPlayer([wavFile(sine(16000, 1500, 16000), 16000)], { rate: 8000 }));
  assert.is(out.length, 8000);
  const at = goertzelPower(out, 8000, 1500, 2000, 4000);
  assert.ok(at > 0.98 * (10_000 ** 2 / 2), String(at));
  assert.ok(goertzelPower(out, 8000, 1000, 2000, 4000) < at * 1e-4);
});

test('µ-law and A-law WAVs and a raw .ulaw file are decoded to linear', () => {
  const s = sine(8000, 1000, 1600);
  for (const enc of ['mulaw', 'alaw'] as WavEncoding[]) {
    const { out } = playAll(new PromptPlayer([wavFile(s, 8000, enc)], { rate: 8000 }));
    assert.is(out.length, 1600);
    assert.ok(goertzelPower(out, 8000, 1000) > 0.97 * (10_000 ** 2 / 2), enc);
  }
  const bytes = new Uint8Array(1600);
  ulawEncodeInto(s, bytes);
  const raw = join(dir, 'tone.ulaw');
  writeFileSync(raw, bytes);
  const { out } = playAll(new PromptPlayer([raw], { rate: 8000 }));
  assert.equal(out, Int16Array.from(bytes, (b) => ULAW_DECODE[b]));
});

test('a sequence plays in order, each file on a frame boundary, with the exact total length', () => {
  const parts: Array<[number, number]> = [[400, 1000], [1000, 2345], [1800, 777]];
  const paths = parts.map(([hz, n]) => wavFile(sine(8000, hz, n)));
  const rate = 16000;
  const { out, frames, event } = playAll(new PromptPlayer(paths, { rate }));
  const fr = rate / 50;
  const counts = parts.map(([, n]) => ceilFrames(n * 2, rate));
  assert.is(frames, counts[0] + counts[1] + counts[2]);
  assert.equal(event, { reason: 'done', filesPlayed: 3, framesPlayed: frames, failures: [] });
  let at = 0;
  parts.forEach(([hz, n], i) => {
    const len = n * 2;
    // The file's own samples, then silence up to the frame boundary.
    const mid = at + Math.floor(len / 4);
    const span = Math.floor(len / 2);
    const power = goertzelPower(out, rate, hz, mid, span);
    for (const [other] of parts) if (other !== hz) assert.ok(goertzelPower(out, rate, other, mid, span) < power * 1e-3, `file ${i}: ${other} Hz`);
    assert.ok(out.subarray(at + len + 16, at + counts[i] * fr).every((v) => v === 0), `file ${i} padded`);
    at += counts[i] * fr;
  });
});

test('loop: a single file wraps seamlessly (the same as one continuous signal through the filter)', () => {
  // 1000 samples: 125 periods of 1 kHz, and the wrap falls in the middle of a frame.
  const s = sine(8000, 1000, 1000);
  const path = wavFile(s);
  // At the file's own rate: the file repeated, sample for sample.
  const same = playAll(new PromptPlayer([path], { rate: 8000, loop: true }), 60);
  for (let i = 0; i < same.out.length; i++) if (same.out[i] !== s[i % 1000]) assert.unreachable(`sample ${i}`);
  // At 48 kHz: equal to the repetition resampled in one piece (delay removed): no gap, no click.
  const rate = 48000;
  const looped = playAll(new PromptPlayer([path], { rate, loop: true }), 40);
  assert.is(looped.frames, 40, 'a loop never ends by itself');
  const reps = 10;
  const long = new Int16Array(1000 * reps);
  for (let k = 0; k < reps; k++) long.set(s, k * 1000);
  const r = new Resampler(8000, rate);
  const ref = new Int16Array(long.length * 6);
  r.process(long, ref);
  const want = ref.subarray(r.delay, r.delay + looped.out.length);
  assert.is(want.length, looped.out.length, 'the reference is long enough');
  assert.equal(looped.out, want);
});

test('loop: the built-in music on hold has no gap at the wrap', () => {
  const path = join(builtinMohDir(), 'soft-chords.wav');
  const w = WavReader.open(path);
  const total = w.info.frames;
  const all = new Int16Array(total);
  w.readPcm16(all);
  w.close();
  const p = new PromptPlayer([path], { rate: 8000, loop: true });
  const frame = new Int16Array(160);
  const framesPerLoop = total / 160;
  assert.ok(Number.isInteger(framesPerLoop));
  const around: number[] = [];
  for (let f = 0; f < framesPerLoop + 10; f++) {
    assert.is(p.nextFrame(frame), 160);
    if (f >= framesPerLoop - 10) around.push(meanPower(frame));
  }
  // No quiet frame at the wrap: every frame around it within 6 dB of the loudest.
  const loudest = Math.max(...around);
  for (const pw of around) assert.ok(pw > loudest / 4, `${pw} vs ${loudest}`);
  // The step from the last sample to the first is no bigger than steps inside the file.
  let maxStep = 0;
  for (let i = 1; i < total; i++) maxStep = Math.max(maxStep, Math.abs(all[i] - all[i - 1]));
  assert.ok(Math.abs(all[0] - all[total - 1]) <= maxStep, `${all[0]} after ${all[total - 1]}`);
  p.stop();
  assert.is(p.result!.reason, 'stopped');
  assert.ok(p.result!.filesPlayed >= 1);
});

test('barge-in stops at once and says so; a play that forbids it goes on', () => {
  const path = join(builtinPromptDir(), 'vm-leave-message.wav');
  const events: PlayedEvent[] = [];
  const p = new PromptPlayer([path, path], { rate: 8000, onPlayed: (e) => events.push(e) });
  const frame = new Int16Array(160);
  for (let i = 0; i < 5; i++) assert.is(p.nextFrame(frame), 160);
  assert.ok(p.bargeIn());
  assert.not.ok(p.playing);
  assert.equal(events, [{ reason: 'barged-in', filesPlayed: 0, framesPlayed: 5, failures: [] }]);
  assert.is(p.nextFrame(frame), 0);
  assert.not.ok(p.bargeIn(), 'already ended');

  const notice = new PromptPlayer([path], { rate: 8000, bargeIn: false });
  notice.nextFrame(frame);
  assert.not.ok(notice.bargeIn());
  assert.ok(notice.playing);
  assert.is(notice.nextFrame(frame), 160);
  notice.stop();
  assert.is(notice.result!.reason, 'stopped');
  notice.stop();
  assert.is(notice.result!.reason, 'stopped');
});

test('bad files in the middle are reported and skipped; the good ones play in order', () => {
  const first = wavFile(sine(8000, 500, 800));
  const last = wavFile(sine(8000, 1500, 800));
  const text = join(dir, 'not-a-wav.wav');
  writeFileSync(text, 'this is not a RIFF file at all');
  // A header that claims 2 GiB of samples in a 1 kB file.
  const liar = join(dir, 'liar.wav');
  const h = Buffer.alloc(44 + 1000);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(0x8000_0024, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(0x8000_0000, 40);
  writeFileSync(liar, h);
  const stereo = join(dir, 'stereo.wav');
  const sw = WavWriter.create(stereo, { channels: 2 });
  sw.writePcm16Stereo(new Int16Array(160), new Int16Array(160));
  sw.close();
  const missing = join(dir, 'missing.wav');
  const seen: PromptFileFailure[] = [];
  const p = new PromptPlayer([first, text, liar, missing, stereo, dir, last], { rate: 8000, onFileError: (f) => seen.push(f) });
  const { out, frames, event } = playAll(p);
  assert.is(frames, 10, 'five frames of each good file');
  assert.ok(goertzelPower(out, 8000, 500, 0, 800) > 1e7);
  assert.ok(goertzelPower(out, 8000, 1500, 800, 800) > 1e7);
  assert.equal(
    seen.map((f) => [f.index, f.code]),
    [[1, 'not-wav'], [2, 'data-exceeds-file'], [3, 'io'], [4, 'unsupported-channels'], [5, 'io']],
  );
  assert.is(event!.reason, 'error');
  assert.is(event!.filesPlayed, 2);
  assert.equal(event!.failures, seen);
});

test('a file that shrinks while playing ends early, without a throw', () => {
  const path = wavFile(sine(8000, 1000, 16000));
  const p = new PromptPlayer([path], { rate: 16000, chunkBytes: 640 });
  const frame = new Int16Array(320);
  assert.is(p.nextFrame(frame), 320);
  truncateSync(path, 44 + 1600);
  const rest = playAll(p);
  assert.ok(rest.frames < 100, `${rest.frames} frames after the cut`);
  assert.is(rest.event!.reason, 'done');
});

test('a loop of files that never play ends with an error instead of spinning', () => {
  const text = join(dir, 'junk.wav');
  writeFileSync(text, 'junk');
  const empty = wavFile(new Int16Array(0));
  const p = new PromptPlayer([text, empty], { rate: 8000, loop: true });
  const frame = new Int16Array(160);
  assert.is(p.nextFrame(frame), 0);
  assert.is(p.result!.reason, 'error');
  assert.equal(p.result!.failures.map((f) => f.code), ['not-wav']);
});

test('an empty sequence ends at once; a bad rate is refused', () => {
  const p = new PromptPlayer([], { rate: 8000 });
  assert.is(p.result!.reason, 'done');
  assert.is(p.nextFrame(new Int16Array(160)), 0);
  assert.throws(() => new PromptPlayer([], { rate: 44100 as LegRate }), (e: unknown) => e instanceof RangeError);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
