import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMessage } from '../message/parse.js';
import type { SipMessage } from '../message/types.js';
import { rememberSource, sourceOf } from './response-source.js';

function response(): SipMessage {
  const r = parseMessage(
    Buffer.from('SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n'),
  );
  if (!r.ok) throw new Error('fixture does not parse');
  return r.message;
}

test('the source remembered for a message is returned for that message object only', () => {
  const a = response();
  const b = response();
  rememberSource(a, { protocol: 'udp', address: '192.0.2.7', port: 5060 });
  assert.equal(sourceOf(a), { protocol: 'udp', address: '192.0.2.7', port: 5060 });
  assert.is(sourceOf(b), undefined, 'an identical message that never came off the wire has no source');
});

test('the remembered endpoint is a copy: changing the caller object later does not move it', () => {
  const m = response();
  const ep = { protocol: 'tcp' as const, address: '198.51.100.1', port: 5070 };
  rememberSource(m, ep);
  ep.address = '203.0.113.9';
  assert.is(sourceOf(m)?.address, '198.51.100.1');
  rememberSource(m, { protocol: 'udp', address: '203.0.113.9', port: 5060 });
  assert.equal(sourceOf(m), { protocol: 'udp', address: '203.0.113.9', port: 5060 }, 'a later remember replaces the earlier one');
});

test.run();
