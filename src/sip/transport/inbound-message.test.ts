import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from '../message/headers.js';
import { DEFAULT_PARSE_LIMITS } from '../message/parse.js';
import { readFramingError, readInbound, type InboundContext } from './inbound-message.js';

const ctx: InboundContext = { framed: false, limits: DEFAULT_PARSE_LIMITS, sourceAddress: '192.0.2.7', sourcePort: 40000 };

function req(opts: { start?: string; via?: string; drop?: string[]; extra?: string; method?: string } = {}): Buffer {
  const method = opts.method ?? 'OPTIONS';
  const lines = [
    opts.start ?? `${method} sip:acme.example SIP/2.0`,
    `Via: ${opts.via ?? 'SIP/2.0/UDP 10.0.0.1:5070;rport;branch=z9hG4bKabc'}`,
    'From: <sip:1001@acme.example>;tag=f1',
    'To: <sip:acme.example>',
    'Call-ID: c1@10.0.0.1',
    `CSeq: 1 ${method}`,
    'Max-Forwards: 70',
  ].filter((l) => !(opts.drop ?? []).some((d) => l.startsWith(d + ':')));
  if (opts.extra) lines.push(opts.extra);
  return Buffer.from(lines.join('\r\n') + '\r\nContent-Length: 0\r\n\r\n');
}

test('a well-formed request comes out parsed with its top Via stamped', () => {
  const r = readInbound(req(), ctx);
  assert.is(r.kind, 'message');
  if (r.kind !== 'message') return;
  assert.is(getHeader(r.message, 'via'), 'SIP/2.0/UDP 10.0.0.1:5070;rport=40000;branch=z9hG4bKabc;received=192.0.2.7');
});

test('a response is passed through untouched', () => {
  const data = Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKabc\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');
  const r = readInbound(data, ctx);
  assert.ok(r.kind === 'message' && getHeader(r.message, 'via') === 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKabc');
});

test('a request missing Call-ID gets a 400 naming the problem, with the stamped Via and no Server header', () => {
  const r = readInbound(req({ drop: ['Call-ID'] }), ctx);
  assert.is(r.kind, 'reply');
  if (r.kind !== 'reply') return;
  assert.is(r.response.status, 400);
  assert.ok(r.response.reason.includes('missing Call-ID'), r.response.reason);
  assert.is(getHeader(r.response, 'via'), 'SIP/2.0/UDP 10.0.0.1:5070;rport=40000;branch=z9hG4bKabc;received=192.0.2.7');
  assert.is(getHeader(r.response, 'server'), undefined);
});

test('the Server header is written when a product string is configured', () => {
  const r = readInbound(req({ drop: ['Call-ID'] }), { ...ctx, serverHeader: 'pbx/0.1' });
  assert.ok(r.kind === 'reply' && getHeader(r.response, 'server') === 'pbx/0.1');
});

test('RFC 4475 §3.1.2.15: an unknown SIP version gets a 505', () => {
  const r = readInbound(req({ start: 'OPTIONS sip:acme.example SIP/7.0' }), ctx);
  assert.ok(r.kind === 'reply' && r.response.status === 505);
});

test('no Via, a malformed Via, an ACK, or a malformed response: dropped without an answer', () => {
  assert.is(readInbound(req({ drop: ['Via'] }), ctx).kind, 'drop');
  assert.is(readInbound(req({ via: 'SIP/2.0/UDP', extra: 'X: 1' }), ctx).kind, 'drop');
  assert.is(readInbound(req({ method: 'ACK', drop: ['Call-ID'] }), ctx).kind, 'drop');
  assert.is(readInbound(Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n'), ctx).kind, 'drop');
  assert.is(readInbound(Buffer.from([0xff, 0x00, 0x13, 0x37]), ctx).kind, 'drop');
});

test('a reason phrase never carries control characters from the wire', () => {
  const r = readInbound(req({ via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1', extra: 'Contact: <sip:a@b>;x=1 \x01\x7f' }), ctx);
  assert.is(r.kind, 'reply');
  if (r.kind !== 'reply') return;
  assert.ok(r.response.reason.startsWith('Bad Request ('), r.response.reason);
  assert.ok(/^[\x20-\x7e]*$/.test(r.response.reason), JSON.stringify(r.response.reason));
});

test('framing errors: a negative Content-Length gets a 400, an oversized body a 513, no header nothing', () => {
  const head = (cl: string) => Buffer.from(req().toString().replace('Content-Length: 0', `Content-Length: ${cl}`));
  const neg = readFramingError('bad Content-Length', head('-999'), { ...ctx, framed: true });
  assert.ok(neg.kind === 'reply' && neg.response.status === 400 && neg.response.reason.includes('bad Content-Length'));
  const big = readFramingError('body too large', head('99999999'), { ...ctx, framed: true });
  assert.ok(big.kind === 'reply' && big.response.status === 513);
  assert.is(readFramingError('header section too large', undefined, ctx).kind, 'drop');
});

test.run();
