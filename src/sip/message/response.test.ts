import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader, getHeaderValues, tagOf } from './headers.js';
import { parseMessage } from './parse.js';
import { createResponse, REASONS } from './response.js';
import { serializeMessage } from './serialize.js';
import type { SipRequest } from './types.js';

function request(extra: string[] = [], to = 'To: Bob <sip:bob@biloxi.example.com>'): SipRequest {
  const text = [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8, SIP/2.0/UDP p1.example.com;branch=z9hG4bK1',
    'Max-Forwards: 70',
    'v: SIP/2.0/TCP p2.example.com;branch=z9hG4bK2',
    to,
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@pc33.atlanta.example.com>',
    'Subject: lunch',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok || r.message.kind !== 'request') throw new Error('fixture');
  return r.message;
}

test('copies Via (all, in order), From, To, Call-ID, CSeq and nothing else (RFC 3261 §8.2.6.2)', () => {
  const req = request();
  const res = createResponse(req, 486);
  assert.is(res.status, 486);
  assert.is(res.reason, 'Busy Here');
  assert.equal(res.headers.map((h) => h.name), ['via', 'via', 'to', 'from', 'call-id', 'cseq']);
  assert.equal(getHeaderValues(res, 'via'), getHeaderValues(req, 'via'));
  assert.is(getHeaderValues(res, 'via').length, 3);
  assert.is(getHeader(res, 'from'), getHeader(req, 'from'));
  assert.is(getHeader(res, 'call-id'), 'a84b4c76e66710');
  assert.is(getHeader(res, 'cseq'), '314159 INVITE');
  assert.is(getHeader(res, 'subject'), undefined);
  assert.is(res.body.length, 0);
});

test('adds a To tag to a response other than 100, and keeps an existing one', () => {
  const req = request();
  const r180 = createResponse(req, 180);
  const tag = tagOf(getHeader(r180, 'to'));
  assert.ok(tag !== undefined && tag.length > 0);
  assert.is(tagOf(getHeader(createResponse(req, 200, { toTag: 'fixed' }), 'to')), 'fixed');
  assert.is(getHeader(createResponse(req, 100), 'to'), 'Bob <sip:bob@biloxi.example.com>');
  const inDialog = request([], 'To: <sip:bob@biloxi.example.com>;tag=a6c85cf');
  assert.is(getHeader(createResponse(inDialog, 200, { toTag: 'other' }), 'to'), '<sip:bob@biloxi.example.com>;tag=a6c85cf');
});

test('a 100 copies Timestamp (RFC 3261 §8.2.6.1); other responses do not', () => {
  const req = request(['Timestamp: 54.3 0.1']);
  assert.is(getHeader(createResponse(req, 100), 'timestamp'), '54.3 0.1');
  assert.is(getHeader(createResponse(req, 180), 'timestamp'), undefined);
  assert.is(getHeader(createResponse(request(), 100), 'timestamp'), undefined);
});

test('reason, extra headers (names canonicalised) and body', () => {
  const res = createResponse(request(), 423, { reason: 'Too Brief', headers: [['Min-Expires', '60'], ['m', '<sip:x@y>']], body: Buffer.from('x') });
  assert.is(res.reason, 'Too Brief');
  assert.is(getHeader(res, 'min-expires'), '60');
  assert.is(getHeader(res, 'contact'), '<sip:x@y>');
  assert.is(res.body.toString(), 'x');
  assert.is(createResponse(request(), 599).reason, 'Server Internal Error', 'an unknown code: the phrase of its class (RFC 3261 §8.1.3.2)');
  assert.is(REASONS[404], 'Not Found');
});

test('the response serializes and parses back', () => {
  const res = createResponse(request(), 200, { toTag: 't1' });
  const r = parseMessage(serializeMessage(res), { framed: true });
  assert.ok(r.ok);
  if (r.ok && r.message.kind === 'response') {
    assert.is(r.message.status, 200);
    assert.is(getHeaderValues(r.message, 'via').length, 3);
  }
});

test.run();
