import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { ExpiryQueue } from './expiry-queue.js';

function setup(delay: number) {
  const clock = new FakeClock(0);
  const log: string[] = [];
  const q = new ExpiryQueue<string>(clock, delay, (name) => log.push(`${name}@${clock.now()}`));
  return { clock, log, q };
}

test('each entry expires exactly delayMs after it was added, in order, with one clock timer', () => {
  const { clock, log, q } = setup(1000);
  q.add('a');
  clock.advance(10);
  q.add('b');
  q.add('c');
  clock.advance(500);
  q.add('d');
  assert.is(clock.timerCount, 1);
  assert.is(q.size, 4);
  clock.advance(489);
  assert.equal(log, []);
  clock.advance(1);
  assert.equal(log, ['a@1000']);
  clock.advance(10);
  assert.equal(log, ['a@1000', 'b@1010', 'c@1010']);
  clock.advance(1000);
  assert.equal(log, ['a@1000', 'b@1010', 'c@1010', 'd@1510']);
  assert.is(q.size, 0);
  assert.is(clock.timerCount, 0);
  // It starts again when something new comes.
  q.add('e');
  clock.advance(1000);
  assert.equal(log.at(-1), 'e@3010');
});

test('clear() drops every entry and the clock timer', () => {
  const { clock, log, q } = setup(1000);
  q.add('a');
  q.clear();
  assert.is(q.size, 0);
  assert.is(clock.timerCount, 0);
  clock.advance(5000);
  assert.equal(log, []);
});

test('a long steady stream keeps its order across internal compaction', () => {
  const clock = new FakeClock(0);
  const expired: number[] = [];
  const q = new ExpiryQueue<number>(clock, 100, (n) => expired.push(n));
  for (let i = 0; i < 5000; i++) {
    q.add(i);
    clock.advance(1);
  }
  clock.advance(100);
  assert.is(expired.length, 5000);
  assert.ok(expired.every((v, i) => v === i));
  assert.is(q.size, 0);
});

test.run();
