// The load search of bench/media, for any step function: from `start`, doubled until a step
// fails (or `max` / the time budget), halved when the first fails, then bisected. The same rule
// as run.mjs's calls search, with the unit (calls, rooms) and the pass rule as parameters.
import { waitQuiet } from '../../calls/lib/cps-bench.mjs';

/**
 * @param {{ name: string, start: number, max: number, budgetMs: number, bisections: number, quietMs: number,
 *   pids: () => number[], step: (n: number) => Promise<object>, passes: (r: object) => boolean,
 *   describe: (n: number, r: object, ok: boolean) => string, log: (s: string) => void }} o
 */
export async function searchLoad(o) {
  const t0 = Date.now();
  const steps = [];
  let pass = 0;
  let fail;
  const run = async (n) => {
    await waitQuiet(o.pids, o.quietMs, 40);
    const r = await o.step(n);
    const ok = o.passes(r);
    steps.push({ n, ok, ...r });
    o.log(o.describe(n, r, ok));
    return ok;
  };
  const inTime = () => Date.now() - t0 < o.budgetMs;
  for (let n = o.start; n <= o.max && inTime(); n *= 2) {
    if (await run(n)) pass = n;
    else {
      fail = n;
      break;
    }
  }
  for (let n = Math.floor(o.start / 2); pass === 0 && n >= 1 && inTime(); n = Math.floor(n / 2)) {
    if (await run(n)) pass = n;
    else fail = n;
  }
  for (let i = 0; i < o.bisections && fail !== undefined && fail - pass > 1 && fail - pass > pass * 0.05 && inTime(); i++) {
    const mid = Math.round((pass + fail) / 2);
    if (await run(mid)) pass = mid;
    else fail = mid;
  }
  return { name: o.name, steps, max: pass, firstFail: fail, best: steps.find((s) => s.ok && s.n === pass) };
}
