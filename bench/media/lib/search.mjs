// The load search of bench/media, for any step function: from `start`, doubled until a step
// fails (or `max` / the time budget), halved when the first fails, then bisected. The same rule
// as run.mjs's calls search, with the unit (calls, rooms) and the pass rule as parameters; and a
// failing step is run once more (both kept in the steps, the second decides): on a shared machine
// one burst of another process fails a step far below the engine's limit.
import { waitQuiet } from '../../lib/wait-quiet.mjs';

/**
 * @param {{ name: string, start: number, max: number, budgetMs: number, bisections: number, quietMs: number,
 *   pids: () => number[], step: (n: number) => Promise<object>, passes: (r: object) => boolean,
 *   describe: (n: number, r: object, ok: boolean) => string, log: (s: string) => void,
 *   retry?: boolean, quiet?: (pids: () => number[], maxMs: number, pct: number) => Promise<unknown> }} o
 */
export async function searchLoad(o) {
  const t0 = Date.now();
  const steps = [];
  let pass = 0;
  let fail;
  const quiet = o.quiet ?? waitQuiet;
  const once = async (n, retried) => {
    await quiet(o.pids, o.quietMs, 40);
    const r = await o.step(n);
    const ok = o.passes(r);
    const s = { n, ok, ...r };
    if (retried) s.retry = true;
    steps.push(s);
    o.log(`${o.describe(n, r, ok)}${retried ? ' (run again)' : ''}`);
    return s;
  };
  const run = async (n) => {
    const first = await once(n, false);
    if (first.ok || o.retry === false) return first.ok;
    first.superseded = true;
    return (await once(n, true)).ok;
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
  return { name: o.name, steps, max: pass, firstFail: fail, best: steps.find((s) => s.ok && s.n === pass && !s.superseded) };
}
