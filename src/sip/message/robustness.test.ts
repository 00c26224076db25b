/**
 * Hostile input: every corpus message and thousands of deterministic mutations of them
 * (seeded PRNG) through the parser and the stream framer. Nothing may throw; what parses
 * must be readable by the header helpers and survive a serialize/parse round trip.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allVias, cseqOf, fromOf, getHeaderValues, toOf, topVia } from './headers.js';
import { parseNameAddr } from './name-addr.js';
import { parseMessage } from './parse.js';
import { SyntaxError400 } from './scan.js';
import { serializeMessage } from './serialize.js';
import { StreamFramer } from './stream-framer.js';
import type { SipMessage } from './types.js';
import { parseUri } from './uri.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const MUTATIONS_PER_MESSAGE = 50;

function corpus(): Buffer[] {
  const out: Buffer[] = [];
  for (const dir of ['rfc4475/messages', 'rfc5118/messages', 'rfc5118/wire']) {
    for (const f of readdirSync(FIXTURES + dir).sort()) out.push(readFileSync(FIXTURES + dir + '/' + f));
  }
  return out;
}

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTS = [0x00, 0x0d, 0x0a, 0x22, 0x3c, 0x3e, 0x2c, 0x3b, 0x3a, 0x5c, 0x25, 0x20, 0x09, 0x5b, 0x5d, 0x40, 0xff];

function mutate(src: Buffer, rnd: () => number): Buffer {
  const pick = (n: number): number => Math.floor(rnd() * n);
  let b = Buffer.from(src);
  const rounds = 1 + pick(3);
  for (let r = 0; r < rounds; r++) {
    const pos = pick(b.length + 1);
    switch (pick(8)) {
      case 0: // flip bits of a byte
        if (b.length > 0) b[Math.min(pos, b.length - 1)]! ^= 1 << pick(8);
        break;
      case 1: // truncate
        b = b.subarray(0, pos);
        break;
      case 2: {
        // duplicate a line
        const text = b.toString('latin1').split('\r\n');
        const i = pick(text.length);
        text.splice(i, 0, text[i]!);
        b = Buffer.from(text.join('\r\n'), 'latin1');
        break;
      }
      case 3: // insert a delimiter or control octet
        b = Buffer.concat([b.subarray(0, pos), Buffer.from([INSERTS[pick(INSERTS.length)]!]), b.subarray(pos)]);
        break;
      case 4: // delete a range
        b = Buffer.concat([b.subarray(0, pos), b.subarray(pos + 1 + pick(20))]);
        break;
      case 5: // replace a digit run with something large or negative
        b = Buffer.from(b.toString('latin1').replace(/\d+/, ['-1', '99999999999999999999', '0', '4294967296', ''][pick(5)]!), 'latin1');
        break;
      case 6: {
        // turn one CRLF into a bare CR or a bare LF
        const text = b.toString('latin1');
        const at = text.indexOf('\r\n', pick(text.length));
        if (at >= 0) b = Buffer.from(text.slice(0, at) + (rnd() < 0.5 ? '\r' : '\n') + text.slice(at + 2), 'latin1');
        break;
      }
      default: // overwrite a byte with a random one
        if (b.length > 0) b[Math.min(pos, b.length - 1)] = pick(256);
        break;
    }
  }
  return b;
}

/** What the services will do with a message that parsed: none of it may fail. */
function readAll(m: SipMessage): void {
  topVia(m);
  allVias(m);
  cseqOf(m);
  fromOf(m);
  toOf(m);
  if (m.kind === 'request') {
    parseUri(m.uri);
    for (const c of getHeaderValues(m, 'contact')) if (c !== '*') parseNameAddr(c);
  }
}

function checkParse(buf: Buffer, framed: boolean): void {
  let r;
  try {
    r = parseMessage(buf, { framed });
  } catch (e) {
    assert.unreachable(`parseMessage threw ${String(e)} on ${JSON.stringify(buf.toString('latin1'))}`);
    return;
  }
  if (!r.ok) {
    assert.ok(r.status === 400 || r.status === 505 || r.status === 513, `status ${r.status}`);
    assert.type(r.error, 'string');
    if (r.request) assert.is(r.request.kind, 'request');
    return;
  }
  assert.ok(r.length <= buf.length && r.length > 0);
  try {
    readAll(r.message);
  } catch (e) {
    assert.unreachable(`a parsed message failed a read (${String(e)}): ${JSON.stringify(buf.toString('latin1'))}`);
  }
  // What we accepted we can write, and what we write we accept again, the same.
  const again = parseMessage(serializeMessage(r.message), { framed: true });
  assert.ok(again.ok, `round trip refused (${again.ok ? '' : again.error}): ${JSON.stringify(buf.toString('latin1'))}`);
  if (again.ok) {
    const headers = (m: SipMessage): unknown => m.headers.filter((h) => h.name !== 'content-length');
    assert.equal(headers(again.message), headers(r.message));
    assert.ok(again.message.body.equals(r.message.body));
  }
}

function checkFramer(buf: Buffer, rnd: () => number): void {
  const framer = new StreamFramer({ maxHeaderBytes: 4096, maxBodyBytes: 8192 });
  let pos = 0;
  while (pos < buf.length) {
    const n = 1 + Math.floor(rnd() * 200);
    let events;
    try {
      events = framer.push(buf.subarray(pos, pos + n));
    } catch (e) {
      assert.unreachable(`framer threw ${String(e)}`);
      return;
    }
    for (const e of events) {
      assert.ok(['message', 'ping', 'pong', 'error'].includes(e.type));
      if (e.type !== 'message') continue;
      checkParse(e.data, true);
      // Framer and parser must agree on where a message ends, or a peer could smuggle one.
      const r = parseMessage(e.data, { framed: true });
      if (r.ok) assert.is(r.length, e.data.length, `framer and parser disagree on ${JSON.stringify(e.data.toString('latin1'))}`);
    }
    assert.ok(framer.buffered <= 4096 + 8192 + 4 + 200, `framer holds ${framer.buffered}`);
    pos += n;
  }
}

test('the corpus itself: parser and framer never throw', () => {
  const rnd = prng(1);
  for (const buf of corpus()) {
    checkParse(buf, false);
    checkParse(buf, true);
    checkFramer(buf, rnd);
  }
});

test(`${MUTATIONS_PER_MESSAGE} seeded mutations of each corpus message: parser and framer never throw`, () => {
  const rnd = prng(0x5eed);
  const messages = corpus();
  let accepted = 0;
  let total = 0;
  for (const src of messages) {
    for (let k = 0; k < MUTATIONS_PER_MESSAGE; k++) {
      const buf = mutate(src, rnd);
      checkParse(buf, false);
      if (parseMessage(buf).ok) accepted++;
      checkFramer(buf, rnd);
      total++;
    }
  }
  assert.ok(total >= 3500, `only ${total} mutations`);
  // The mutations must exercise both outcomes, or they test nothing.
  assert.ok(accepted > total / 10 && accepted < total - total / 10, `${accepted} of ${total} accepted`);
});

test('grammar helpers throw only SyntaxError400 on mutated values', () => {
  const rnd = prng(7);
  const seeds = ['"Alice \\"A\\"" <sip:alice@[2001:db8::1]:5060;transport=tcp?x=y>;tag=abc;q=0.5', 'sip:%00@h;lr;maddr=1.2.3.4', 'SIP / 2.0 / UDP host:5060;branch=z9hG4bK1;received=[::1]'];
  for (const s of seeds) {
    for (let k = 0; k < 500; k++) {
      const v = mutate(Buffer.from(s, 'latin1'), rnd).toString('latin1');
      for (const fn of [parseNameAddr, parseUri, (x: string) => allVias({ kind: 'response', status: 200, reason: '', headers: [{ name: 'via', value: x }], body: Buffer.alloc(0) })]) {
        try {
          fn(v);
        } catch (e) {
          assert.ok(e instanceof SyntaxError400, `${String(e)} on ${JSON.stringify(v)}`);
        }
      }
    }
  }
});

test.run();
