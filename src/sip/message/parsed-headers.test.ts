import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allVias, contactsOf, cseqOf, firstContactOf, fromOf, prependHeader, removeHeader, requestUriOf, setHeader, toOf, topVia } from './headers.js';
import { parseMessage } from './parse.js';
import { parseCountNow, parseCountSince } from './parse-count.js';
import { createResponse } from './response.js';
import type { SipRequest } from './types.js';
import { parseNameAddr } from './name-addr.js';

const INVITE =
  'INVITE sip:bob@example.com SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-a, SIP/2.0/TCP 192.0.2.2;branch=z9hG4bK-b\r\n' +
  'Via: SIP/2.0/UDP 192.0.2.3;branch=z9hG4bK-c\r\n' +
  'Max-Forwards: 70\r\nFrom: "Alice" <sip:alice@example.com>;tag=1928\r\nTo: <sip:bob@example.com>\r\n' +
  'Call-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\nContact: <sip:alice@192.0.2.1>;expires=60, <sip:alice@198.51.100.1>\r\nContent-Length: 0\r\n\r\n';

function parsed(): SipRequest {
  const r = parseMessage(Buffer.from(INVITE));
  if (!r.ok || r.message.kind !== 'request') throw new Error('fixture does not parse');
  return r.message;
}

test('validation leaves the parses on the message: reading them again parses nothing', () => {
  const msg = parsed();
  const c0 = parseCountNow();
  for (let i = 0; i < 3; i++) {
    assert.is(topVia(msg).params['branch'], 'z9hG4bK-a');
    assert.equal(allVias(msg).map((v) => v.params['branch']), ['z9hG4bK-a', 'z9hG4bK-b', 'z9hG4bK-c']);
    assert.is(fromOf(msg).displayName, 'Alice');
    assert.is(toOf(msg).params['tag'], undefined);
    assert.equal(cseqOf(msg), { seq: 314159, method: 'INVITE' });
    assert.equal(contactsOf(msg).map((c) => c.params['expires'] ?? null), ['60', null]);
    assert.is(requestUriOf(msg).scheme, 'sip');
  }
  assert.is(parseCountSince(c0).total, 0);
});

test('a header changed after validation is parsed again, never read stale', () => {
  const msg = parsed();
  setHeader(msg, 'from', '<sip:carol@example.com>;tag=9');
  assert.is(fromOf(msg).displayName, undefined);
  assert.is(fromOf(msg).params['tag'], '9');
  setHeader(msg, 'cseq', '7 INVITE');
  assert.is(cseqOf(msg).seq, 7);
  prependHeader(msg, 'via', 'SIP/2.0/TLS proxy.example.com;branch=z9hG4bK-top');
  assert.is(topVia(msg).transport, 'TLS');
  assert.equal(allVias(msg).map((v) => v.params['branch']), ['z9hG4bK-top', 'z9hG4bK-a', 'z9hG4bK-b', 'z9hG4bK-c']);
  removeHeader(msg, 'via');
  assert.throws(() => topVia(msg), /missing Via/);
  assert.equal(allVias(msg), []);
  msg.uri = 'sip:dave@example.org';
  assert.is((requestUriOf(msg) as { user?: string }).user, 'dave');
  removeHeader(msg, 'contact');
  assert.equal(contactsOf(msg), []);
});

test('a value assigned in place, a later Via line changed, or a copied message never reads a stale parse', () => {
  const msg = parsed();
  allVias(msg);
  // The last Via line changes: the first line (and so topVia) stays right, the list is parsed again.
  msg.headers.find((h, i) => h.name === 'via' && i > 0 && h.value.includes('192.0.2.3'))!.value = 'SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK-z';
  assert.equal(allVias(msg).map((v) => v.host), ['192.0.2.1', '192.0.2.2', '192.0.2.9']);
  msg.headers.find((h) => h.name === 'to')!.value = '<sip:eve@example.com>;tag=x';
  assert.is(toOf(msg).params['tag'], 'x');
  // A spread copy carries the cache (a symbol property) but its own headers decide.
  const copy: SipRequest = { ...msg, headers: msg.headers.map((h) => (h.name === 'cseq' ? { name: 'cseq', value: '1 ACK' } : h)) };
  assert.equal(cseqOf(copy), { seq: 1, method: 'ACK' });
  assert.equal(cseqOf(msg), { seq: 314159, method: 'INVITE' });
});

test('a response built from a request reuses its parses, the To with the new tag included', () => {
  const msg = parsed();
  const c0 = parseCountNow();
  const res = createResponse(msg, 486, { toTag: 'xyz' });
  assert.is(topVia(res).params['branch'], 'z9hG4bK-a');
  assert.equal(cseqOf(res), { seq: 314159, method: 'INVITE' });
  assert.is(fromOf(res).params['tag'], '1928');
  const to = toOf(res);
  assert.is(parseCountSince(c0).total, 0);
  assert.equal({ ...to, params: { ...to.params } }, { ...parseNameAddr('<sip:bob@example.com>;tag=xyz'), params: { tag: 'xyz' } });
  // The request's own To parse is untouched.
  assert.is(toOf(msg).params['tag'], undefined);
});

test('a message built locally is parsed on first read, then read from the cache', () => {
  const msg: SipRequest = { kind: 'request', method: 'BYE', uri: 'sip:x@example.com', body: Buffer.alloc(0), headers: [{ name: 'via', value: 'SIP/2.0/UDP h;branch=z9hG4bK-1' }, { name: 'cseq', value: '2 BYE' }] };
  const c0 = parseCountNow();
  topVia(msg);
  topVia(msg);
  cseqOf(msg);
  cseqOf(msg);
  assert.equal(parseCountSince(c0), { via: 1, nameAddr: 0, cseq: 1, uri: 0, total: 2 });
});

test('firstContactOf: a request reads validation\'s parse; a response parses its first Contact once; * is text', () => {
  const msg = parsed();
  const c0 = parseCountNow();
  const fc = firstContactOf(msg);
  assert.is(fc, contactsOf(msg)[0]);
  assert.is(parseCountSince(c0).total, 0);
  const res = createResponse(msg, 200, { headers: [['Contact', '<sip:bob@192.0.2.4>;expires=30, <sip:bob@192.0.2.5>']] });
  const c1 = parseCountNow();
  const a = firstContactOf(res);
  const b = firstContactOf(res);
  assert.is(a, b);
  assert.equal(parseCountSince(c1), { via: 0, nameAddr: 1, cseq: 0, uri: 1, total: 2 });
  setHeader(res, 'contact', '<sip:carol@192.0.2.6>');
  assert.is(typeof firstContactOf(res) === 'object' && (firstContactOf(res) as { uri: { host: string } }).uri.host, '192.0.2.6');
  setHeader(res, 'contact', '*');
  assert.is(firstContactOf(res), '*');
  removeHeader(res, 'contact');
  assert.is(firstContactOf(res), undefined);
});

test('a frozen message is still read, without a cache', () => {
  const fromWire = Object.freeze(parsed());
  assert.is(cseqOf(fromWire).seq, 314159);
  const built: SipRequest = Object.freeze({ kind: 'request', method: 'BYE', uri: 'sip:x@example.com', body: Buffer.alloc(0), headers: [{ name: 'via', value: 'SIP/2.0/UDP h;branch=z9hG4bK-2' }, { name: 'cseq', value: '3 BYE' }] } as const satisfies SipRequest) as SipRequest;
  assert.is(cseqOf(built).seq, 3);
  assert.is(topVia(built).params['branch'], 'z9hG4bK-2');
  assert.is(Object.getOwnPropertySymbols(built).length, 0);
});

test.run();
