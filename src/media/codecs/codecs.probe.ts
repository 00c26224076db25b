/**
 * Throughput probe of the pure codec layer (not a test, not the benchmark): how many 20 ms frames
 * per second one core encodes, decodes or resamples. Each figure is the best of three runs of
 * about `ms` milliseconds of process CPU time on a speech-like signal (a sweep plus noise).
 *
 *   node --import tsx src/media/codecs/codecs.probe.ts [ms=400]
 */
import { alawDecodeInto, alawEncodeInto } from './g711-alaw.js';
import { ulawDecodeInto, ulawEncodeInto } from './g711-ulaw.js';
import { G722Decoder } from './g722-decoder.js';
import { G722Encoder } from './g722-encoder.js';
import { Resampler, type SampleRate } from './resampler.js';

const ms = Number(process.argv[2] ?? 400);

function signal(rate: number, seconds: number): Int16Array {
  const x = new Int16Array(rate * seconds);
  let seed = 1;
  for (let i = 0; i < x.length; i++) {
    const t = i / rate;
    const noise = ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 2000;
    x[i] = Math.round(8000 * Math.sin(2 * Math.PI * (200 + 1500 * t) * t) + noise);
  }
  return x;
}

/** CPU time of this process in ms (user + system): on a shared machine, wall time counts other processes' work too. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Runs `frame(i)` for about `ms` ms of CPU, three times; returns the best frames per CPU second. */
function rate(frame: (i: number) => void): number {
  let best = 0;
  for (let run = 0; run < 3; run++) {
    let n = 0;
    const t0 = cpuMs();
    let t = t0;
    while (t - t0 < ms) {
      for (let k = 0; k < 50; k++) frame(n++);
      t = cpuMs();
    }
    best = Math.max(best, (n * 1000) / (t - t0));
  }
  return best;
}

const rows: Array<[string, number]> = [];
const pcm8 = signal(8000, 2);
const pcm16 = signal(16000, 2);
const pcm48 = signal(48000, 2);
const frames8 = pcm8.length / 160;
const frames16 = pcm16.length / 320;
const frames48 = pcm48.length / 960;
const bytes = new Uint8Array(160);
const out8 = new Int16Array(160);

rows.push(['G.711 µ-law encode (160 samples)', rate((i) => ulawEncodeInto(pcm8.subarray((i % frames8) * 160, (i % frames8) * 160 + 160), bytes))]);
rows.push(['G.711 µ-law decode', rate(() => ulawDecodeInto(bytes, out8))]);
rows.push(['G.711 A-law encode', rate((i) => alawEncodeInto(pcm8.subarray((i % frames8) * 160, (i % frames8) * 160 + 160), bytes))]);
rows.push(['G.711 A-law decode', rate(() => alawDecodeInto(bytes, out8))]);

const enc = new G722Encoder();
const g722 = new Uint8Array(pcm16.length / 2);
enc.encode(pcm16, g722);
rows.push(['G.722 encode (320 samples → 160 bytes)', rate((i) => enc.encode(pcm16.subarray((i % frames16) * 320, (i % frames16) * 320 + 320), bytes))]);
const dec = new G722Decoder();
const out16 = new Int16Array(320);
rows.push(['G.722 decode (160 bytes → 320 samples)', rate((i) => dec.decode(g722.subarray((i % frames16) * 160, (i % frames16) * 160 + 160), out16))]);

const sources: Record<number, Int16Array> = { 8000: pcm8, 16000: pcm16, 48000: pcm48 };
const frameCount: Record<number, number> = { 8000: frames8, 16000: frames16, 48000: frames48 };
for (const [from, to] of [
  [8000, 16000],
  [16000, 8000],
  [8000, 48000],
  [48000, 8000],
  [16000, 48000],
  [48000, 16000],
] as Array<[SampleRate, SampleRate]>) {
  const rs = new Resampler(from, to);
  const inLen = from / 50;
  const out = new Int16Array(to / 50);
  const src = sources[from];
  const fc = frameCount[from];
  rows.push([`resample ${from / 1000}k → ${to / 1000}k`, rate((i) => rs.process(src.subarray((i % fc) * inLen, (i % fc) * inLen + inLen), out))]);
}

console.log(`node ${process.version}, 20 ms frames per CPU second (best of 3 × ${ms} ms of CPU):`);
for (const [name, fps] of rows) console.log(`  ${name.padEnd(42)} ${Math.round(fps).toLocaleString('en-US').padStart(12)}  (${(fps / 50).toFixed(0)} real-time streams)`);
