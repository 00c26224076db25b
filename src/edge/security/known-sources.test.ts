import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KnownSources } from './known-sources.js';

test('a flow is known until its expiry, on its own port only', () => {
  const k = new KnownSources();
  k.add('192.0.2.20', 5060, 10_000, 0);
  assert.ok(k.hasFlow('192.0.2.20', 5060, 9_999));
  assert.not.ok(k.hasFlow('192.0.2.20', 5061, 1));
  assert.ok(k.hasAddress('192.0.2.20', 1));
  assert.not.ok(k.hasFlow('192.0.2.20', 5060, 10_000));
  assert.not.ok(k.hasAddress('192.0.2.20', 10_000));
  assert.is(k.size, 0, 'collected on lookup');
});

test('a refresh never shortens a flow', () => {
  const k = new KnownSources();
  k.add('a', 1, 100_000, 0);
  k.add('a', 1, 50_000, 10);
  assert.ok(k.hasFlow('a', 1, 99_999));
  k.add('a', 1, 200_000, 20);
  assert.ok(k.hasFlow('a', 1, 199_999));
});

test('flows per address are capped: the least recently refreshed goes', () => {
  const k = new KnownSources({ maxFlowsPerAddress: 3 });
  for (let p = 1; p <= 5; p++) k.add('a', p, 1_000_000, p);
  assert.not.ok(k.hasFlow('a', 1, 10));
  assert.not.ok(k.hasFlow('a', 2, 10));
  for (const p of [3, 4, 5]) assert.ok(k.hasFlow('a', p, 10), String(p));
});

test('addresses are capped: the least recently refreshed goes', () => {
  const k = new KnownSources({ maxAddresses: 2 });
  k.add('a', 1, 1_000_000, 0);
  k.add('b', 1, 1_000_000, 1);
  k.add('a', 1, 1_000_000, 2);
  k.add('c', 1, 1_000_000, 3);
  assert.ok(k.hasAddress('a', 4));
  assert.not.ok(k.hasAddress('b', 4));
  assert.ok(k.hasAddress('c', 4));
});

test('forget() drops one flow', () => {
  const k = new KnownSources();
  k.add('a', 1, 1_000, 0);
  k.add('a', 2, 1_000, 0);
  k.forget('a', 1);
  assert.not.ok(k.hasFlow('a', 1, 1));
  assert.ok(k.hasFlow('a', 2, 1));
  k.forget('a', 2);
  assert.is(k.size, 0);
});

test.run();
