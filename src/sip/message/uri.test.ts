import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultPort, hasWs, hostForSocket, isSipUri, parseUri, serializeUri, unescapeUriBytes, unescapeUriPart, type SipUri } from './uri.js';

function sip(text: string): SipUri {
  const u = parseUri(text);
  if (!isSipUri(u)) throw new Error('not sip');
  return u;
}

test('a full SIP URI: user, password, host, port, params, headers', () => {
  const u = sip('sips:Alice:secret@Atlanta.EXAMPLE.com:5061;transport=TCP;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent');
  assert.is(u.scheme, 'sips');
  assert.is(u.user, 'Alice');
  assert.is(u.password, 'secret');
  assert.is(u.host, 'atlanta.example.com');
  assert.is(u.port, 5061);
  assert.equal({ ...u.params }, { transport: 'TCP', lr: null, maddr: '239.255.255.1' });
  assert.is(u.headers, 'subject=project%20x&priority=urgent');
});

test('scheme is case-insensitive and lowercased; a bare host has no user', () => {
  const u = sip('SIP:example.com');
  assert.is(u.scheme, 'sip');
  assert.is(u.user, undefined);
  assert.is(u.host, 'example.com');
  assert.is(u.port, undefined);
});

test('other schemes are kept opaque', () => {
  assert.equal(parseUri('tel:+1-201-555-0123;phone-context=example.com'), { scheme: 'tel', opaque: '+1-201-555-0123;phone-context=example.com' });
  assert.equal(parseUri('urn:service:sos'), { scheme: 'urn', opaque: 'service:sos' });
  assert.is(serializeUri(parseUri('mailto:a@b.example')), 'mailto:a@b.example');
});

test('uri-parameters take the paramchar set: / & $ ( ) [ ] :', () => {
  const u = sip('sip:a@b.example;x=a/b&c$(d);y=[2001:db8::1];z=p:q');
  assert.equal({ ...u.params }, { x: 'a/b&c$(d)', y: '[2001:db8::1]', z: 'p:q' });
  assert.is(serializeUri(u), 'sip:a@b.example;x=a/b&c$(d);y=[2001:db8::1];z=p:q');
});

test('param names are lowercased, values keep their case and escapes', () => {
  const u = sip('sip:a@b.example;Transport=UDP;N%61me=V%61lue');
  assert.equal({ ...u.params }, { transport: 'UDP', 'n%61me': 'V%61lue' });
});

test('a parameter repeated with another value is refused; the same value is tolerated', () => {
  assert.throws(() => parseUri('sip:a@b.example;transport=udp;transport=tcp'), /repeated/);
  assert.equal({ ...sip('sip:a@b.example;lr;lr').params }, { lr: null });
});

test('IPv6 references: brackets required, kept, lowercased; port only outside', () => {
  const u = sip('sip:alice@[2001:DB8::1]:5070;transport=tcp');
  assert.is(u.host, '[2001:db8::1]');
  assert.is(u.port, 5070);
  assert.is(hostForSocket(u.host), '2001:db8::1');
  assert.is(hostForSocket('example.com'), 'example.com');
  assert.is(sip('sip:[::ffff:192.0.2.1]').host, '[::ffff:192.0.2.1]');
  assert.is(sip('sip:[2001:db8::10:5070]').port, undefined);
});

test('malformed URIs throw', () => {
  const bad = [
    '', // no scheme
    ':x', // empty scheme
    '1sip:a@b', // scheme must start with a letter
    '<sip:a@b>', // RFC 4475 §3.1.2.7
    'sip:a@b; lr', // RFC 4475 §3.1.2.8
    'sip:a@b\x00', // control character
    'sip:', // empty
    'sip:@b', // empty user
    'sip:a@', // empty host
    'sip:a@b:', // empty port
    'sip:a@b:65536', // port out of range
    'sip:a@b:123456', // too many digits
    'sip:2001:db8::10', // RFC 5118 §4.2
    'sip:[2001:db8::1', // unterminated
    'sip:[example.com]', // not IPv6
    'sip:[1234]', // no colon
    'sip:[' + '1:'.repeat(30) + '1]', // longer than any IPv6 address
    'sip:a@b?', // empty headers
    'sip:a@b/c', // garbage after host
    'sip:a@b;=x', // empty param name
    'sip:a@b;x=', // empty param value
    'sip:a@b;x="q"', // no quoted strings in a URI
    'sip:a"b@c', // quote in user part
    'tel:', // empty opaque part
  ];
  for (const b of bad) assert.throws(() => parseUri(b), undefined, JSON.stringify(b));
});

test('serializeUri round-trips what parseUri read', () => {
  for (const text of [
    'sip:alice@atlanta.example.com',
    'sips:alice:pw@atlanta.example.com:5061;transport=tcp;lr',
    'sip:+19725552222@gw1.example.net;user=phone',
    'sip:user@example.com?Route=%3Csip:sip.example.com%3E',
    'sip:[2001:db8::10]:5070;maddr=[2001:db8::1]',
    "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
  ]) {
    assert.is(serializeUri(parseUri(text)), text);
    assert.equal(parseUri(serializeUri(parseUri(text))), parseUri(text));
  }
});

test('unescapeUriPart decodes once; a stray % stays', () => {
  assert.is(unescapeUriPart('%75se%72'), 'user');
  assert.is(unescapeUriPart('v%61lue%25%34%31'), 'value%41');
  assert.is(unescapeUriPart('100%'), '100%');
  assert.is(unescapeUriPart('%Z%45'), '%ZE');
  assert.is(unescapeUriPart('%4'), '%4');
  assert.is(unescapeUriPart('caf%C3%A9'), 'café');
  assert.is(unescapeUriPart('plain'), 'plain');
});

test('unescapeUriBytes keeps every octet: NULs and non-UTF-8 stay distinct', () => {
  assert.equal([...unescapeUriBytes('%00')], [0]);
  assert.equal([...unescapeUriBytes('a%00%00b')], [0x61, 0, 0, 0x62]);
  assert.not.ok(unescapeUriBytes('%FF').equals(unescapeUriBytes('%FE')));
  assert.equal([...unescapeUriBytes('é%41')], [0xc3, 0xa9, 0x41]);
  assert.equal([...unescapeUriBytes('😀')], [...Buffer.from('😀')]);
});

test('defaultPort and hasWs', () => {
  assert.is(defaultPort('sip', 'udp'), 5060);
  assert.is(defaultPort('sip', 'TLS'), 5061);
  assert.is(defaultPort('sips', 'tcp'), 5061);
  assert.ok(hasWs('sip:a@b; lr'));
  assert.not.ok(hasWs('sip:a@b;lr'));
});

test.run();
