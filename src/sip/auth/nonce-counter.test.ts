import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { NonceCounter } from './nonce-counter.js';

const TTL = 300_000;

function setup(maxEntries = 100) {
  const clock = new FakeClock();
  return { clock, counter: new NonceCounter({ clock, ttlMs: TTL, maxEntries }) };
}

test('increasing counts are accepted; a repeated one is a replay', () => {
  const { clock, counter } = setup();
  const t = clock.now();
  assert.is(counter.use('n1', t, 1), 'ok');
  assert.is(counter.use('n1', t, 2), 'ok');
  assert.is(counter.use('n1', t, 2), 'replay');
  assert.is(counter.use('n1', t, 1), 'replay');
  assert.is(counter.use('n1', t, 7), 'ok', 'gaps are fine');
  assert.is(counter.use('n1', t, 7), 'replay');
});

test('counts arriving out of order inside the window are accepted once each', () => {
  const { clock, counter } = setup();
  const t = clock.now();
  assert.is(counter.use('n', t, 5), 'ok');
  assert.is(counter.use('n', t, 3), 'ok');
  assert.is(counter.use('n', t, 4), 'ok');
  assert.is(counter.use('n', t, 3), 'replay');
  assert.is(counter.use('n', t, 1), 'ok');
  assert.is(counter.use('n', t, 5), 'replay');
});

test('a count older than the 32-wide window is refused; a jump beyond it clears the window', () => {
  const { clock, counter } = setup();
  const t = clock.now();
  assert.is(counter.use('n', t, 1), 'ok');
  assert.is(counter.use('n', t, 100), 'ok');
  assert.is(counter.use('n', t, 68), 'replay', 'outside the window: cannot tell, so refuse');
  assert.is(counter.use('n', t, 69), 'ok', 'highest-31 is inside the window');
  assert.is(counter.use('n', t, 69), 'replay');
  assert.is(counter.use('n', t, 0xffffffff), 'ok');
  assert.is(counter.use('n', t, 0xffffffff), 'replay');
  assert.is(counter.use('n', t, 0xffffffff - 31), 'ok');
});

test('nonces are independent', () => {
  const { clock, counter } = setup();
  const t = clock.now();
  assert.is(counter.use('a', t, 1), 'ok');
  assert.is(counter.use('b', t, 1), 'ok');
  assert.is(counter.size, 2);
});

test('the table never grows past its cap; an evicted nonce is forgotten, never fresh again', () => {
  const { clock, counter } = setup(4);
  const issued: Array<[string, number]> = [];
  for (let i = 0; i < 10; i++) {
    clock.advance(1000);
    issued.push([`n${i}`, clock.now()]);
    assert.is(counter.use(`n${i}`, clock.now(), 1), 'ok');
    assert.ok(counter.size <= 4, `size ${counter.size} after ${i + 1}`);
  }
  assert.is(counter.size, 4);
  // n0..n5 were evicted: replaying nc=1, or any nc, must not pass.
  for (const [key, at] of issued.slice(0, 6)) {
    assert.is(counter.use(key, at, 1), 'forgotten', key);
    assert.is(counter.use(key, at, 2), 'forgotten', key);
  }
  // The survivors keep their records.
  const [k9, t9] = issued[9]!;
  assert.is(counter.use(k9, t9, 1), 'replay');
  assert.is(counter.use(k9, t9, 2), 'ok');
  // A nonce issued after everything evicted is welcome.
  clock.advance(1000);
  assert.is(counter.use('late', clock.now(), 1), 'ok');
  assert.ok(counter.size <= 4);
});

test('expired entries are dropped, and dropping them forgets nothing that is still valid', () => {
  const { clock, counter } = setup(100);
  for (let i = 0; i < 20; i++) assert.is(counter.use(`old${i}`, clock.now(), 1), 'ok');
  assert.is(counter.size, 20);
  clock.advance(TTL + 1);
  assert.is(counter.use('new', clock.now(), 1), 'ok');
  assert.is(counter.size, 1);
  // Expiry does not raise the eviction mark: a nonce issued just before 'new' is still fresh.
  assert.is(counter.use('other', clock.now() - 10, 1), 'ok');
});

test('under a flood of distinct nonces memory stays at the cap', () => {
  const { clock, counter } = setup(1000);
  for (let i = 0; i < 20_000; i++) {
    if (i % 100 === 0) clock.advance(10);
    counter.use(`k${i}`, clock.now(), 1);
  }
  assert.is(counter.size, 1000);
});

test('the constructor refuses a cap below 1', () => {
  assert.throws(() => new NonceCounter({ clock: new FakeClock(), ttlMs: TTL, maxEntries: 0 }));
});

test.run();
