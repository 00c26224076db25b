import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { negotiateExpires } from './expires-negotiation.js';

const p = { minExpires: 60, maxExpires: 3600, defaultExpires: 600 };

test('no Expires: the default', () => {
  assert.equal(negotiateExpires(undefined, p), { kind: 'grant', seconds: 600 });
});

test('too long is shortened to the maximum (RFC 6665 §4.2.1.1)', () => {
  assert.equal(negotiateExpires('86400', p), { kind: 'grant', seconds: 3600 });
  assert.equal(negotiateExpires(' 120 ', p), { kind: 'grant', seconds: 120 });
});

test('below the minimum: 423 with Min-Expires; zero: unsubscribe', () => {
  assert.equal(negotiateExpires('59', p), { kind: 'too-brief', minExpires: 60 });
  assert.equal(negotiateExpires('0', p), { kind: 'zero' });
});

test('not a number: bad', () => {
  for (const v of ['', 'abc', '-5', '1e3', '99999999999']) assert.equal(negotiateExpires(v, p).kind, 'bad', v);
});

test.run();
