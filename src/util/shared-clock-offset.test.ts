import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from './clock.js';
import { hasSharedOffset, offsetClock, SharedClockOffset } from './shared-clock-offset.js';

test('offsetClock reads the system time plus the offset in the shared cell, as it stands at each now()', () => {
  const offset = new SharedClockOffset();
  const clock = offsetClock(offset.buffer);
  const DAY = 86_400_000;
  offset.set(-250 * DAY);
  const a = clock.now() - Date.now();
  assert.ok(a <= -250 * DAY && a >= -250 * DAY - 1000, `offset applied: ${a}`);
  offset.set(3 * DAY + 0.4);
  assert.is(offset.ms, 3 * DAY, 'whole milliseconds');
  const b = clock.now() - Date.now();
  assert.ok(b <= 3 * DAY && b >= 3 * DAY - 1000, 'a change is read at once, no message needed');
});

test('the cell is the same memory seen from a second view (as a worker thread sees it)', () => {
  const a = new SharedClockOffset();
  const b = new SharedClockOffset(a.buffer);
  a.set(12345);
  assert.is(b.ms, 12345);
});

test('hasSharedOffset: only clocks that carry a SharedArrayBuffer', () => {
  assert.is(hasSharedOffset(systemClock), false);
  assert.is(hasSharedOffset({ ...systemClock, sharedOffset: new SharedArrayBuffer(8) } as never), true);
  assert.throws(() => new SharedClockOffset(new SharedArrayBuffer(4)), /8 bytes/);
  assert.throws(() => new SharedClockOffset().set(Number.NaN), /finite/);
});

test.run();
