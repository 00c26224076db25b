import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DigitRate } from './digit-rate.js';

test('more than 20 within one second is a flood; the window slides', () => {
  const r = new DigitRate(20);
  assert.not.ok(r.note(20, 1_000));
  assert.ok(r.note(1, 1_999), 'the 21st within the second');
  const s = new DigitRate(20);
  assert.not.ok(s.note(20, 1_000));
  assert.not.ok(s.note(1, 2_000), 'a second later the first 20 are out of the window');
  assert.not.ok(s.note(19, 2_500));
  assert.ok(s.note(1, 2_900));
});

test('a huge burst is bounded in memory and still a flood', () => {
  const r = new DigitRate(20);
  assert.ok(r.note(1_000_000, 5));
  assert.ok(r.note(1, 6));
});

test.run();
