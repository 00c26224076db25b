import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RecentRefusals } from './recent-refusals.js';

test('a key is listed for the window after its last refusal; note() says whether it is new', () => {
  const r = new RecentRefusals(2_000);
  assert.is(r.note('192.0.2.1', 1_000), true);
  assert.is(r.note('192.0.2.1', 1_500), false, 'already listed');
  assert.equal(r.keys(3_400), ['192.0.2.1'], 'within 2 s of the last refusal');
  assert.equal(r.keys(3_600), [], 'forgotten after');
  assert.is(r.size, 0);
  assert.is(r.note('192.0.2.1', 3_700), true, 'new again');
});

test('bounded: past the cap the key refused longest ago goes; a clock stepped back forgets', () => {
  const r = new RecentRefusals(10_000, 3);
  r.note('a', 1);
  r.note('b', 2);
  r.note('c', 3);
  r.note('a', 4); // refreshed: now the newest
  r.note('d', 5);
  assert.equal(r.keys(6).sort(), ['a', 'c', 'd']);
  assert.equal(r.keys(2), [], 'refusals dated after now (the clock went back) are dropped');
});

test.run();
