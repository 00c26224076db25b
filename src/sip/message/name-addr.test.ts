import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseNameAddr, serializeNameAddr } from './name-addr.js';
import type { SipUri } from './uri.js';

test('quoted display name, <addr-spec>, header params', () => {
  const na = parseNameAddr('"Alice Liddell" <sip:alice@atlanta.example.com;transport=tcp>;tag=1928301774;Expires=60');
  assert.is(na.displayName, 'Alice Liddell');
  const u = na.uri as SipUri;
  assert.is(u.user, 'alice');
  assert.equal({ ...u.params }, { transport: 'tcp' });
  assert.equal({ ...na.params }, { tag: '1928301774', expires: '60' });
});

test('token display name: LWS collapsed, none before "<" (RFC 4475 §3.1.1.6)', () => {
  assert.is(parseNameAddr('A.  G.\tBell <sip:bell@example.com>').displayName, 'A. G. Bell');
  assert.is(parseNameAddr('caller<sip:caller@example.com>;tag=323').displayName, 'caller');
  assert.is(parseNameAddr('<sip:bell@example.com>').displayName, undefined);
});

test('quoted display name with escapes, "<", ";" and NUL inside', () => {
  const na = parseNameAddr('"a \\"b\\" <c>; d \\\x00" <sip:x@y>');
  assert.is(na.displayName, 'a "b" <c>; d \x00');
  assert.is((na.uri as SipUri).host, 'y');
});

test('addr-spec form: params after the URI are header params (RFC 3261 §20.10)', () => {
  const na = parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam;tag=x');
  assert.equal(Object.keys((na.uri as SipUri).params), []);
  assert.equal({ ...na.params }, { unknownparam: null, tag: 'x' });
  const ws = parseNameAddr('  sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n');
  assert.is(ws.params['tag'], '1918181833n');
});

test('quoted header param values are unquoted; IPv6 values read', () => {
  const na = parseNameAddr('<sip:a@b>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";received=[2001:db8::1]');
  assert.is(na.params['+sip.instance'], '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>');
  assert.is(na.params['received'], '[2001:db8::1]');
});

test('malformed name-addrs throw', () => {
  const bad = [
    '', // empty
    '"unterminated <sip:a@b>', // RFC 4475 §3.1.2.6
    'Bell, Alexander <sip:a@b>', // RFC 4475 §3.1.2.15
    '"Watson, Thomas" < sip:t.watson@example.org >', // RFC 4475 §3.1.2.14
    'sip:user@example.com?Route=%3Csip:x%3E', // RFC 4475 §3.1.2.13
    '<sip:a@b', // no '>'
    '<>', // empty URI
    '"a" "b" <sip:a@b>', // two display names
    '<sip:a@b> garbage',
    '<sip:a@b>;tag=1;tag=2', // ambiguous tag
    '<sip:a@b>;;', // empty param
  ];
  for (const b of bad) assert.throws(() => parseNameAddr(b), undefined, JSON.stringify(b));
});

test('a repeated param with the same value is tolerated', () => {
  assert.equal({ ...parseNameAddr('<sip:a@b>;ob;ob').params }, { ob: null });
});

test('serializeNameAddr quotes the display name and round-trips', () => {
  const text = '"J Rosenberg \\\\\\"" <sip:jdrosen@example.com>;tag=98asjd8';
  const na = parseNameAddr(text);
  assert.is(na.displayName, 'J Rosenberg \\"');
  assert.is(serializeNameAddr(na), text);
  assert.equal(parseNameAddr(serializeNameAddr(na)), na);
  assert.is(serializeNameAddr(parseNameAddr('sip:a@b;x="a b"')), '<sip:a@b>;x="a b"');
  assert.is(serializeNameAddr(parseNameAddr('Bob <sip:b@c;lr>')), '"Bob" <sip:b@c;lr>');
});

test.run();
