import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { DigitReader, MAX_QUEUED_DIGITS } from './digit-reader.js';

test('digits typed ahead are read first; max ends the read', async () => {
  const r = new DigitReader(new FakeClock());
  for (const d of '123') r.push(d);
  const got = await r.read({ max: 2, firstMs: 1000, interMs: 1000 });
  assert.equal(got, { digits: '12', timedOut: false, hangup: false });
  assert.is(r.pending, 1);
});

test('a terminator ends the read and is not part of the digits', async () => {
  const clock = new FakeClock();
  const r = new DigitReader(clock);
  const p = r.read({ max: 10, firstMs: 5000, interMs: 3000, terminators: '#' });
  r.push('4');
  r.push('2');
  r.push('#');
  assert.equal(await p, { digits: '42', terminator: '#', timedOut: false, hangup: false });
});

test('first-digit timeout, then inter-digit timeout, on the injected clock', async () => {
  const clock = new FakeClock();
  const r = new DigitReader(clock);
  let done: unknown;
  void r.read({ max: 4, firstMs: 5000, interMs: 2000 }).then((x) => (done = x));
  clock.advance(4999);
  await Promise.resolve();
  assert.is(done, undefined, 'still waiting for the first digit');
  r.push('7');
  clock.advance(1999);
  await Promise.resolve();
  assert.is(done, undefined, 'the inter-digit wait restarted at the digit');
  clock.advance(1);
  await Promise.resolve();
  assert.equal(done, { digits: '7', timedOut: true, hangup: false });
  const none = r.read({ max: 1, firstMs: 3000, interMs: 0 });
  clock.advance(3000);
  assert.equal(await none, { digits: '', timedOut: true, hangup: false });
});

test('firstMs 0 reads only what was typed already', async () => {
  const r = new DigitReader(new FakeClock());
  assert.equal(await r.read({ max: 3, firstMs: 0, interMs: 0 }), { digits: '', timedOut: true, hangup: false });
  r.push('9');
  assert.equal(await r.read({ max: 1, firstMs: 0, interMs: 0 }), { digits: '9', timedOut: false, hangup: false });
});

test('hangup ends a waiting read and every later one', async () => {
  const r = new DigitReader(new FakeClock());
  const p = r.read({ max: 3, firstMs: 10_000, interMs: 1000 });
  r.push('1');
  r.close();
  assert.equal(await p, { digits: '1', timedOut: false, hangup: true });
  assert.equal(await r.read({ max: 1, firstMs: 1000, interMs: 0 }), { digits: '', timedOut: false, hangup: true });
});

test('a DTMF flood is bounded; flush forgets; junk is ignored', async () => {
  const r = new DigitReader(new FakeClock());
  for (let i = 0; i < MAX_QUEUED_DIGITS + 50; i++) r.push('5');
  r.push('x');
  r.push('12');
  assert.is(r.pending, MAX_QUEUED_DIGITS);
  assert.is(r.dropped, 50);
  r.flush();
  assert.is(r.pending, 0);
});

test('a second read ends the first as timed out', async () => {
  const r = new DigitReader(new FakeClock());
  const first = r.read({ max: 3, firstMs: 10_000, interMs: 1000 });
  const second = r.read({ max: 1, firstMs: 10_000, interMs: 1000 });
  r.push('3');
  assert.equal(await first, { digits: '', timedOut: true, hangup: false });
  assert.equal(await second, { digits: '3', timedOut: false, hangup: false });
});

test.run();
