import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SipRequest } from '../message/types.js';
import { responseTarget } from './response-target.js';
import type { Endpoint, Inbound, TransportProtocol } from './types.js';

function inbound(protocol: TransportProtocol, via: string, connectionId?: string): Inbound {
  const message: SipRequest = { kind: 'request', method: 'OPTIONS', uri: 'sip:a.example', headers: [{ name: 'via', value: via }], body: Buffer.alloc(0) };
  const source: Endpoint = { protocol, address: '192.0.2.7', port: 40000 };
  const local: Endpoint = { protocol, address: '127.0.0.1', port: 5060 };
  const i: Inbound = { message, source, local, receivedAt: 0 };
  if (connectionId) i.connectionId = connectionId;
  return i;
}
const open = () => true;
const closed = () => false;

test('UDP with rport: the source address and the rport port, from the socket it came in on (RFC 3581 §4)', () => {
  const t = responseTarget(inbound('udp', 'SIP/2.0/UDP 10.0.0.1:5070;rport=40000;received=192.0.2.7;branch=z9hG4bK1'), open);
  assert.equal(t, { protocol: 'udp', address: '192.0.2.7', port: 40000, local: { protocol: 'udp', address: '127.0.0.1', port: 5060 } });
});

test('UDP without rport: the sent-by port, 5060 when there is none (RFC 3261 §18.2.2)', () => {
  assert.is(responseTarget(inbound('udp', 'SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bK1'), open).port, 5070);
  assert.is(responseTarget(inbound('udp', 'SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK1'), open).port, 5060);
});

test('a received or maddr written by the sender never redirects the response', () => {
  const t = responseTarget(inbound('udp', 'SIP/2.0/UDP 192.0.2.7:5070;maddr=239.1.1.1;received=203.0.113.5;branch=z9hG4bK1'), open);
  assert.is(t.address, '192.0.2.7');
});

test('stream with the connection still open: over that connection', () => {
  const t = responseTarget(inbound('tcp', 'SIP/2.0/TCP 10.0.0.1:5080;branch=z9hG4bK1', 'tcp-3'), open);
  assert.is(t.connectionId, 'tcp-3');
  assert.is(t.protocol, 'tcp');
});

test('stream whose connection closed: a new one to the source address and the sent-by port, never rport', () => {
  const t = responseTarget(inbound('tcp', 'SIP/2.0/TCP 10.0.0.1:5080;rport=40000;branch=z9hG4bK1', 'tcp-3'), closed);
  assert.equal([t.connectionId, t.address, t.port], [undefined, '192.0.2.7', 5080]);
});

test('default ports: 5060 for TCP, 5061 for TLS', () => {
  assert.is(responseTarget(inbound('tcp', 'SIP/2.0/TCP h.example;branch=z9hG4bK1', 'x'), closed).port, 5060);
  assert.is(responseTarget(inbound('tls', 'SIP/2.0/TLS h.example;branch=z9hG4bK1', 'x'), closed).port, 5061);
});

test.run();
