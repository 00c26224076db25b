import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BindingRow } from '../store/binding-row.js';
import { farEndAddress, forkTargets, gruuOf, pathTarget, targetOf } from './fork-targets.js';

const NOW = 1_700_000_000_000;
function b(contact: string, source: Partial<BindingRow['source']>, extra: Partial<BindingRow> = {}): BindingRow {
  return {
    aor: '1002',
    contact,
    callId: 'c',
    cseq: 1,
    expiresAt: NOW + 60_000,
    source: { protocol: 'udp', address: '203.0.113.7', port: 40000, localAddress: '127.0.0.1', localPort: 5060, ...source },
    updatedAt: NOW,
    ...extra,
  };
}

test('behind NAT (Contact names a private address): requests go where the REGISTER came from', () => {
  assert.equal(targetOf(b('sip:1002@192.168.1.20:5062', {})), { protocol: 'udp', address: '203.0.113.7', port: 40000 });
});

test('no NAT (Contact host is the source address): the Contact port is used, UDP', () => {
  assert.equal(targetOf(b('sip:1002@203.0.113.7:5270', {})), { protocol: 'udp', address: '203.0.113.7', port: 5270 });
  assert.equal(targetOf(b('sip:1002@203.0.113.7', {})), { protocol: 'udp', address: '203.0.113.7', port: 5060 });
});

test('TCP/TLS and RFC 5626 flows always use the registered connection', () => {
  assert.equal(targetOf(b('sip:1002@203.0.113.7:5270;transport=tcp', { protocol: 'tcp', connectionId: 'c9' })), { protocol: 'tcp', address: '203.0.113.7', port: 40000, connectionId: 'c9' });
  assert.equal(targetOf(b('sip:1002@203.0.113.7:5270;ob', {}, { instance: 'urn:uuid:1', regId: 1 })), { protocol: 'udp', address: '203.0.113.7', port: 40000 });
});

test('expired contacts are not called; the best q goes first', () => {
  const t = forkTargets([b('sip:a@203.0.113.7', {}, { q: 0.5 }), b('sip:b@203.0.113.7', {}, { q: 1 }), b('sip:c@203.0.113.7', {}, { expiresAt: NOW - 1 })], NOW);
  assert.equal(t.map((x) => x.requestUri), ['sip:b@203.0.113.7', 'sip:a@203.0.113.7']);
});

test('a GRUU names one instance', () => {
  assert.equal(gruuOf('sip:1002@acme.example;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6'), { user: '1002', host: 'acme.example', instance: 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6' });
  assert.is(gruuOf('sip:1002@acme.example'), undefined);
});

test('RFC 3327: a contact registered with a Path is reached through its first hop, the Path as Route', () => {
  const path = ['<sip:10.0.0.1:5070;lr;received=sip:203.0.113.7%3A40000>'];
  const [t] = forkTargets([b('sip:1002@192.168.1.20:5062', {}, { path })], NOW);
  assert.equal(t!.target, { protocol: 'udp', address: '10.0.0.1', port: 5070 });
  assert.equal(t!.headers, [['Route', path[0]]]);
  assert.is(t!.requestUri, 'sip:1002@192.168.1.20:5062');
  // the media guard judges the phone (as the edge named it at registration), not the edge
  assert.is(farEndAddress(t!), '203.0.113.7');
  const [direct] = forkTargets([b('sip:1002@192.168.1.20:5062', {})], NOW);
  assert.is(farEndAddress(direct!), '203.0.113.7');
  assert.is(direct!.client, undefined);
  assert.equal(pathTarget(b('sip:x@h', {}, { path: ['<sip:[2001:db8::1];transport=tcp;lr>', '<sip:10.0.0.2;lr>'] })), { protocol: 'tcp', address: '2001:db8::1', port: 5060 });
});

test('a Path that cannot be used (no lr, a name, not SIP, junk) leaves the contact reached directly', () => {
  for (const p of ['<sip:10.0.0.1:5070>', '<sip:edge.example;lr>', '<tel:+1555;lr>', 'garbage', '<sip:10.0.0.1;lr;transport=sctp>']) {
    assert.is(pathTarget(b('sip:1002@203.0.113.7:5270', {}, { path: [p] })), undefined, p);
    const [t] = forkTargets([b('sip:1002@203.0.113.7:5270', {}, { path: [p] })], NOW);
    assert.equal(t!.target, { protocol: 'udp', address: '203.0.113.7', port: 5270 }, p);
    assert.is(t!.headers, undefined);
  }
});

test.run();
