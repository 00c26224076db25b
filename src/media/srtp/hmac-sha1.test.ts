import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HmacSha1 } from './hmac-sha1.js';

test('RFC 2202 test case 1 and 2 (HMAC-SHA1)', () => {
  const k1 = Buffer.alloc(20, 0x0b);
  assert.is(new HmacSha1(k1).mac(Buffer.from('Hi There'), 8, Buffer.alloc(0)).toString('hex'), 'b617318655057264e28bc0b6fb378c8ef146be00');
  const m2 = Buffer.from('what do ya want for nothing?');
  assert.is(new HmacSha1(Buffer.from('Jefe')).mac(m2, m2.length, Buffer.alloc(0)).toString('hex'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
});

test('equals node:crypto createHmac for every length 0..300 (all padding cases), with and without a 4-byte tail', () => {
  const key = randomBytes(20);
  const h = new HmacSha1(key);
  const data = randomBytes(320);
  const roc = randomBytes(4);
  for (let len = 0; len <= 300; len++) {
    const msg = data.subarray(0, len);
    assert.is(h.mac(data, len, roc).toString('hex'), createHmac('sha1', key).update(msg).update(roc).digest('hex'), `len ${len} + tail`);
    assert.is(h.mac(data, len, Buffer.alloc(0)).toString('hex'), createHmac('sha1', key).update(msg).digest('hex'), `len ${len}`);
  }
});

test.run();
