import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findHeaderEnd } from './header-end.js';
import { cseqOf, fromOf, getHeader, getHeaderValues, toOf, topVia } from './headers.js';
import { DEFAULT_PARSE_LIMITS, parseMessage, type ParseResult } from './parse.js';
import type { SipMessage, SipRequest } from './types.js';
import type { SipUri } from './uri.js';

const CRLF = '\r\n';

/** A REGISTER with Digest credentials, the commonest request a PBX reads. */
const REGISTER = [
  'REGISTER sip:acme.example SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-524287-1---3f4b2d1c;rport',
  'Max-Forwards: 70',
  'Contact: <sip:1001@192.0.2.10:5062;rinstance=8a2f5c;transport=UDP>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1',
  'To: <sip:1001@acme.example>',
  'From: "Alice" <sip:1001@acme.example>;tag=9fxced76sl',
  'Call-ID: 843817637684230@998sdasdh09',
  'CSeq: 1826 REGISTER',
  'Expires: 3600',
  'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE',
  'Supported: replaces, outbound, path, gruu',
  'User-Agent: Z 5.6.4 v2.10.20.5',
  'Authorization: Digest username="1001",realm="acme.example",nonce="6a3e1f4c2d8b7a90",uri="sip:acme.example",response="1a2b3c4d5e6f708192a3b4c5d6e7f809",algorithm=MD5,cnonce="0a4f113b",qop=auth,nc=00000001',
  'Content-Length: 0',
  '',
  '',
].join(CRLF);

function ok(r: ParseResult): SipMessage {
  if (!r.ok) throw new Error(`expected OK, got ${r.status} ${r.error}`);
  return r.message;
}

function parseText(text: string, framed = false): ParseResult {
  return parseMessage(Buffer.from(text, 'latin1'), { framed });
}

function request(lines: string[], body = ''): string {
  return lines.join(CRLF) + CRLF + CRLF + body;
}

const HDRS = ['Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1', 'From: <sip:a@example.com>;tag=1', 'To: <sip:b@example.com>', 'Call-ID: x1', 'CSeq: 1 OPTIONS'];

test('a REGISTER with Digest credentials', () => {
  const r = parseMessage(Buffer.from(REGISTER));
  const m = ok(r) as SipRequest;
  assert.is(r.ok && r.length, Buffer.byteLength(REGISTER));
  assert.is(m.kind, 'request');
  assert.is(m.method, 'REGISTER');
  assert.is(m.uri, 'sip:acme.example');
  assert.equal(cseqOf(m), { seq: 1826, method: 'REGISTER' });
  assert.is(topVia(m).port, 5062);
  assert.is(fromOf(m).displayName, 'Alice');
  assert.is((toOf(m).uri as SipUri).user, '1001');
  assert.is(getHeaderValues(m, 'allow').length, 10);
  assert.ok(getHeader(m, 'authorization')!.startsWith('Digest username="1001",realm='));
  assert.is(m.headers.length, 13);
  assert.is(m.body.length, 0);
});

test('folding (RFC 3261 §7.3.1): SP or HTAB continues a line, read as one SP', () => {
  const m = ok(parseText(request(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS, 'Subject: I know you\'re there,', ' \t pick up the phone', '\tand talk to me!', 'X-Empty:', '  later'])));
  assert.is(getHeader(m, 'subject'), "I know you're there, pick up the phone and talk to me!");
  assert.is(getHeader(m, 'x-empty'), 'later');
});

test('HCOLON: whitespace before and after the colon; names are case-insensitive', () => {
  const m = ok(
    parseText(
      request([
        'OPTIONS sip:b@example.com SIP/2.0',
        'vIa \t:  SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
        'FROM:<sip:a@example.com>;tag=1',
        'to\t:\t<sip:b@example.com>',
        'CALL-ID   :x1',
        'cseq: 1 OPTIONS',
        'X-Custom-Header:   value with trailing space   ',
      ]),
    ),
  );
  assert.equal(m.headers.map((h) => h.name), ['via', 'from', 'to', 'call-id', 'cseq', 'x-custom-header']);
  assert.is(getHeader(m, 'call-id'), 'x1');
  assert.is(getHeader(m, 'x-custom-header'), 'value with trailing space');
});

test('compact forms in a message', () => {
  const m = ok(parseText(request(['INVITE sip:b@example.com SIP/2.0', 'v: SIP/2.0/UDP h.example.com;branch=z9hG4bK1', 'f: <sip:a@example.com>;tag=1', 't: <sip:b@example.com>', 'i: x1', 'CSeq: 1 INVITE', 'm: <sip:a@h.example.com>', 'c: text/plain', 'k: timer', 's: hi', 'l: 3'], 'abc')));
  assert.equal(m.headers.map((h) => h.name), ['via', 'from', 'to', 'call-id', 'cseq', 'contact', 'content-type', 'supported', 'subject', 'content-length']);
  assert.is(m.body.toString(), 'abc');
});

test('bare LF line ends are tolerated; CRLFs before the start line are ignored (RFC 3261 §7.5)', () => {
  const lf = ok(parseText(request(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS]).replace(/\r\n/g, '\n')));
  assert.is(getHeader(lf, 'call-id'), 'x1');
  const lead = parseText('\r\n\r\n' + request(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS]));
  assert.is(ok(lead).kind, 'request');
});

test('with bare LF the first empty line ends the header, even if the body has CRLFCRLF', () => {
  const text = 'MESSAGE sip:b@example.com SIP/2.0\n' + HDRS.join('\n').replace('OPTIONS', 'MESSAGE') + '\nContent-Length: 6\n\na\r\n\r\nb';
  const m = ok(parseText(text));
  assert.is(m.body.toString(), 'a\r\n\r\nb');
});

test('findHeaderEnd: CRLF, LF and mixed empty lines; undefined while incomplete', () => {
  assert.equal(findHeaderEnd(Buffer.from('A\r\nB: 1\r\n\r\nbody'), 0), { end: 7, bodyStart: 11 });
  assert.equal(findHeaderEnd(Buffer.from('A\nB: 1\n\nbody'), 0), { end: 6, bodyStart: 8 });
  assert.equal(findHeaderEnd(Buffer.from('A\r\nB: 1\n\r\nbody'), 0), { end: 7, bodyStart: 10 });
  assert.is(findHeaderEnd(Buffer.from('A\r\nB: 1\r\n\r'), 0), undefined);
  assert.is(findHeaderEnd(Buffer.from('A\r\nB: 1\r\n'), 0), undefined);
  assert.is(findHeaderEnd(Buffer.from(''), 0), undefined);
});

test('responses: status, reason, range', () => {
  const m = ok(parseText(request(['SIP/2.0 486 Busy Here', ...HDRS])));
  assert.ok(m.kind === 'response' && m.status === 486 && m.reason === 'Busy Here');
  const lower = ok(parseText(request(['sip/2.0 200 OK', ...HDRS])));
  assert.ok(lower.kind === 'response' && lower.status === 200);
  for (const line of ['SIP/2.0 099 Low', 'SIP/2.0 700 High', 'SIP/2.0 20 OK', 'SIP/2.0 2000 OK', 'SIP/2.0 abc OK', 'SIP/3.0 200 OK']) {
    const r = parseText(request([line, ...HDRS]));
    assert.ok(!r.ok && r.status === 400 && r.request === undefined, line);
  }
});

test('request line: the version is case-insensitive; another version is 505; other garbage 400', () => {
  assert.ok(parseText(request(['OPTIONS sip:b@example.com sip/2.0', ...HDRS])).ok);
  const v3 = parseText(request(['OPTIONS sip:b@example.com SIP/3.0', ...HDRS]));
  assert.ok(!v3.ok && v3.status === 505 && v3.request?.method === 'OPTIONS');
  for (const line of ['OPTIONS sip:b@example.com HTTP/1.1', 'OPTIONS sip:b@example.com', 'OPT<IONS sip:b@example.com SIP/2.0', 'OPTIONS  sip:b@example.com SIP/2.0', 'OPTIONS\tsip:b@example.com\tSIP/2.0']) {
    const r = parseText(request([line, ...HDRS]));
    assert.ok(!r.ok && r.status === 400, line);
    assert.ok(!r.ok && r.request !== undefined && getHeader(r.request, 'via') !== undefined, line);
  }
});

test('Content-Length: leading zeros; octets past it are ignored on a datagram', () => {
  const text = request(['MESSAGE sip:b@example.com SIP/2.0', ...HDRS.map((h) => h.replace('OPTIONS', 'MESSAGE')), 'Content-Length: 0005'], 'hello, and more');
  const r = parseText(text);
  assert.is(ok(r).body.toString(), 'hello');
  assert.is(r.ok && r.length, text.length - ', and more'.length);
});

test('without Content-Length: a datagram body runs to the end; a framed message has none', () => {
  const text = request(['MESSAGE sip:b@example.com SIP/2.0', ...HDRS.map((h) => h.replace('OPTIONS', 'MESSAGE'))], 'rest');
  assert.is(ok(parseText(text)).body.toString(), 'rest');
  const framed = parseText(text, true);
  assert.is(ok(framed).body.length, 0);
  assert.is(framed.ok && framed.length, text.length - 4);
});

test('bad, conflicting or too large Content-Length is a 400 with the request', () => {
  const base = ['MESSAGE sip:b@example.com SIP/2.0', ...HDRS.map((h) => h.replace('OPTIONS', 'MESSAGE'))];
  for (const cl of ['Content-Length: -1', 'Content-Length: 1x', 'Content-Length: 5, 5', 'Content-Length: 99999999999', 'Content-Length: 10']) {
    const r = parseText(request([...base, cl], 'hello'));
    assert.ok(!r.ok && r.status === 400 && r.request !== undefined, cl);
  }
  const two = parseText(request([...base, 'Content-Length: 5', 'l: 5'], 'hello'));
  assert.ok(!two.ok && two.status === 400);
});

test('framed input without an empty line is a 400', () => {
  const r = parseText(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS].join(CRLF) + CRLF, true);
  assert.ok(!r.ok && r.status === 400);
  // The same as a datagram is read as headers without a body.
  assert.ok(parseText(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS].join(CRLF) + CRLF).ok);
});

test('limits: message and header section too large are 513; too many headers 400', () => {
  const limits = { ...DEFAULT_PARSE_LIMITS, maxMessageBytes: 2000, maxHeaderBytes: 500, maxHeaders: 10 };
  const big = parseMessage(Buffer.from(request(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS], 'x'.repeat(2000))), { limits });
  assert.ok(!big.ok && big.status === 513);
  const longHeader = parseMessage(Buffer.from(request(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS, 'X: ' + 'y'.repeat(600)])), { limits });
  assert.ok(!longHeader.ok && longHeader.status === 513);
  const many = parseMessage(Buffer.from(request(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS, ...Array.from({ length: 10 }, (_, i) => `X-${i}: 1`)])), { limits });
  assert.ok(!many.ok && many.status === 400 && many.error === 'too many headers');
  // The defaults take RFC 4475's 3.5 KB longreq with room to spare.
  assert.ok(DEFAULT_PARSE_LIMITS.maxHeaderBytes >= 8192);
});

test('a bare CR inside the header section is a 400 (it could end a line for someone else)', () => {
  const r = parseText(request(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS, 'Subject: a\rVia: SIP/2.0/UDP evil.example.com']));
  assert.ok(!r.ok && r.status === 400 && /bare CR/.test(r.error) && r.request !== undefined);
});

test('a header error after the Via still gives a request to answer; the headers read so far', () => {
  const r = parseText(request(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS, 'this line has no colon', 'X-After: 1']));
  assert.ok(!r.ok);
  if (r.ok) return;
  assert.is(r.status, 400);
  assert.is(r.request?.method, 'OPTIONS');
  assert.is(getHeader(r.request!, 'call-id'), 'x1');
  assert.is(getHeader(r.request!, 'x-after'), undefined);
  for (const bad of [' continuation first', 'Bad Name: x', ': empty name']) {
    const r2 = parseText(request(['OPTIONS sip:b@example.com SIP/2.0', bad, ...HDRS]));
    assert.ok(!r2.ok && r2.status === 400 && r2.request === undefined, bad);
  }
});

test('required headers: missing or doubled is a 400; without Via there is nothing to answer', () => {
  const line = 'OPTIONS sip:b@example.com SIP/2.0';
  for (const drop of ['From', 'To', 'Call-ID', 'CSeq']) {
    const r = parseText(request([line, ...HDRS.filter((h) => !h.startsWith(drop + ':'))]));
    assert.ok(!r.ok && r.status === 400 && r.request !== undefined, drop);
  }
  const noVia = parseText(request([line, ...HDRS.slice(1)]));
  assert.ok(!noVia.ok && noVia.status === 400 && noVia.request === undefined);
  for (const dup of ['From: <sip:c@example.com>;tag=2', 'To: <sip:c@example.com>', 'Call-ID: x2', 'CSeq: 2 OPTIONS', 'Max-Forwards: 1\r\nMax-Forwards: 2']) {
    const r = parseText(request([line, ...HDRS, dup]));
    assert.ok(!r.ok && r.status === 400 && /multiple/.test(r.error), dup);
  }
});

test('field checks: Max-Forwards 0-255, CSeq method, Call-ID, Request-URI', () => {
  const line = 'OPTIONS sip:b@example.com SIP/2.0';
  assert.ok(parseText(request([line, ...HDRS, 'Max-Forwards: 0068'])).ok);
  assert.ok(parseText(request([line, ...HDRS, 'Max-Forwards: 0'])).ok);
  for (const bad of ['Max-Forwards: 256', 'Max-Forwards: -1', 'Max-Forwards: ten']) assert.not.ok(parseText(request([line, ...HDRS, bad])).ok, bad);
  assert.not.ok(parseText(request(['INVITE sip:b@example.com SIP/2.0', ...HDRS])).ok);
  assert.not.ok(parseText(request([line, ...HDRS.map((h) => (h.startsWith('Call-ID') ? 'Call-ID:' : h))])).ok);
  assert.not.ok(parseText(request(['OPTIONS sip:b@example.com?Route=x SIP/2.0', ...HDRS])).ok);
  assert.not.ok(parseText(request(['OPTIONS nonsense SIP/2.0', ...HDRS])).ok);
  // Unknown schemes and methods are the edge's to refuse (416, 501).
  assert.ok(parseText(request(['OPTIONS urn:service:sos SIP/2.0', ...HDRS])).ok);
  assert.ok(parseText(request(['FOO sip:b@example.com SIP/2.0', ...HDRS.map((h) => h.replace('OPTIONS', 'FOO'))])).ok);
});

test('Contact of a request: "*" or name-addrs that parse', () => {
  const line = 'REGISTER sip:example.com SIP/2.0';
  const hdrs = HDRS.map((h) => h.replace('OPTIONS', 'REGISTER'));
  assert.ok(parseText(request([line, ...hdrs, 'Contact: *', 'Expires: 0'])).ok);
  assert.ok(parseText(request([line, ...hdrs, 'Contact: <sip:a@h1>, "B" <sip:b@h2>;expires=60'])).ok);
  assert.not.ok(parseText(request([line, ...hdrs, 'Contact: <sip:a@h1>;;'])).ok);
  assert.not.ok(parseText(request([line, ...hdrs, 'Contact: <sip:a@h1'])).ok);
});

test('quoted strings: escaped quotes, backslashes and NUL inside; unterminated is a 400', () => {
  const m = ok(parseText(request(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS.filter((h) => !h.startsWith('From')), 'From: "q \\" \\\\ \\\x00 ;<x>," <sip:a@example.com>;tag=1'])));
  assert.is(fromOf(m).displayName, 'q " \\ \x00 ;<x>,');
  const r = parseText(request(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS.filter((h) => !h.startsWith('From')), 'From: "q <sip:a@example.com>;tag=1']));
  assert.ok(!r.ok && r.status === 400);
});

test('UTF-8 in values is decoded; a value keeps a leading U+FEFF', () => {
  const text = request(['OPTIONS sip:b@example.com SIP/2.0', ...HDRS, 'Subject: \ufeffgrüße']);
  assert.is(getHeader(ok(parseMessage(Buffer.from(text, 'utf8'))), 'subject'), '\ufeffgrüße');
});

test('empty and nonsense input is a 400, never a throw', () => {
  for (const text of ['', '\r\n', '\r\n\r\n\r\n', '\n\n', 'x', 'INVITE', ':\r\n\r\n', 'SIP/2.0 200 OK\r\n\r\n']) {
    const r = parseText(text);
    assert.ok(!r.ok && r.status === 400, JSON.stringify(text));
  }
});

test('pathological but legal shapes read in linear time: thousands of bare-LF continuation lines', () => {
  const text = ['OPTIONS sip:b@example.com SIP/2.0', ...HDRS, 'X-Long: a' + '\n b'.repeat(5000)].join('\n') + '\n\n';
  const m = ok(parseText(text));
  assert.is(getHeader(m, 'x-long')!.length, 1 + 2 * 5000);
});

test.run();
