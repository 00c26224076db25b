import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { orderSrv, seededRandom } from './srv-order.js';

const rec = (name: string, priority: number, weight: number) => ({ name, priority, weight });

test('lower priority always comes first, whatever the weights', () => {
  const random = seededRandom(1);
  for (let i = 0; i < 200; i++) {
    const out = orderSrv([rec('b1', 20, 100), rec('a1', 10, 0), rec('c', 30, 5), rec('b2', 20, 1)], random).map((r) => r.name);
    assert.is(out[0], 'a1');
    assert.equal(new Set(out.slice(1, 3)), new Set(['b1', 'b2']));
    assert.is(out[3], 'c');
  }
});

test('within a priority, weights set the share of first places (RFC 2782)', () => {
  const random = seededRandom(42);
  const first: Record<string, number> = { heavy: 0, light: 0, zero: 0 };
  const n = 4000;
  for (let i = 0; i < n; i++) first[orderSrv([rec('heavy', 1, 60), rec('light', 1, 20), rec('zero', 1, 0)], random)[0]!.name]!++;
  // Draws of 0..80: 0 picks "zero" (1/81), 1..60 "heavy" (60/81), 61..80 "light" (20/81).
  assert.ok(Math.abs(first.heavy! / n - 60 / 81) < 0.03, `heavy ${first.heavy}`);
  assert.ok(Math.abs(first.light! / n - 20 / 81) < 0.03, `light ${first.light}`);
  assert.ok(first.zero! > 0 && first.zero! / n < 0.03, `zero ${first.zero}`);
});

test('every record is kept exactly once, and a fixed random gives a fixed order', () => {
  const list = [rec('a', 1, 10), rec('b', 1, 10), rec('c', 1, 10), rec('d', 2, 0)];
  const one = orderSrv(list, seededRandom(7)).map((r) => r.name);
  const two = orderSrv(list, seededRandom(7)).map((r) => r.name);
  assert.equal(one, two);
  assert.equal([...one].sort(), ['a', 'b', 'c', 'd']);
  // random() = 0 draws 0: the first record of the running sum, then the next.
  assert.equal(orderSrv(list, () => 0).map((r) => r.name), ['a', 'b', 'c', 'd']);
  // random() near 1 draws the sum: the last record first.
  assert.equal(orderSrv(list, () => 0.99999).map((r) => r.name)[0], 'c');
});

test('a hostile random (NaN, out of range) still yields every record', () => {
  for (const r of [NaN, -5, 7, Infinity]) assert.is(orderSrv([rec('a', 1, 1), rec('b', 1, 1)], () => r).length, 2);
});

test.run();
