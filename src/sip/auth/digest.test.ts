import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeHa1, computeResponse, digestHex, digestsEqual, isDigestHex, parseAlgorithm, type DigestAlgorithm } from './digest.js';

// RFC 7616 §3.9.1: GET /dir/index.html, Mufasa / "Circle of Life" (lowercase "of", erratum 4495).
const V = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nc: '00000001',
};

function rfcResponse(alg: DigestAlgorithm): string {
  const ha1 = computeHa1(alg, V.username, V.realm, V.password);
  return computeResponse({ algorithm: alg, ha1, nonce: V.nonce, method: V.method, uri: V.uri, qop: 'auth', nc: V.nc, cnonce: V.cnonce });
}

test('RFC 7616 §3.9.1 MD5 response', () => {
  assert.is(rfcResponse('MD5'), '8ca523f5e9506fed4657c9700eebdbec');
});

test('RFC 7616 §3.9.1 SHA-256 response', () => {
  assert.is(rfcResponse('SHA-256'), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('HA1 is H(username:realm:password)', () => {
  assert.is(computeHa1('MD5', V.username, V.realm, V.password), digestHex('MD5', 'Mufasa:http-auth@example.org:Circle of Life'));
  assert.is(computeHa1('SHA-256', 'a', 'b', 'c').length, 64);
});

test('RFC 2617 §3.5 example (qop=auth, MD5) and the same inputs in the RFC 2069 form', () => {
  const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
  const base = { algorithm: 'MD5' as const, ha1, nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html' };
  assert.is(computeResponse({ ...base, qop: 'auth', nc: '00000001', cnonce: '0a4f113b' }), '6629fae49393a05397450978507c4ef1');
  // No qop: H(HA1:nonce:HA2). The value is the one other implementations check against.
  assert.is(computeResponse(base), '670fd8c2df070c60b045671b8b24ff02');
});

test('SHA-512-256 is SHA-512/256 (FIPS 180-4 "abc" vector), not truncated SHA-512', () => {
  assert.is(digestHex('SHA-512-256', 'abc'), '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23');
});

test('non-ASCII input is hashed as UTF-8', () => {
  const utf8 = createHash('md5').update(Buffer.from([0x4a, 0xc3, 0xa4, 0x73])).digest('hex'); // "Jäs"
  assert.is(digestHex('MD5', 'J\u00e4s'), utf8);
});

test('algorithm names are case-insensitive; -sess and unknown ones are not supported', () => {
  assert.is(parseAlgorithm('md5'), 'MD5');
  assert.is(parseAlgorithm('sha-256'), 'SHA-256');
  assert.is(parseAlgorithm('SHA-512-256'), 'SHA-512-256');
  assert.is(parseAlgorithm('MD5-sess'), undefined);
  assert.is(parseAlgorithm('SHA-256-sess'), undefined);
  assert.is(parseAlgorithm('SHA-1'), undefined);
  assert.is(parseAlgorithm(''), undefined);
});

test('digest comparison: equal regardless of hex case, unequal on any difference or length', () => {
  const d = rfcResponse('SHA-256');
  assert.ok(digestsEqual(d, d.toUpperCase()));
  assert.not.ok(digestsEqual(d, d.slice(0, -1) + (d.endsWith('0') ? '1' : '0')));
  assert.not.ok(digestsEqual(d, d.slice(0, 32)));
  assert.not.ok(digestsEqual(d, ''));
});

test('isDigestHex checks length per algorithm and hex alphabet', () => {
  assert.ok(isDigestHex('MD5', '8ca523f5e9506fed4657c9700eebdbec'));
  assert.not.ok(isDigestHex('SHA-256', '8ca523f5e9506fed4657c9700eebdbec'));
  assert.not.ok(isDigestHex('MD5', '8ca523f5e9506fed4657c9700eebdbeg'));
});

test.run();
