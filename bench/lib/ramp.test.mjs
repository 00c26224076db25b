import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findMaxRate } from './ramp.mjs';

const base = { start: 1000, step: 1000, max: 30000, resolution: 250, maxSteps: 20, deadline: Infinity };

test('climbs until the first failure, then bisects to the resolution', async () => {
  const seen = [];
  const r = await findMaxRate({ ...base, runStep: async (rate) => (seen.push(rate), { pass: rate <= 6600 }) });
  assert.equal(seen, [1000, 2000, 3000, 4000, 5000, 6000, 7000, 6500, 6750]);
  assert.is(r.best, 6500);
  assert.is(r.firstFail, 6750);
  assert.is(r.stoppedBy, 'found');
  assert.is(r.steps.length, seen.length);
});

test('a first step that fails bisects below it', async () => {
  const r = await findMaxRate({ ...base, runStep: async (rate) => ({ pass: rate <= 300 }) });
  assert.is(r.best, 250);
  assert.is(r.firstFail, 500);
});

test('stops at the ceiling when nothing fails', async () => {
  const r = await findMaxRate({ ...base, max: 3000, runStep: async () => ({ pass: true }) });
  assert.is(r.best, 3000);
  assert.is(r.firstFail, undefined);
  assert.is(r.stoppedBy, 'max');
});

test('the step count and the deadline bound the search', async () => {
  const r = await findMaxRate({ ...base, maxSteps: 3, runStep: async () => ({ pass: true }) });
  assert.is(r.steps.length, 3);
  assert.is(r.stoppedBy, 'budget');
  let t = 0;
  const r2 = await findMaxRate({ ...base, deadline: 2, now: () => t++, runStep: async () => ({ pass: true }) });
  assert.is(r2.steps.length, 2);
  assert.is(r2.stoppedBy, 'budget');
});

test.run();
