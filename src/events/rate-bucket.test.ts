import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { RateBuckets } from './rate-bucket.js';

test('a burst passes, then the storm is refused with a wait; time refills', () => {
  const clock = new FakeClock(1_000_000);
  const b = new RateBuckets({ clock, ratePerSecond: () => 2, burst: () => 3 });
  assert.ok(b.take('acme').ok);
  assert.ok(b.take('acme').ok);
  assert.ok(b.take('acme').ok);
  const no = b.take('acme');
  assert.equal(no, { ok: false, retryAfterSeconds: 1 });
  // Another tenant is not starved by acme's storm.
  assert.ok(b.take('globex').ok);
  clock.advance(500);
  assert.ok(b.take('acme').ok);
  assert.not.ok(b.take('acme').ok);
});

test('rate 0 is off', () => {
  const b = new RateBuckets({ clock: new FakeClock(0), ratePerSecond: () => 0, burst: () => 1 });
  for (let i = 0; i < 100; i++) assert.ok(b.take('x').ok);
});

test.run();
