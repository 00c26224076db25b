// One measured step of bench/media's conference mode: `rooms` rooms of `size` participants in
// the PBX's media worker, each participant one UDP socket of the generator sending its paced
// 20 ms frames (talkers a tone, the others low-level noise or silence) and counting the mix it
// receives back; the worker's frame pacer counters (late frames), the engine's CPU from /proc
// and its RSS growth.
import { CodecLoad } from './codec-load.mjs';
import { roomPlan } from './conference-plan.mjs';
import { CODECS, measure } from './steps.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @param {{ host, rooms: number, size: number, talkers: number, codec: 'PCMU'|'opus', signals: { tone: string[][], noise: string[], silence: string[] }, threads: number, warmupMs: number, measureMs: number }} o */
export async function conferenceStep(o) {
  const c = CODECS[o.codec];
  const plan = roomPlan(o.rooms, o.size, o.talkers);
  const legs = plan.map((p) => ({ pt: c.pt, tsStep: c.tsStep, payloads: p.kind === 'tone' ? o.signals.tone[p.tone % o.signals.tone.length] : o.signals[p.kind] }));
  const load = await CodecLoad.fromLegs(legs, o.threads);
  try {
    await sleep(300);
    const m0 = (await o.host.request({ op: 'load' })).memory;
    const { ports } = await o.host.request({ op: 'confSetup', rooms: o.rooms, size: o.size, codec: c.leg, targets: load.ports.map((port) => ({ host: '127.0.0.1', port })) }, 300_000);
    await load.setTargets(ports.map((port) => ({ host: '127.0.0.1', port })));
    const l0 = (await o.host.request({ op: 'load' })).load;
    const r = await measure(load, () => o.host.pids(), { warmupMs: o.warmupMs, measureMs: o.measureMs });
    const { load: l1, memory: m1 } = await o.host.request({ op: 'load' });
    const paced = (l1.framesPaced ?? 0) - (l0.framesPaced ?? 0);
    const late = (l1.framesLate ?? 0) - (l0.framesLate ?? 0);
    return {
      sent: r.sent,
      received: r.received,
      lossPct: r.lossPct,
      engineCpuPct: r.engineCpuPct,
      generatorCpuPct: r.generatorCpuPct,
      maxLagMs: r.maxLagMs,
      participants: plan.length,
      framesPaced: paced,
      framesLate: late,
      lateFramesPct: paced > 0 ? (100 * late) / paced : undefined,
      sessions: l1.sessions,
      rssBefore: m0.rss,
      rssDuring: m1.rss,
    };
  } finally {
    await o.host.request({ op: 'teardown' }, 300_000).catch(() => undefined);
    await load.close();
  }
}
