import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from './headers.js';
import { parseMessage } from './parse.js';
import { serializeMessage } from './serialize.js';
import type { SipMessage, SipRequest } from './types.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

function parseOk(buf: Buffer, framed = false): SipMessage {
  const r = parseMessage(buf, { framed });
  if (!r.ok) throw new Error(r.error);
  return r.message;
}

/** Every message of both corpora that parses. */
function corpus(): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (const dir of ['rfc4475/messages', 'rfc5118/wire']) {
    for (const f of readdirSync(FIXTURES + dir)) out.push([f, readFileSync(FIXTURES + dir + '/' + f)]);
  }
  return out;
}

test('round trip: parse -> serialize -> parse gives the same message, for every corpus message that parses', () => {
  let n = 0;
  for (const [name, buf] of corpus()) {
    const r = parseMessage(buf);
    if (!r.ok) continue;
    n++;
    const wire = serializeMessage(r.message);
    const again = parseOk(wire, true);
    const strip = (m: SipMessage): unknown => ({ ...m, headers: m.headers.filter((h) => h.name !== 'content-length'), body: [...m.body] });
    assert.equal(strip(again), strip(r.message), name);
    // And serializing again is byte-for-byte stable.
    assert.ok(serializeMessage(again).equals(wire), name);
  }
  assert.ok(n >= 35, `only ${n} messages parsed`);
});

test('Content-Length always matches the body, whatever the headers said', () => {
  const m: SipRequest = {
    kind: 'request',
    method: 'MESSAGE',
    uri: 'sip:b@example.com',
    headers: [
      { name: 'via', value: 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1' },
      { name: 'from', value: '<sip:a@example.com>;tag=1' },
      { name: 'to', value: '<sip:b@example.com>' },
      { name: 'call-id', value: 'cl1' },
      { name: 'cseq', value: '1 MESSAGE' },
      { name: 'content-length', value: '999' },
      { name: 'l', value: '5' },
      { name: 'Content-Length', value: '7' },
      { name: 'content-type', value: 'text/plain' },
    ],
    body: Buffer.from('héllo\0\r\n\r\nworld'),
  };
  const wire = serializeMessage(m);
  const text = wire.toString('latin1');
  assert.is(text.match(/content-length|\r\nl:/gi)?.length, 1);
  const back = parseOk(wire, true);
  assert.is(getHeader(back, 'content-length'), String(m.body.length));
  assert.ok(back.body.equals(m.body));
  assert.ok(text.endsWith('\r\n\r\n' + m.body.toString('latin1')));
  m.body = Buffer.alloc(0);
  assert.match(serializeMessage(m).toString(), /\r\nContent-Length: 0\r\n\r\n$/);
});

test('start lines and header spelling', () => {
  const res: SipMessage = { kind: 'response', status: 180, reason: 'Ringing', headers: [{ name: 'call-id', value: 'x' }, { name: 'cseq', value: '1 INVITE' }, { name: 'x-foo', value: 'bar' }], body: Buffer.alloc(0) };
  assert.is(serializeMessage(res).toString(), 'SIP/2.0 180 Ringing\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nX-Foo: bar\r\nContent-Length: 0\r\n\r\n');
  const req: SipRequest = { kind: 'request', method: 'OPTIONS', uri: 'sip:a@b', headers: [], body: Buffer.alloc(0) };
  assert.ok(serializeMessage(req).toString().startsWith('OPTIONS sip:a@b SIP/2.0\r\n'));
});

test('a line break in a value or the reason never starts a new header (no injection)', () => {
  const res: SipMessage = {
    kind: 'response',
    status: 200,
    reason: 'OK\r\nX-Evil: 1',
    headers: [{ name: 'subject', value: 'hi\r\nVia: SIP/2.0/UDP evil.example.com\nContact: <sip:evil>\rX: y' }],
    body: Buffer.alloc(0),
  };
  const text = serializeMessage(res).toString();
  const lines = text.split('\r\n');
  assert.equal(lines.map((l) => l.split(':')[0]), ['SIP/2.0 200 OK X-Evil', 'Subject', 'Content-Length', '', '']);
  assert.not.ok(/[^\r]\n|\r[^\n]/.test(text));
});

test.run();
