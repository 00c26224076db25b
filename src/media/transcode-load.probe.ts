/**
 * One-off probe of the transcoding cost (not a test, not the benchmark: bench/ owns that).
 * N PCMU↔G.722 calls, both directions, driven frame by frame in this thread as fast as
 * they go: per 20 ms frame each call takes in one PCMU and one G.722 packet (jitter
 * buffer), decodes, resamples 8↔16 kHz and encodes both ways. Socket I/O is left out
 * (the relay probe measures that); what is left is the work a worker's pacer does.
 * Reports CPU per call-frame and the calls one core could carry in real time.
 *
 *   node --import tsx src/media/transcode-load.probe.ts [calls=200] [seconds=5]
 */
import { cpuUsage } from 'node:process';
import { ulawEncodeInto } from './codecs/g711-ulaw.js';
import { G722Encoder } from './codecs/g722-encoder.js';
import { writeSine } from './dsp/tone.js';
import type { LegCodec } from './protocol.js';
import { TranscodeDirection } from './worker/transcode-direction.js';

const calls = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 5);
const PCMU: LegCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 };
const G722: LegCodec = { payloadType: 9, name: 'G722', clockRate: 8000, channels: 1 };

// 1 s of a 1 kHz tone in each codec, looped.
const ulaw: Buffer[] = [];
const g722: Buffer[] = [];
const enc = new G722Encoder();
let p8 = 0;
let p16 = 0;
for (let i = 0; i < 50; i++) {
  const n = new Int16Array(160);
  p8 = writeSine(n, { sampleRate: 8000, frequency: 1000, amplitude: 8000, phase: p8 });
  const u = Buffer.alloc(160);
  ulawEncodeInto(n, u);
  ulaw.push(u);
  const w = new Int16Array(320);
  p16 = writeSine(w, { sampleRate: 16000, frequency: 1000, amplitude: 8000, phase: p16 });
  const g = Buffer.alloc(160);
  enc.encode(w, g);
  g722.push(g);
}

const clock = { t: 0 };
const dirs = Array.from({ length: calls }, () => [new TranscodeDirection(PCMU, G722, { now: () => clock.t }), new TranscodeDirection(G722, PCMU, { now: () => clock.t })] as const);

const frames = seconds * 50;
let sent = 0;
const cpu0 = cpuUsage();
const wall0 = performance.now();
for (let f = 0; f < frames; f++) {
  clock.t += 20;
  for (const [ab, ba] of dirs) {
    ab.pushAudio(ulaw[f % 50]!, 0, 160, f, f * 160, 1, false);
    ba.pushAudio(g722[f % 50]!, 0, 160, f, f * 160, 2, false);
    if (ab.tick() > 0) sent++;
    if (ba.tick() > 0) sent++;
  }
}
const cpu = cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
const wallMs = performance.now() - wall0;
const perCallFrameUs = (cpuMs * 1000) / (calls * frames);
console.log(
  JSON.stringify(
    {
      calls,
      simulatedSeconds: seconds,
      packetsOut: sent,
      cpuMs: Math.round(cpuMs),
      wallMs: Math.round(wallMs),
      cpuPerCallFrameUs: Number(perCallFrameUs.toFixed(1)),
      callsPerCoreRealTime: Math.floor(20_000 / perCallFrameUs),
      heapUsedMB: Number((process.memoryUsage().heapUsed / 1048576).toFixed(1)),
      node: process.version,
    },
    null,
    2,
  ),
);
