// Before a step of any bench: wait until the engine is idle and the machine quiet (the machine is
// shared), at most maxMs; answers how busy the machine was in the last second.
import { cpuSeconds, machineCpu } from './proc-stats.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Until the server is idle (under 10 % of a core over 1 s) and the machine quiet, at most maxMs. */
export async function waitQuiet(pids, maxMs, quietPct) {
  const end = Date.now() + maxMs;
  for (;;) {
    const a = cpuSeconds(pids());
    const m = machineCpu();
    await sleep(1000);
    const busy = cpuSeconds(pids()) - a;
    const busyPct = 100 * (machineCpu().busy - m.busy);
    if ((busy < 0.1 && busyPct < quietPct) || Date.now() >= end) return busyPct;
  }
}

