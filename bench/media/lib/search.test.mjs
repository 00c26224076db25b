import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { searchLoad } from './search.mjs';

/** A fake engine whose limit is `limit`; `flaky` steps fail their first run only. */
function engine(limit, flaky = []) {
  const seen = new Map();
  return async (n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    const ok = n <= limit && !(flaky.includes(n) && k === 1);
    return { lossPct: ok ? 0 : 1, engineCpuPct: n };
  };
}
const base = (step, extra = {}) => ({ name: 't', start: 2, max: 1000, budgetMs: 60_000, bisections: 3, quietMs: 0, pids: () => [], step, passes: (r) => r.lossPct < 0.1, describe: (n, r, ok) => `${n} ${ok}`, log: () => undefined, quiet: async () => undefined, ...extra });

test('doubles until a failure, then bisects between the last pass and the first failure', async () => {
  const r = await searchLoad(base(engine(20)));
  assert.is(r.max, 20);
  assert.is(r.firstFail, 22);
  assert.is(r.best.n, 20);
  assert.equal(r.steps.filter((s) => !s.retry).map((s) => s.n), [2, 4, 8, 16, 32, 24, 20, 22]);
});

test('a failing step runs again and the second run decides; both are kept', async () => {
  const r = await searchLoad(base(engine(20, [4])));
  const fours = r.steps.filter((s) => s.n === 4);
  assert.equal(fours.map((s) => [s.ok, Boolean(s.retry), Boolean(s.superseded)]), [[false, false, true], [true, true, false]]);
  assert.is(r.max, 20);
});

test('without retry one failure ends the doubling; when the first step fails the load is halved', async () => {
  assert.is((await searchLoad(base(engine(20, [4]), { retry: false }))).max, 3);
  const r = await searchLoad(base(engine(1), { start: 8 }));
  assert.is(r.max, 1);
  assert.is(r.best.n, 1);
});

test.run();
