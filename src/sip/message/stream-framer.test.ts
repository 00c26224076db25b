import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from './headers.js';
import { parseMessage } from './parse.js';
import { StreamFramer, type FrameEvent } from './stream-framer.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

function sipMessage(method: string, body = '', extra: string[] = []): string {
  return [
    `${method} sip:b@example.com SIP/2.0`,
    'Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK' + method,
    'From: <sip:a@example.com>;tag=1',
    'To: <sip:b@example.com>',
    'Call-ID: ' + method.toLowerCase(),
    `CSeq: 1 ${method}`,
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

const M1 = sipMessage('MESSAGE', 'hello\r\n\r\nworld'); // a body holding an empty line
const M2 = sipMessage('OPTIONS');
const M3 = sipMessage('INFO', 'x'.repeat(300));

function messages(events: FrameEvent[]): string[] {
  return events.filter((e) => e.type === 'message').map((e) => (e as { data: Buffer }).data.toString('latin1'));
}

function types(events: FrameEvent[]): string[] {
  return events.map((e) => e.type);
}

function feed(chunks: Buffer[]): { events: FrameEvent[]; framer: StreamFramer } {
  const framer = new StreamFramer();
  const events: FrameEvent[] = [];
  for (const c of chunks) events.push(...framer.push(c));
  return { events, framer };
}

test('two messages in one chunk', () => {
  const { events, framer } = feed([Buffer.from(M1 + M2)]);
  assert.equal(messages(events), [M1, M2]);
  assert.is(framer.buffered, 0);
});

test('a stream split at every byte boundary yields exactly the same messages', () => {
  const stream = Buffer.from(M1 + M2 + '\r\n\r\n' + M3 + '\r\n' + M1);
  const whole = feed([stream]).events;
  assert.equal(messages(whole), [M1, M2, M3, M1]);
  assert.equal(types(whole), ['message', 'message', 'ping', 'message', 'pong', 'message']);
  for (let k = 0; k <= stream.length; k++) {
    const { events, framer } = feed([stream.subarray(0, k), stream.subarray(k)]);
    assert.equal(messages(events), [M1, M2, M3, M1], `split at ${k}`);
    assert.ok(types(events).includes('ping'), `split at ${k}: ping lost`);
    assert.is(framer.buffered, 0);
  }
});

test('a stream fed one byte at a time yields the same messages', () => {
  const stream = Buffer.from(M1 + '\r\n\r\n' + M2 + M3);
  const chunks = Array.from(stream, (b) => Buffer.from([b]));
  const { events } = feed(chunks);
  assert.equal(messages(events), [M1, M2, M3]);
  assert.ok(types(events).includes('ping'));
});

test('events of a message carry their own copy of the octets', () => {
  const chunk = Buffer.from(M2 + M2.slice(0, 20));
  const { events } = feed([chunk]);
  chunk.fill(0x41);
  assert.equal(messages(events), [M2]);
});

test('keep-alives (RFC 5626 §3.5.1): CRLFCRLF is a ping, a lone CRLF a pong', () => {
  assert.equal(types(feed([Buffer.from('\r\n\r\n')]).events), ['ping']);
  assert.equal(types(feed([Buffer.from('\r\n')]).events), ['pong']);
  assert.equal(types(feed([Buffer.from('\r\n\r\n\r\n\r\n')]).events), ['ping', 'ping']);
  assert.equal(types(feed([Buffer.from(M2 + '\r\n\r\n' + M2 + '\r\n' + M2)]).events), ['message', 'ping', 'message', 'pong', 'message']);
  // A ping split across reads is still reported as a ping, so it gets its pong.
  assert.ok(types(feed([Buffer.from('\r\n'), Buffer.from('\r\n')]).events).includes('ping'));
  assert.equal(types(feed([Buffer.from('\r\n\r'), Buffer.from('\n')]).events), ['ping']);
  assert.equal(types(feed([Buffer.from('\r'), Buffer.from('\n\r\n')]).events), ['ping']);
  // A pong then a message.
  assert.equal(types(feed([Buffer.from('\r\n'), Buffer.from(M2)]).events), ['pong', 'message']);
});

test('bare LFs before a start line are ignored (RFC 3261 §7.5)', () => {
  const { events } = feed([Buffer.from('\n\n' + M2)]);
  assert.equal(messages(events), [M2]);
});

test('messages cut by the framer parse as framed messages', () => {
  const { events } = feed([Buffer.from(M1 + M3)]);
  for (const e of events) {
    assert.is(e.type, 'message');
    if (e.type !== 'message') continue;
    const r = parseMessage(e.data, { framed: true });
    assert.ok(r.ok);
    if (r.ok) assert.is(r.length, e.data.length);
  }
});

test('Content-Length read the parser\'s way: compact, case, spaces, folding, leading zeros', () => {
  for (const cl of ['l: 5', 'content-LENGTH : 5', 'Content-Length:\r\n  5', 'Content-Length: 0005']) {
    const text = sipMessage('MESSAGE', '', []).replace('Content-Length: 0', cl) + 'hello' + M2;
    const { events } = feed([Buffer.from(text)]);
    assert.equal(types(events), ['message', 'message'], cl);
    const r = parseMessage((events[0] as { data: Buffer }).data, { framed: true });
    assert.ok(r.ok && r.message.body.toString() === 'hello', cl);
  }
});

test('a Content-Length hidden behind a bare CR is not taken by the framer', () => {
  // Parser and framer must agree on where lines start, or one could smuggle a message.
  const text = sipMessage('OPTIONS', '', ['X-A: a\rContent-Length: 40']);
  const { events } = feed([Buffer.from(text)]);
  assert.equal(types(events), ['message']);
  const r = parseMessage((events[0] as { data: Buffer }).data, { framed: true });
  assert.ok(!r.ok && r.status === 400);
});

test('negative, non-numeric and conflicting Content-Length end the stream with an error', () => {
  for (const bad of [['Content-Length: -999'], ['Content-Length: abc'], ['Content-Length: 13', 'Content-Length: 5'], ['Content-Length: 1 2']]) {
    const text = sipMessage('MESSAGE', '').replace('Content-Length: 0\r\n', bad.join('\r\n') + '\r\n') + 'There is no way to know';
    const framer = new StreamFramer();
    const events = framer.push(Buffer.from(text));
    assert.is(events.length, 1, bad.join());
    const e = events[0]!;
    assert.is(e.type, 'error');
    if (e.type === 'error') {
      assert.match(e.reason, /Content-Length/);
      // The header section comes along so the transport can answer 400 first.
      assert.ok(e.data !== undefined && e.data.toString().startsWith('MESSAGE sip:b@example.com SIP/2.0\r\n'));
      assert.ok(e.data!.toString().endsWith('\r\n\r\n'));
    }
    assert.is(framer.buffered, 0);
    assert.equal(framer.push(Buffer.from(M2)), [], 'nothing after an error');
  }
  // The same value twice is not ambiguous; the parser still refuses it.
  const same = feed([Buffer.from(sipMessage('OPTIONS', '', ['Content-Length: 0']))]).events;
  assert.equal(types(same), ['message']);
});

test('RFC 4475 ncl and mcl01 over a stream are framing errors; clerr waits', () => {
  for (const f of ['ncl.dat', 'mcl01.dat']) {
    const events = new StreamFramer().push(readFileSync(FIXTURES + 'rfc4475/messages/' + f));
    assert.equal(types(events), ['error'], f);
  }
  const clerr = readFileSync(FIXTURES + 'rfc4475/messages/clerr.dat');
  const framer = new StreamFramer();
  assert.equal(framer.push(clerr), []);
  assert.is(framer.buffered, clerr.length);
});

test('a header section over the cap is an error, without buffering more than the cap', () => {
  const framer = new StreamFramer({ maxHeaderBytes: 4096, maxBodyBytes: 65_535 });
  const line = Buffer.from('X-Filler: ' + 'a'.repeat(90) + '\r\n');
  let events: FrameEvent[] = framer.push(Buffer.from('INVITE sip:b@example.com SIP/2.0\r\n'));
  let pushes = 0;
  while (events.length === 0 && pushes < 1000) {
    events = framer.push(line);
    pushes++;
    assert.ok(framer.buffered <= 4096 + 4 + line.length);
  }
  assert.equal(types(events), ['error']);
  assert.match((events[0] as { reason: string }).reason, /header section too large/);
  assert.ok(pushes < 50);
  assert.is(framer.buffered, 0);
  // One big chunk without an empty line fails at once too.
  const big = new StreamFramer({ maxHeaderBytes: 4096, maxBodyBytes: 65_535 }).push(Buffer.alloc(100_000, 0x61));
  assert.equal(types(big), ['error']);
});

test('a complete header section over the cap is an error', () => {
  const framer = new StreamFramer({ maxHeaderBytes: 200, maxBodyBytes: 1000 });
  const events = framer.push(Buffer.from(sipMessage('OPTIONS', '', ['X-Long: ' + 'b'.repeat(300)])));
  assert.equal(types(events), ['error']);
});

test('a body over the cap is an error as soon as the header is read', () => {
  const framer = new StreamFramer({ maxHeaderBytes: 4096, maxBodyBytes: 1000 });
  const head = sipMessage('MESSAGE', '').replace('Content-Length: 0', 'Content-Length: 1001');
  const events = framer.push(Buffer.from(head));
  assert.equal(types(events), ['error']);
  assert.match((events[0] as { reason: string }).reason, /body too large/);
  const fits = new StreamFramer({ maxHeaderBytes: 4096, maxBodyBytes: 1000 });
  assert.equal(types(fits.push(Buffer.from(sipMessage('MESSAGE', 'z'.repeat(1000))))), ['message']);
});

test('waiting for a body: buffered counts the octets held', () => {
  const framer = new StreamFramer();
  const text = Buffer.from(M3);
  assert.equal(framer.push(text.subarray(0, 200)), []);
  assert.is(framer.buffered, 200);
  const events = framer.push(text.subarray(200));
  assert.equal(messages(events), [M3]);
  assert.is(framer.buffered, 0);
});

test('RFC 4475 dblreq over a stream is two requests with a CRLF between', () => {
  const events = new StreamFramer().push(readFileSync(FIXTURES + 'rfc4475/messages/dblreq.dat'));
  assert.equal(types(events).slice(0, 3), ['message', 'pong', 'message']);
  const second = parseMessage((events[2] as { data: Buffer }).data, { framed: true });
  assert.ok(second.ok && second.message.kind === 'request' && second.message.method === 'INVITE');
  assert.is(second.ok && getHeader(second.message, 'call-id'), 'dblreq.0ha0isnda977644900765@192.0.2.15');
});

test('an empty chunk is no event', () => {
  assert.equal(new StreamFramer().push(Buffer.alloc(0)), []);
});

test('pathological header sections are read in linear time', () => {
  // Thousands of lines that start like Content-Length but have no colon, then one that does.
  const many = 'OPTIONS sip:b@example.com SIP/2.0\r\n' + 'C\r\n'.repeat(3000) + 'l: 2\r\n\r\nok';
  assert.equal(types(feed([Buffer.from(many)]).events), ['message']);
  // A name padded with a long run of blanks before the colon.
  const padded = 'OPTIONS sip:b@example.com SIP/2.0\r\nContent-Length' + ' \t'.repeat(6000) + 'x: 1\r\n\r\n';
  assert.equal(types(feed([Buffer.from(padded)]).events), ['message']);
  const value = 'OPTIONS sip:b@example.com SIP/2.0\r\nContent-Length: ' + ' '.repeat(12000) + '1 x\r\n\r\n';
  assert.equal(types(feed([Buffer.from(value)]).events), ['error']);
});

test.run();
