import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SOFT_KNEE, softLimit } from './soft-limit.js';

test('linear up to the knee, odd-symmetric', () => {
  for (const x of [0, 1, -1, 1000, -1000, SOFT_KNEE, -SOFT_KNEE]) assert.is(softLimit(x), x);
  for (let x = 0; x < 300000; x += 97) assert.is(softLimit(-x), -softLimit(x));
});

test('monotonic, continuous at the knee, never reaches full scale, never wraps', () => {
  let prev = softLimit(-8 * 32768);
  for (let x = -8 * 32768 + 1; x <= 8 * 32768; x++) {
    const y = softLimit(x);
    assert.ok(y >= prev, `not monotonic at ${x}`);
    assert.ok(y - prev <= 1, `step at ${x}`);
    assert.ok(Math.abs(y) <= 32767);
    if (x !== 0) assert.is(Math.sign(y), Math.sign(x));
    prev = y;
  }
  assert.ok(softLimit(1e9) <= 32767 && softLimit(1e9) > 32700);
});

test.run();
