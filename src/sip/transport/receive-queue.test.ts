import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReceiveQueue } from './receive-queue.js';

test('first in, first out, with the time each entry was read', () => {
  const q = new ReceiveQueue<string>(4);
  assert.ok(q.push('a', 10));
  assert.ok(q.push('b', 12));
  assert.is(q.length, 2);
  assert.equal(q.shift(), { item: 'a', at: 10 });
  assert.equal(q.shift(), { item: 'b', at: 12 });
  assert.is(q.shift(), undefined);
});

test('the age of the oldest entry is the lag of whoever drains it; 0 when empty', () => {
  const q = new ReceiveQueue<string>(4);
  assert.is(q.oldestAge(100), 0);
  q.push('a', 100);
  q.push('b', 150);
  assert.is(q.oldestAge(180), 80);
  q.shift();
  assert.is(q.oldestAge(180), 30);
  // A clock that steps back never gives a negative age.
  assert.is(q.oldestAge(120), 0);
});

test('bounded: at the cap a new entry is refused and nothing already queued is lost', () => {
  const q = new ReceiveQueue<number>(3);
  for (let i = 0; i < 3; i++) assert.ok(q.push(i, i));
  assert.not.ok(q.push(99, 5));
  assert.is(q.length, 3);
  assert.equal([q.shift()?.item, q.shift()?.item, q.shift()?.item], [0, 1, 2]);
});

test('wraps around its ring many times without losing order', () => {
  const q = new ReceiveQueue<number>(3);
  const out: number[] = [];
  for (let i = 0; i < 20; i++) {
    q.push(i, i);
    if (i % 2 === 1) {
      out.push(q.shift()!.item);
      out.push(q.shift()!.item);
    }
  }
  assert.equal(out, [...Array(20).keys()]);
  q.push(1, 1);
  q.clear();
  assert.is(q.length, 0);
  assert.is(q.shift(), undefined);
});

test('a capacity that is not a positive integer is refused', () => {
  assert.throws(() => new ReceiveQueue(0), /positive integer/);
  assert.throws(() => new ReceiveQueue(1.5), /positive integer/);
});

test.run();
