import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalName, displayName } from './header-names.js';
import {
  addHeader,
  allVias,
  callIdOf,
  cseqOf,
  fromOf,
  getHeader,
  getHeaderValues,
  hasHeader,
  parseCSeq,
  parseUint,
  prependHeader,
  removeHeader,
  setHeader,
  tagOf,
  toOf,
  topVia,
} from './headers.js';
import { parseMessage } from './parse.js';
import type { Header, SipMessage } from './types.js';

function msg(lines: string[]): SipMessage {
  const r = parseMessage(Buffer.from(lines.join('\r\n') + '\r\n\r\n'));
  if (!r.ok) throw new Error(r.error);
  return r.message;
}

const BASE = ['From: <sip:a@example.com>;tag=1', 'To: <sip:b@example.com>', 'Call-ID: c1', 'CSeq: 1 OPTIONS'];

test('compact forms expand to long names (RFC 3261 §7.3.3)', () => {
  const pairs: Array<[string, string]> = [
    ['i', 'call-id'],
    ['m', 'contact'],
    ['e', 'content-encoding'],
    ['l', 'content-length'],
    ['c', 'content-type'],
    ['f', 'from'],
    ['s', 'subject'],
    ['k', 'supported'],
    ['t', 'to'],
    ['v', 'via'],
    ['o', 'event'],
    ['r', 'refer-to'],
    ['u', 'allow-events'],
    ['x', 'session-expires'],
    ['b', 'referred-by'],
  ];
  for (const [short, long] of pairs) {
    assert.is(canonicalName(short), long);
    assert.is(canonicalName(short.toUpperCase()), long);
  }
  assert.is(canonicalName('q'), 'q'); // not a compact form
  assert.is(canonicalName('CaLl-Id'), 'call-id');
});

test('displayName spells the well-known headers and title-cases the rest', () => {
  assert.is(displayName('call-id'), 'Call-ID');
  assert.is(displayName('cseq'), 'CSeq');
  assert.is(displayName('www-authenticate'), 'WWW-Authenticate');
  assert.is(displayName('via'), 'Via');
  assert.is(displayName('x-custom-thing'), 'X-Custom-Thing');
});

test('getHeaderValues splits list headers across lines and commas, in order', () => {
  const m = msg([
    'INVITE sip:b@example.com SIP/2.0',
    'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com;branch=z9hG4bK2',
    'v: SIP/2.0/UDP c.example.com;branch=z9hG4bK3',
    ...BASE.map((l) => l.replace('OPTIONS', 'INVITE')),
    'Contact: "Smith, John" <sip:j,k@x.example.com;a=b>, <sip:k@y.example.com>',
    'm: sip:l@z.example.com',
    'Supported: timer, 100rel',
    'Supported: path',
    'Authorization: Digest username="a", realm="b", nonce="c"',
    'Subject: one, two',
  ]);
  assert.equal(
    getHeaderValues(m, 'via').map((v) => v.slice(12, 25)),
    ['a.example.com', 'b.example.com', 'c.example.com'],
  );
  assert.equal(getHeaderValues(m, 'contact'), ['"Smith, John" <sip:j,k@x.example.com;a=b>', '<sip:k@y.example.com>', 'sip:l@z.example.com']);
  assert.equal(getHeaderValues(m, 'supported'), ['timer', '100rel', 'path']);
  // Not list headers: commas are part of the value.
  assert.equal(getHeaderValues(m, 'authorization'), ['Digest username="a", realm="b", nonce="c"']);
  assert.equal(getHeaderValues(m, 'subject'), ['one, two']);
  assert.equal(getHeaderValues(m, 'route'), []);
  assert.equal(
    allVias(m).map((v) => v.host),
    ['a.example.com', 'b.example.com', 'c.example.com'],
  );
  assert.is(topVia(m).host, 'a.example.com');
  assert.is(topVia(m).transport, 'UDP');
});

test('getHeaderValues throws SyntaxError400 on a malformed list', () => {
  const h = { headers: [{ name: 'contact', value: '<sip:a@b>,,<sip:c@d>' }] as Header[] };
  assert.throws(() => getHeaderValues(h, 'contact'), /empty element/);
  const q = { headers: [{ name: 'contact', value: '"open, <sip:a@b>' }] as Header[] };
  assert.throws(() => getHeaderValues(q, 'contact'), /unterminated/);
});

test('getHeader returns the first instance; hasHeader', () => {
  const h = { headers: [{ name: 'x-a', value: '1' }, { name: 'x-a', value: '2' }] as Header[] };
  assert.is(getHeader(h, 'x-a'), '1');
  assert.ok(hasHeader(h, 'x-a'));
  assert.not.ok(hasHeader(h, 'x-b'));
});

test('setHeader replaces every instance in place; undefined removes', () => {
  const h = { headers: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }, { name: 'a', value: '3' }, { name: 'c', value: '4' }] as Header[] };
  setHeader(h, 'a', 'x');
  assert.equal(h.headers, [{ name: 'a', value: 'x' }, { name: 'b', value: '2' }, { name: 'c', value: '4' }]);
  setHeader(h, 'd', 'y');
  assert.equal(h.headers[3], { name: 'd', value: 'y' });
  setHeader(h, 'b', undefined);
  assert.equal(h.headers.map((x) => x.name), ['a', 'c', 'd']);
});

test('addHeader appends; prependHeader goes before the first of its name; removeHeader', () => {
  const h = { headers: [{ name: 'from', value: 'f' }, { name: 'via', value: 'v1' }] as Header[] };
  prependHeader(h, 'via', 'v0');
  assert.equal(h.headers.map((x) => x.value), ['f', 'v0', 'v1']);
  prependHeader(h, 'record-route', 'rr');
  assert.is(h.headers[0]!.value, 'rr');
  addHeader(h, 'x', '1');
  assert.is(h.headers[h.headers.length - 1]!.value, '1');
  removeHeader(h, 'via');
  assert.equal(h.headers.map((x) => x.name), ['record-route', 'from', 'x']);
});

test('parseCSeq: LWS, leading zeros, 32-bit range (RFC 3261 §20.16, RFC 4475 §3.1.2.4)', () => {
  assert.equal(parseCSeq('1 INVITE'), { seq: 1, method: 'INVITE' });
  assert.equal(parseCSeq('0009 \t INVITE'), { seq: 9, method: 'INVITE' });
  assert.equal(parseCSeq('4294967295 BYE'), { seq: 4294967295, method: 'BYE' });
  assert.equal(parseCSeq('3000000000 ACK'), { seq: 3000000000, method: 'ACK' });
  assert.throws(() => parseCSeq('4294967296 BYE'), /range/);
  assert.throws(() => parseCSeq('36893488147419103232 REGISTER'), /range/);
  for (const b of ['', 'INVITE', '1', '-1 INVITE', '1 INV ITE', '1x INVITE', '1 INVITE;x']) assert.throws(() => parseCSeq(b), undefined, b);
});

test('cseqOf, callIdOf, fromOf, toOf and their errors', () => {
  const m = msg(['OPTIONS sip:b@example.com SIP/2.0', 'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1', ...BASE]);
  assert.equal(cseqOf(m), { seq: 1, method: 'OPTIONS' });
  assert.is(callIdOf(m), 'c1');
  assert.is(fromOf(m).params['tag'], '1');
  assert.is(toOf(m).params['tag'], undefined);
  const empty: SipMessage = { kind: 'response', status: 200, reason: 'OK', headers: [], body: Buffer.alloc(0) };
  assert.throws(() => cseqOf(empty), /CSeq/);
  assert.throws(() => callIdOf(empty), /Call-ID/);
  assert.throws(() => fromOf(empty), /From/);
  assert.throws(() => toOf(empty), /To/);
  assert.throws(() => topVia(empty), /Via/);
});

test('tagOf reads the header tag, not a URI param or a display name', () => {
  assert.is(tagOf('<sip:a@b>;tag=abc'), 'abc');
  assert.is(tagOf('sip:a@b;TAG = x1'), 'x1');
  assert.is(tagOf('<sip:a@b;tag=uri>'), undefined);
  assert.is(tagOf('"x;tag=evil" <sip:a@b>'), undefined);
  assert.is(tagOf('<sip:a@b>;foo=1;tag=t2;bar'), 't2');
  assert.is(tagOf(undefined), undefined);
});

test('parseUint: digits with leading zeros, bounded', () => {
  assert.is(parseUint(' 0068 ', 255), 68);
  assert.is(parseUint('3600', 4294967295), 3600);
  assert.is(parseUint('256', 255), undefined);
  assert.is(parseUint('1e3', 10000), undefined);
  assert.is(parseUint('-1', 10), undefined);
  assert.is(parseUint('', 10), undefined);
  assert.is(parseUint(undefined, 10), undefined);
  assert.is(parseUint('1'.repeat(30), 4294967295), undefined);
});

test.run();
