/**
 * Throughput probe of the conference mixer core (not a test, not the benchmark): conference
 * participants one core can mix in real time, for rooms of 10. Each figure is the best of three
 * runs of about `ms` milliseconds of process CPU time; participants per core = ticks per CPU
 * second / 50 × room size. No sockets, no jitter buffer, no RTP: the mixer core, alone or with
 * the G.711 µ-law decode (10 frames in) and encode (10 frames out) of every tick.
 *
 * It also counts the garbage collections during 200,000 ticks of a room whose frames are sliced
 * beforehand: a tick that allocated nothing leaves the count at zero.
 *
 *   node --import tsx src/media/conference/conference-mixer.probe.ts [ms=400]
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { ulawDecodeInto, ulawEncodeInto } from '../codecs/g711-ulaw.js';
import type { SampleRate } from '../codecs/resampler.js';
import { ConferenceMixer } from './conference-mixer.js';
import type { ConferenceParticipant } from './conference-participant.js';

const ms = Number(process.argv[2] ?? 400);
const ROOM = 10;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Best ticks per CPU second of three runs. */
function rate(tick: (i: number) => void): number {
  let best = 0;
  for (let run = 0; run < 3; run++) {
    let n = 0;
    const t0 = cpuMs();
    let t = t0;
    while (t - t0 < ms) {
      for (let k = 0; k < 50; k++) tick(n++);
      t = cpuMs();
    }
    best = Math.max(best, (n * 1000) / (t - t0));
  }
  return best;
}

/** Speech-like frames: a sweep plus noise; `talkers` participants loud, the rest at a noise floor. */
function signal(rate: number, frames: number, level: number, seed: number): Int16Array {
  const x = new Int16Array((rate / 50) * frames);
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    const t = i / rate;
    const noise = ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 400;
    x[i] = Math.round(level * Math.sin(2 * Math.PI * (200 + 1500 * (t % 1)) * t) + noise);
  }
  return x;
}

interface Setup {
  name: string;
  rates: SampleRate[];
  maxMixed: number;
  codec: boolean;
}

const FRAMES = 50;
const setups: Setup[] = [];
for (const maxMixed of [3, Infinity]) {
  setups.push({ name: `G.711 room of 10, mixing only, maxMixed ${maxMixed}`, rates: Array(ROOM).fill(8000), maxMixed, codec: false });
  setups.push({ name: `G.711 room of 10, with µ-law decode+encode, maxMixed ${maxMixed}`, rates: Array(ROOM).fill(8000), maxMixed, codec: true });
}
setups.push({ name: 'room of 10 at 16 kHz (9 × 8k + 1 × 16k), mixing only, maxMixed 3', rates: [...Array(ROOM - 1).fill(8000), 16000], maxMixed: 3, codec: false });
setups.push({ name: 'room of 10 at 16 kHz (all 16k), mixing only, maxMixed 3', rates: Array(ROOM).fill(16000), maxMixed: 3, codec: false });

console.log(`node ${process.version}; rooms of ${ROOM}, 3 talkers and 7 at a noise floor; best of 3 × ${ms} ms of CPU`);
for (const s of setups) {
  const room = new ConferenceMixer({ maxMixed: s.maxMixed });
  const ps: ConferenceParticipant[] = s.rates.map((r, i) => room.join(`p${i}`, { rate: r }));
  const pcm = s.rates.map((r, i) => signal(r, FRAMES, i < 3 ? 8000 : 0, i + 1));
  const ulaw = pcm.map((x) => {
    const b = new Uint8Array(x.length);
    ulawEncodeInto(x, b);
    return b;
  });
  const outBytes = new Uint8Array(160);
  const pcmFrames = pcm.map((x, k) => Array.from({ length: FRAMES }, (_, f) => x.subarray(f * ps[k].frameSamples, (f + 1) * ps[k].frameSamples)));
  const ulawFrames = ulaw.map((x, k) => Array.from({ length: FRAMES }, (_, f) => x.subarray(f * ps[k].frameSamples, (f + 1) * ps[k].frameSamples)));
  const ticksPerSecond = rate((i) => {
    const f = i % FRAMES;
    for (let k = 0; k < ps.length; k++) {
      const p = ps[k];
      if (s.codec) {
        ulawDecodeInto(ulawFrames[k][f], p.input);
        p.put(p.input);
      } else p.put(pcmFrames[k][f]);
    }
    room.tick();
    if (s.codec) for (let k = 0; k < ps.length; k++) ulawEncodeInto(ps[k].output, outBytes);
  });
  const perCore = (ticksPerSecond / 50) * ROOM;
  const usPerParticipantTick = 1e6 / (ticksPerSecond * ROOM);
  console.log(`  ${s.name.padEnd(66)} ${Math.round(perCore).toLocaleString('en-US').padStart(8)} participants/core  (${usPerParticipantTick.toFixed(2)} µs per participant-frame)`);
}

// Allocation check: GCs during 200,000 ticks of a G.711 room of 10 (frames built beforehand; the
// loop sits in a function so that the harness itself allocates nothing either).
function ticks(room: ConferenceMixer, ps: ConferenceParticipant[], frames: Int16Array[][], n: number): void {
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < ps.length; k++) ps[k].put(frames[k][i % FRAMES]);
    room.tick();
  }
}
for (const maxMixed of [3, Infinity]) {
  const room = new ConferenceMixer({ maxMixed });
  const ps = Array.from({ length: ROOM }, (_, i) => room.join(`p${i}`, { rate: 8000 }));
  const frames = ps.map((_, k) => {
    const x = signal(8000, FRAMES, k < 3 ? 8000 : 0, k + 1);
    return Array.from({ length: FRAMES }, (_, f) => x.subarray(f * 160, (f + 1) * 160));
  });
  ticks(room, ps, frames, 2000);
  let gcs = 0;
  const obs = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  obs.observe({ entryTypes: ['gc'] });
  ticks(room, ps, frames, 200_000);
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  console.log(`  garbage collections during 200,000 ticks of a G.711 room of 10, maxMixed ${maxMixed}: ${gcs}`);
}
