import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTools } from '../../../test/support/tools.js';
import { WavError, type WavErrorCode } from './wav-error.js';
import { WavReader } from './wav-reader.js';
import { pcm16Bytes, WavWriter } from './wav-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'wav-test-'));
let n = 0;
const tmp = (name = 'f.wav') => join(dir, `${n++}-${name}`);

test.after(() => rmSync(dir, { recursive: true, force: true }));

function sine(freq: number, rate: number, samples: number, amp = 8000, phase = 0): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * freq * (i + phase)) / rate)));
}

/** Sign changes per second of a PCM signal: twice its frequency for a pure tone. */
function zeroCrossingsPerSecond(s: Int16Array, rate: number, stride = 1, start = 0): number {
  let c = 0;
  let prev = s[start];
  let count = 0;
  for (let i = start + stride; i < s.length; i += stride) {
    if ((prev < 0 && s[i] >= 0) || (prev >= 0 && s[i] < 0)) c++;
    prev = s[i];
    count++;
  }
  return (c * rate) / count;
}

function refused(fn: () => unknown, code: WavErrorCode): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, WavError);
    assert.is((e as WavError).code, code, (e as Error).message);
    return;
  }
  assert.unreachable(`expected WavError ${code}`);
}

/** A hand-made WAV header: fmt fields and extra chunks as given, data size as claimed. */
function craft(o: { tag?: number; channels?: number; rate?: number; bits?: number; align?: number; byteRate?: number; claimData?: number; realData?: number; before?: Buffer; fmtSize?: number; claimFmt?: number }): Buffer {
  const channels = o.channels ?? 1;
  const rate = o.rate ?? 8000;
  const bits = o.bits ?? 16;
  const align = o.align ?? (channels * bits) / 8;
  const fmtSize = o.fmtSize ?? 16;
  const fmt = Buffer.alloc(8 + fmtSize);
  fmt.write('fmt ', 0, 'latin1');
  fmt.writeUInt32LE(o.claimFmt ?? fmtSize, 4);
  fmt.writeUInt16LE(o.tag ?? 1, 8);
  fmt.writeUInt16LE(channels, 10);
  fmt.writeUInt32LE(rate, 12);
  fmt.writeUInt32LE(o.byteRate ?? rate * align, 16);
  fmt.writeUInt16LE(align, 20);
  fmt.writeUInt16LE(bits, 22);
  const real = o.realData ?? 320;
  const data = Buffer.alloc(8 + real);
  data.write('data', 0, 'latin1');
  data.writeUInt32LE(o.claimData ?? real, 4);
  const body = Buffer.concat([Buffer.from('WAVE'), o.before ?? Buffer.alloc(0), fmt, data]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

function file(bytes: Buffer): string {
  const p = tmp();
  writeFileSync(p, bytes);
  return p;
}

test('write mono PCM, read it back in chunks', () => {
  const p = tmp();
  const w = WavWriter.create(p, { sampleRate: 16000 });
  const tone = sine(1000, 16000, 16000);
  for (let i = 0; i < tone.length; i += 320) assert.ok(w.writePcm16(tone.subarray(i, i + 320)));
  w.close();
  assert.is(statSync(p).size, 44 + 32000);

  const r = WavReader.open(p);
  assert.equal({ ...r.info }, { encoding: 'pcm16', sampleRate: 16000, channels: 1, bitsPerSample: 16, blockAlign: 2, dataOffset: 44, dataBytes: 32000, frames: 16000, durationMs: 1000 });
  const chunk = new Int16Array(1000);
  const back: number[] = [];
  let got: number;
  while ((got = r.readPcm16(chunk)) > 0) back.push(...chunk.subarray(0, got));
  r.close();
  assert.is(back.length, 16000);
  assert.equal(back, Array.from(tone));
});

test('two-channel recording: each leg in its own channel', () => {
  const p = tmp();
  const w = WavWriter.create(p, { channels: 2 });
  const a = sine(500, 8000, 8000);
  const b = sine(1500, 8000, 8000);
  for (let i = 0; i < 8000; i += 160) w.writePcm16Stereo(a.subarray(i, i + 160), b.subarray(i, i + 160));
  w.close();
  refused(() => WavReader.open(p), 'unsupported-channels');
  const r = WavReader.open(p, { allowStereo: true });
  assert.is(r.info.channels, 2);
  assert.is(r.info.frames, 8000);
  const all = new Int16Array(16000);
  assert.is(r.readPcm16(all), 16000);
  r.close();
  assert.ok(Math.abs(zeroCrossingsPerSecond(all, 8000, 2, 0) - 1000) < 20, 'left is 500 Hz');
  assert.ok(Math.abs(zeroCrossingsPerSecond(all, 8000, 2, 1) - 3000) < 20, 'right is 1500 Hz');
});

test('G.711 WAV: µ-law and A-law with fact chunk, read back as bytes', () => {
  for (const encoding of ['mulaw', 'alaw'] as const) {
    const p = tmp();
    const w = WavWriter.create(p, { encoding });
    const bytes = Buffer.from(Array.from({ length: 801 }, (_, i) => i & 0xff));
    assert.ok(w.write(bytes));
    w.close();
    assert.is(statSync(p).size, 58 + 802, 'odd data padded to even');
    const raw = readFileSync(p);
    assert.is(raw.toString('latin1', 38, 42), 'fact');
    assert.is(raw.readUInt32LE(46), 801);
    assert.is(raw.readUInt32LE(4), raw.length - 8);
    const r = WavReader.open(p);
    assert.is(r.info.encoding, encoding);
    assert.is(r.info.dataBytes, 801);
    const out = Buffer.alloc(1000);
    assert.is(r.read(out), 801);
    assert.is(r.read(out), 0);
    assert.equal(out.subarray(0, 801), bytes);
    refused(() => r.readPcm16(new Int16Array(10)), 'unsupported-format');
    r.close();
  }
});

test('a writer that stops after a flush leaves a valid file of the flushed length', () => {
  const p = tmp();
  const w = WavWriter.create(p);
  const second = sine(1000, 8000, 8000);
  w.writePcm16(second);
  w.flush();
  w.writePcm16(second.subarray(0, 4000)); // half a second more, never flushed: the "crash"
  // (the writer is abandoned here, its descriptor still open, as in a killed process)
  const r = WavReader.open(p);
  assert.is(r.info.frames, 8000);
  assert.is(r.info.durationMs, 1000);
  const back = new Int16Array(9000);
  assert.is(r.readPcm16(back), 8000);
  assert.equal(Array.from(back.subarray(0, 8000)), Array.from(second));
  r.close();

  // A second flush moves the header on.
  w.flush();
  const r2 = WavReader.open(p);
  assert.is(r2.info.frames, 12000);
  r2.close();
  w.close();
});

test('storage limit: a write past maxDataBytes is refused, what is written stays', () => {
  const p = tmp();
  const w = WavWriter.create(p, { maxDataBytes: 1000 });
  assert.ok(w.writePcm16(new Int16Array(400)));
  assert.not.ok(w.writePcm16(new Int16Array(101)));
  assert.ok(w.full);
  assert.ok(w.writePcm16(new Int16Array(100)), 'a write that still fits is taken');
  w.close();
  const r = WavReader.open(p);
  assert.is(r.info.dataBytes, 1000);
  r.close();
});

test('an existing file is never overwritten unless asked', () => {
  const p = tmp();
  writeFileSync(p, 'precious');
  refused(() => WavWriter.create(p), 'io');
  assert.is(readFileSync(p, 'utf8'), 'precious');
  WavWriter.create(p, { overwrite: true }).close();
  assert.is(statSync(p).size, 44);
});

test('writer refuses what it cannot write', () => {
  refused(() => WavWriter.create(tmp(), { sampleRate: 44100 }), 'unsupported-rate');
  refused(() => WavWriter.create(tmp(), { encoding: 'mulaw', sampleRate: 16000 }), 'unsupported-rate');
  refused(() => WavWriter.create(tmp(), { channels: 3 as 2 }), 'unsupported-channels');
  const w = WavWriter.create(tmp(), { channels: 2 });
  refused(() => w.write(new Uint8Array(6)), 'bad-format');
  refused(() => w.writePcm16(new Int16Array(2)), 'bad-format');
  w.close();
  refused(() => w.flush(), 'io');
});

test('reader skips unknown chunks (odd-sized ones padded) and accepts WAVE_FORMAT_EXTENSIBLE', () => {
  const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([5, 0, 0, 0]), Buffer.from('abcde'), Buffer.alloc(1)]);
  const p = file(craft({ before: list, realData: 320 }));
  const r = WavReader.open(p);
  assert.is(r.info.dataOffset, 12 + 14 + 24 + 8);
  assert.is(r.info.frames, 160);
  r.close();

  const ext = craft({ tag: 0xfffe, fmtSize: 40 });
  const fmtBody = 12 + 8; // RIFF header + fmt chunk header
  ext.writeUInt16LE(22, fmtBody + 16); // cbSize
  ext.writeUInt16LE(16, fmtBody + 18); // valid bits
  ext.writeUInt16LE(0x0007, fmtBody + 24); // sub-format: µ-law
  ext.writeUInt16LE(8, fmtBody + 14); // bits
  ext.writeUInt16LE(1, fmtBody + 12); // block align
  ext.writeUInt32LE(8000, fmtBody + 8); // byte rate
  const r2 = WavReader.open(file(ext));
  assert.is(r2.info.encoding, 'mulaw');
  r2.close();
});

test('reader refuses hostile or unsupported files with a typed error', () => {
  refused(() => WavReader.open(file(craft({ claimData: 0x8000_0000, realData: 1024 }))), 'data-exceeds-file');
  refused(() => WavReader.open(file(craft({ claimData: 330, realData: 320 }))), 'data-exceeds-file');
  refused(() => WavReader.open(file(craft({ tag: 3, bits: 32 }))), 'unsupported-format'); // IEEE float
  refused(() => WavReader.open(file(craft({ tag: 0x55 }))), 'unsupported-format'); // MP3
  refused(() => WavReader.open(file(craft({ bits: 8 }))), 'unsupported-format');
  refused(() => WavReader.open(file(craft({ rate: 44100 }))), 'unsupported-rate');
  refused(() => WavReader.open(file(craft({ tag: 7, bits: 8, rate: 16000 }))), 'unsupported-rate');
  refused(() => WavReader.open(file(craft({ channels: 2 }))), 'unsupported-channels');
  refused(() => WavReader.open(file(craft({ channels: 3 })), { allowStereo: true }), 'unsupported-channels');
  refused(() => WavReader.open(file(craft({ align: 4 }))), 'bad-format');
  refused(() => WavReader.open(file(craft({ byteRate: 12345 }))), 'bad-format');
  refused(() => WavReader.open(file(craft({ claimFmt: 0x7fff_ffff }))), 'bad-format');
  const good = craft({});
  refused(() => WavReader.open(file(good.subarray(0, 8))), 'truncated');
  refused(() => WavReader.open(file(good.subarray(0, 30))), 'truncated');
  refused(() => WavReader.open(file(good.subarray(0, 36))), 'no-data');
  refused(() => WavReader.open(file(good.subarray(0, 46))), 'data-exceeds-file');
  refused(() => WavReader.open(file(Buffer.from('ID3\x04 not a wav at all, an mp3'))), 'not-wav');
  refused(() => WavReader.open(file(Buffer.alloc(0))), 'not-wav');
  refused(() => WavReader.open(join(dir, 'missing.wav')), 'io');
  // a chunk chain that would run for ever
  const junk = Buffer.concat(Array.from({ length: 300 }, () => Buffer.from('junk\0\0\0\0')));
  refused(() => WavReader.open(file(craft({ before: junk }))), 'too-many-chunks');
  // data before fmt
  const swapped = Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVEdata\x02\0\0\0\0\0')]);
  refused(() => WavReader.open(file(swapped)), 'bad-format');
});

test('reader reads in chunks from the descriptor: a big file is never loaded whole', () => {
  // 10 s at 48 kHz is 960 kB; read it 20 ms at a time into one 1920-byte buffer.
  const p = tmp();
  const w = WavWriter.create(p, { sampleRate: 48000 });
  const s = sine(440, 48000, 48000);
  for (let i = 0; i < 10; i++) w.writePcm16(s);
  w.close();
  const fd = openSync(p, 'r');
  const r = WavReader.fromFd(fd);
  const frame = Buffer.alloc(1920);
  let frames = 0;
  let bytes = 0;
  let got: number;
  while ((got = r.read(frame)) > 0) {
    frames++;
    bytes += got;
  }
  assert.is(frames, 500);
  assert.is(bytes, 960_000);
  r.rewind();
  assert.is(r.read(frame, 0, 3), 2, 'whole sample frames only');
  r.close();
  closeSync(fd); // fromFd leaves the descriptor to its owner
});

test('reader over files made by sox (PCM and µ-law)', () => {
  if (!requireTools('wav reader vs sox', 'sox')) return;
  const p = tmp('sox.wav');
  const r1 = spawnSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', p, 'synth', '1', 'sine', '1000']);
  assert.is(r1.status, 0, r1.stderr?.toString());
  const r = WavReader.open(p);
  assert.is(r.info.encoding, 'pcm16');
  assert.is(r.info.sampleRate, 8000);
  assert.is(r.info.frames, 8000);
  const s = new Int16Array(8000);
  assert.is(r.readPcm16(s), 8000);
  r.close();
  assert.ok(Math.abs(zeroCrossingsPerSecond(s, 8000) - 2000) < 20, 'a 1 kHz tone');

  const u = tmp('sox-ulaw.wav');
  const r2 = spawnSync('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'u-law', u, 'synth', '0.5', 'sine', '1000']);
  assert.is(r2.status, 0, r2.stderr?.toString());
  const ru = WavReader.open(u);
  assert.is(ru.info.encoding, 'mulaw');
  assert.is(ru.info.frames, 4000);
  ru.close();
});

test('sox accepts what the writer writes, including a file abandoned after a flush', () => {
  if (!requireTools('wav writer vs sox', 'sox', 'soxi')) return;
  const check = (p: string, expectSamples: number, expectRate: number, expectChannels: number) => {
    const info = spawnSync('soxi', [p], { encoding: 'utf8' });
    assert.is(info.status, 0, info.stderr);
    assert.match(info.stdout, new RegExp(`Sample Rate\\s*: ${expectRate}\\b`));
    assert.match(info.stdout, new RegExp(`Channels\\s*: ${expectChannels}\\b`));
    assert.match(info.stdout, new RegExp(`= ${expectSamples} samples`));
    const stat = spawnSync('sox', [p, '-n', 'stat'], { encoding: 'utf8' });
    assert.is(stat.status, 0, stat.stderr);
    return stat.stderr;
  };
  const p = tmp('ours.wav');
  const w = WavWriter.create(p, { sampleRate: 16000 });
  w.write(pcm16Bytes(sine(1000, 16000, 16000)));
  w.flush();
  w.write(pcm16Bytes(sine(1000, 16000, 8000, 8000, 16000)));
  // abandoned: not closed, the last half second never flushed
  const stat = check(p, 16000, 16000, 1);
  const freq = Number(/Rough\s+frequency:\s+(\d+)/.exec(stat)?.[1]);
  assert.ok(Math.abs(freq - 1000) < 30, `sox hears ${freq} Hz`);
  w.close();
  check(p, 24000, 16000, 1);

  const a = tmp('ours-alaw.wav');
  const wa = WavWriter.create(a, { encoding: 'alaw' });
  wa.write(Buffer.alloc(800, 0xd5));
  wa.close();
  check(a, 800, 8000, 1);

  const st = tmp('ours-stereo.wav');
  const ws = WavWriter.create(st, { channels: 2 });
  ws.writePcm16Stereo(sine(500, 8000, 800), sine(700, 8000, 800));
  ws.close();
  check(st, 800, 8000, 2);
});

test('a file that shrinks under the reader ends the read, without error', () => {
  const p = tmp();
  const w = WavWriter.create(p);
  w.writePcm16(new Int16Array(1000));
  w.close();
  const r = WavReader.open(p);
  truncateSync(p, 44 + 200); // 100 samples left, behind the reader's back
  const out = Buffer.alloc(4000);
  assert.is(r.read(out), 200);
  assert.is(r.read(out), 0);
  r.close();
});

test.run();
