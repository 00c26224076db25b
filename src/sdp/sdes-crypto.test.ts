import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatSdesCrypto, parseSdesCrypto } from './sdes-crypto.js';

const KEY = Buffer.alloc(30, 0xab);
const B64 = KEY.toString('base64');

test('reads the RFC 4568 §4 example form and writes it back', () => {
  const line = `1 AES_CM_128_HMAC_SHA1_80 inline:${B64}`;
  const c = parseSdesCrypto(line);
  assert.ok(c);
  assert.is(c.tag, 1);
  assert.is(c.suite, 'AES_CM_128_HMAC_SHA1_80');
  assert.equal(c.keySalt, KEY);
  assert.is(formatSdesCrypto(c), line);
});

test('a lifetime is accepted; the _32 suite too', () => {
  assert.is(parseSdesCrypto(`2 AES_CM_128_HMAC_SHA1_32 inline:${B64}|2^20`)?.suite, 'AES_CM_128_HMAC_SHA1_32');
  assert.ok(parseSdesCrypto(`2 AES_CM_128_HMAC_SHA1_32 inline:${B64}|1048576`));
});

test('lines the PBX cannot honour are skipped, not half-read', () => {
  for (const bad of [
    undefined,
    '',
    `x AES_CM_128_HMAC_SHA1_80 inline:${B64}`,
    `1234567890 AES_CM_128_HMAC_SHA1_80 inline:${B64}`,
    `1 F8_128_HMAC_SHA1_80 inline:${B64}`,
    `1 AES_256_CM_HMAC_SHA1_80 inline:${B64}`,
    `1 AES_CM_128_HMAC_SHA1_80 inline:${B64}|2^20|1:4`, // MKI
    `1 AES_CM_128_HMAC_SHA1_80 inline:${B64}|2^20;inline:${B64}|2^20`, // two keys
    `1 AES_CM_128_HMAC_SHA1_80 inline:${B64} UNENCRYPTED_SRTP`, // session parameter
    `1 AES_CM_128_HMAC_SHA1_80 inline:${B64} KDR=1`,
    `1 AES_CM_128_HMAC_SHA1_80 inline:${Buffer.alloc(16).toString('base64')}`, // short key
    `1 AES_CM_128_HMAC_SHA1_80 inline:${B64.slice(0, 39)}!`,
    `1 AES_CM_128_HMAC_SHA1_80 uri:https://example.com/key`,
    `1 AES_CM_128_HMAC_SHA1_80 inline:${B64}|notalifetime`,
    'x'.repeat(600),
  ]) {
    assert.is(parseSdesCrypto(bad), undefined, String(bad).slice(0, 80));
  }
});

test.run();
