import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { takeTimeout, touch, type ActivityState } from './inactivity.js';

const fresh = (at = 0): ActivityState => ({ lastRtpAt: at, held: false, timeoutReported: false });

test('reports once after the timeout, not before', () => {
  const s = fresh(1000);
  assert.not.ok(takeTimeout(s, 1000 + 59_999, 60_000));
  assert.ok(takeTimeout(s, 1000 + 60_000, 60_000));
  assert.not.ok(takeTimeout(s, 1000 + 120_000, 60_000), 'only once');
});

test('RTP re-arms the report', () => {
  const s = fresh();
  assert.ok(takeTimeout(s, 60_000, 60_000));
  touch(s, 70_000);
  assert.not.ok(takeTimeout(s, 100_000, 60_000));
  assert.ok(takeTimeout(s, 130_000, 60_000));
});

test('a held session is never reported', () => {
  const s = fresh();
  s.held = true;
  assert.not.ok(takeTimeout(s, 1_000_000, 60_000));
  s.held = false;
  assert.ok(takeTimeout(s, 1_000_000, 60_000));
});

test('timeout 0 turns the check off', () => {
  assert.not.ok(takeTimeout(fresh(), 1e12, 0));
});

test.run();
