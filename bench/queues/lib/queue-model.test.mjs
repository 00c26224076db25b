import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accountCallers, maxWaitFor, simulateQueue } from './queue-model.mjs';

const base = { rate: 20, seconds: 60, agents: 50, talkSeconds: 10, ringSeconds: 0.5 };

test('an overloaded queue: every caller answered or overflowed, the peak near rate x maxWait', () => {
  const r = simulateQueue({ ...base, maxWaitSeconds: 25 });
  assert.is(r.offered, 1200);
  assert.is(r.answered + r.overflowed, 1200);
  assert.ok(r.peakWaiting > 400 && r.peakWaiting <= 500, `peak ${r.peakWaiting}`);
  // 50 agents busy 10.5 s each answer about 4.8 calls/s over the ~85 s the queue lives
  assert.ok(r.answered > 300 && r.answered < 450, `answered ${r.answered}`);
});

test('enough agents: nobody waits long, nobody overflows', () => {
  const r = simulateQueue({ ...base, rate: 2, maxWaitSeconds: 25 });
  assert.is(r.overflowed, 0);
  assert.is(r.answered, r.offered);
  assert.ok(r.peakWaiting <= 1);
});

test('maxWaitFor: the smallest wait that reaches the target peak', () => {
  const w = maxWaitFor(500, base);
  assert.ok(simulateQueue({ ...base, maxWaitSeconds: w }).peakWaiting >= 500);
  assert.ok(simulateQueue({ ...base, maxWaitSeconds: w - 1 }).peakWaiting < 500);
});

test('accountCallers: nothing lost when answered + overflowed = offered', () => {
  const a = accountCallers({ offered: 100, callersCompleted: 100, agentCalls: 30, stats: { answered: 30, overflowed: 70, abandoned: 0 } });
  assert.equal(a, { offered: 100, answered: 30, overflowed: 70, lost: 0, problems: [] });
});

test('accountCallers: a caller neither answered nor overflowed is lost, and so is a failed caller call', () => {
  assert.is(accountCallers({ offered: 100, callersCompleted: 100, agentCalls: 30, stats: { answered: 30, overflowed: 68, abandoned: 0 } }).lost, 2);
  const b = accountCallers({ offered: 100, callersCompleted: 95, agentCalls: 30, stats: { answered: 31, overflowed: 70, abandoned: 1 } });
  assert.is(b.lost, 5);
  assert.is(b.problems.length, 2);
});

test.run();
