/**
 * Throughput probe of the Opus codec (not a test, not the benchmark): how many 20 ms frames
 * (48 kHz mono) one core encodes and decodes per CPU second, for each backend that loads, at
 * libopus's default complexity (10) and at complexity 5, on a speech-like signal at 32 kbit/s.
 * Each figure is the best of three runs of about `ms` milliseconds of process CPU time.
 *
 *   node --import tsx src/media/codecs/opus.probe.ts [ms=1000]
 */
import { loadNativeOpus, loadOpusScript, type OpusBackend } from './opus-backend.js';
import { opusPacketInfo } from './opus-toc.js';
import { OpusDecoder, OpusEncoder } from './opus.js';

const ms = Number(process.argv[2] ?? 1000);
const FRAME = 960;

function signal(seconds: number): Int16Array {
  const x = new Int16Array(48000 * seconds);
  let seed = 1;
  for (let i = 0; i < x.length; i++) {
    const t = i / 48000;
    const noise = ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 2000;
    x[i] = Math.round(8000 * Math.sin(2 * Math.PI * (200 + 1500 * (t % 2)) * t) + noise);
  }
  return x;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function rate(frame: (i: number) => void): number {
  let best = 0;
  for (let run = 0; run < 3; run++) {
    let n = 0;
    const t0 = cpuMs();
    let t = t0;
    while (t - t0 < ms) {
      for (let k = 0; k < 20; k++) frame(n++);
      t = cpuMs();
    }
    best = Math.max(best, (n * 1000) / (t - t0));
  }
  return best;
}

const pcm = signal(4);
const frames = pcm.length / FRAME;
const frameAt = (i: number) => pcm.subarray((i % frames) * FRAME, (i % frames) * FRAME + FRAME);

const backends: OpusBackend[] = [];
const native = loadNativeOpus();
if (typeof native === 'string') console.log(`native backend not measured: ${native}`);
else backends.push(native);
backends.push(loadOpusScript());

console.log(`node ${process.version}, Opus 20 ms frames (48 kHz mono, 32 kbit/s) per CPU second, best of 3 × ${ms} ms of CPU:`);
for (const backend of backends) {
  for (const complexity of [5, 10]) {
    const enc = new OpusEncoder(backend, { complexity });
    const packets = Array.from({ length: frames }, (_, i) => enc.encode(frameAt(i)));
    const encodeFps = rate((i) => enc.encode(frameAt(i)));
    const dec = new OpusDecoder(backend);
    const decodeFps = rate((i) => dec.decode(packets[i % frames]!));
    const plcFps = rate(() => dec.conceal());
    enc.close();
    dec.close();
    const line = (what: string, fps: number) =>
      console.log(`  ${`${backend.name} ${what}`.padEnd(58)} ${Math.round(fps).toLocaleString('en-US').padStart(9)}  (${(fps / 50).toFixed(0)} real-time streams)`);
    const modes = new Map<string, number>();
    for (const p of packets) {
      const m = opusPacketInfo(p)?.mode ?? '?';
      modes.set(m, (modes.get(m) ?? 0) + 1);
    }
    const mix = [...modes].map(([m, n]) => `${m} ${Math.round((100 * n) / packets.length)} %`).join(', ');
    line(`encode, complexity ${complexity} (${mix})`, encodeFps);
    line(`decode (packets of complexity ${complexity})`, decodeFps);
    if (complexity === 10) line('conceal (PLC, 20 ms)', plcFps);
  }
}
