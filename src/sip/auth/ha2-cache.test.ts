import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeHa2, computeResponse } from './digest.js';
import { Ha2Cache } from './ha2-cache.js';

test('the cached HA2 is H(method:uri) of the algorithm asked, and repeats are kept once', () => {
  const c = new Ha2Cache();
  assert.is(c.get('MD5', 'REGISTER', 'sip:acme.example'), computeHa2('MD5', 'REGISTER', 'sip:acme.example'));
  assert.is(c.get('MD5', 'REGISTER', 'sip:acme.example'), computeHa2('MD5', 'REGISTER', 'sip:acme.example'));
  assert.is(c.get('SHA-256', 'REGISTER', 'sip:acme.example'), computeHa2('SHA-256', 'REGISTER', 'sip:acme.example'));
  assert.is(c.get('MD5', 'INVITE', 'sip:acme.example'), computeHa2('MD5', 'INVITE', 'sip:acme.example'));
  assert.is(c.size, 3);
});

test('method and uri are not confused across the separator', () => {
  const c = new Ha2Cache();
  const a = c.get('MD5', 'A', 'B:C');
  const b = c.get('MD5', 'A:B', 'C');
  // Same H input text (A:B:C), so the same digest, as RFC 7616 defines it: the cache adds no ambiguity of its own.
  assert.is(a, computeHa2('MD5', 'A', 'B:C'));
  assert.is(b, computeHa2('MD5', 'A:B', 'C'));
});

test('a spray of distinct URIs stays bounded; a long one is hashed and not kept', () => {
  const c = new Ha2Cache();
  for (let i = 0; i < 5000; i++) assert.is(c.get('MD5', 'REGISTER', `sip:${i}.example`), computeHa2('MD5', 'REGISTER', `sip:${i}.example`));
  assert.ok(c.size <= 1024, `size ${c.size}`);
  const long = 'sip:' + 'x'.repeat(400) + '.example';
  const before = c.size;
  assert.is(c.get('MD5', 'REGISTER', long), computeHa2('MD5', 'REGISTER', long));
  assert.is(c.size, before);
});

test('computeResponse with a given ha2 equals the one that computes it', () => {
  const base = { algorithm: 'MD5' as const, ha1: '939e7578ed9e3c518a452acee763bce9', nonce: 'n', method: 'REGISTER', uri: 'sip:acme.example', qop: 'auth' as const, nc: '00000001', cnonce: 'c' };
  assert.is(computeResponse({ ...base, ha2: computeHa2('MD5', 'REGISTER', 'sip:acme.example') }), computeResponse(base));
});

test.run();
