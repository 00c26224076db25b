import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isRfc3261Branch, parseVia, serializeVia } from './via.js';

test('a plain Via: transport upper-cased, host lowercased, port, params', () => {
  const v = parseVia('SIP/2.0/udp PC33.Atlanta.example.com:5066;branch=z9hG4bK776asdhds;rport;received=192.0.2.1');
  assert.is(v.transport, 'UDP');
  assert.is(v.host, 'pc33.atlanta.example.com');
  assert.is(v.port, 5066);
  assert.equal({ ...v.params }, { branch: 'z9hG4bK776asdhds', rport: null, received: '192.0.2.1' });
});

test('LWS around "/", before the port colon and around params (RFC 4475 §3.1.1.1)', () => {
  const v = parseVia('SIP  /   2.0 /UDP    192.0.2.2 : 5060 ;  branch  =   z9hG4bK9ikj8  ');
  assert.equal([v.transport, v.host, v.port, v.params['branch']], ['UDP', '192.0.2.2', 5060, 'z9hG4bK9ikj8']);
});

test('any transport token is accepted (RFC 4475 §3.1.1.10)', () => {
  for (const t of ['UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS', 'UNKNOWN']) assert.is(parseVia(`SIP/2.0/${t} h.example.com`).transport, t);
});

test('IPv6 sent-by and received with or without brackets (RFC 5118 §4.5)', () => {
  const v = parseVia('SIP/2.0/UDP [2001:DB8::9:1]:6050;received=2001:db8::9:255;branch=z9hG4bKas3');
  assert.equal([v.host, v.port, v.params['received']], ['[2001:db8::9:1]', 6050, '2001:db8::9:255']);
  assert.is(parseVia('SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255]').params['received'], '[2001:db8::9:255]');
  assert.is(parseVia('SIP/2.0/UDP [::ffff:192.0.2.10]:19823').host, '[::ffff:192.0.2.10]');
});

test('malformed Vias throw', () => {
  const bad = [
    '',
    'SIP/2.0 host', // no transport
    'SIP/3.0/UDP host', // version
    'XIP/2.0/UDP host',
    'SIP/2.0/UDP', // no host
    'SIP/2.0/UDP host:', // empty port
    'SIP/2.0/UDP host:0',
    'SIP/2.0/UDP host:70000',
    'SIP/2.0/UDP [2001:db8::1', // unterminated
    'SIP/2.0/UDP [host]',
    'SIP/2.0/UDP 192.0.2.15;;', // RFC 4475 §3.1.2.1
    'SIP/2.0/UDP host;branch=', // empty value
    'SIP/2.0/UDP host garbage',
    'SIP/2.0/UDP host;branch=a;branch=b', // ambiguous branch
    'SIP/2.0/UDP host;x="unterminated',
  ];
  for (const b of bad) assert.throws(() => parseVia(b), undefined, JSON.stringify(b));
});

test('serializeVia round-trips, quoting values that need it', () => {
  for (const text of ['SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport', 'SIP/2.0/TLS [2001:db8::1];received=[2001:db8::2];branch=z9hG4bKx', 'SIP/2.0/TCP h.example.com;comp="a b"']) {
    assert.is(serializeVia(parseVia(text)), text);
  }
});

test('isRfc3261Branch: magic cookie plus something (RFC 3261 §8.1.1.7, RFC 4475 §3.2.1)', () => {
  assert.ok(isRfc3261Branch('z9hG4bK776asdhds'));
  assert.not.ok(isRfc3261Branch('z9hG4bK'));
  assert.not.ok(isRfc3261Branch('390skdjuw'));
  assert.not.ok(isRfc3261Branch(null));
  assert.not.ok(isRfc3261Branch(undefined));
});

test.run();
