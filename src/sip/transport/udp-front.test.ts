import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket, type Socket } from 'node:dgram';
import { parseMessage } from '../message/parse.js';
import { decodeStun, encodeStun } from '../../util/stun-message.js';
import { guard, waitUntil } from './test-peers.js';
import type { FromFront, UdpFrontInit } from './udp-front-protocol.js';
import { UdpFront } from './udp-front.js';
import { NonceCodec } from '../auth/nonce.js';
import { offsetClock, SharedClockOffset } from '../../util/shared-clock-offset.js';

const TXID = Buffer.from('0123456789ab');
const OPTIONS = (branch: string) =>
  Buffer.from(
    `OPTIONS sip:pbx.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK${branch};rport\r\nMax-Forwards: 70\r\nFrom: <sip:a@pbx.example>;tag=1\r\nTo: <sip:pbx.example>\r\nCall-ID: ${branch}@x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
  );

/** A front on its own port (no main thread here: the test plays it), and a client socket. */
async function setup(extra: Partial<UdpFrontInit> = {}): Promise<{ front: UdpFront; inFlight: SharedArrayBuffer; posted: FromFront[]; client: Socket; received: Buffer[]; send: (b: Buffer) => Promise<void>; close: () => Promise<void> }> {
  const probe = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
  const port = probe.address().port;
  probe.close();
  const posted: FromFront[] = [];
  const inFlight = new SharedArrayBuffer(4);
  const front = new UdpFront({ index: 1, listeners: [{ host: '127.0.0.1', port }], maxMessageBytes: 65535, inFlight, maxInFlight: 2, ...extra }, (m) => posted.push(m));
  await front.start();
  const client = createSocket('udp4');
  const received: Buffer[] = [];
  client.on('message', (d) => received.push(d));
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  return {
    front,
    inFlight,
    posted,
    client,
    received,
    send: (b) => new Promise<void>((r) => client.send(b, port, '127.0.0.1', () => r())),
    close: async () => {
      client.close();
      await front.stop();
    },
  };
}

test('a well-formed request is forwarded as its bytes, with its source and listener; nothing is answered here', async () => {
  const h = await setup();
  try {
    await h.send(OPTIONS('fwd1'));
    await guard(waitUntil(() => h.posted.some((m) => m.type === 'datagram'), 'the forward'), 'the forward');
    const m = h.posted.find((x) => x.type === 'datagram');
    assert.ok(m && m.type === 'datagram');
    if (m?.type !== 'datagram') return;
    assert.equal([m.address, m.port, m.listener], ['127.0.0.1', h.client.address().port, 0]);
    const parsed = parseMessage(Buffer.from(m.data));
    assert.ok(parsed.ok && parsed.message.kind === 'request' && parsed.message.method === 'OPTIONS');
    assert.is(h.received.length, 0);
    assert.equal([h.front.stats.read, h.front.stats.forwarded], [1, 1]);
  } finally {
    await h.close();
  }
});

test('a malformed request gets its 400 from the front (to its rport), is not forwarded, and its source is reported as seen', async () => {
  const h = await setup();
  try {
    const bad = Buffer.from(OPTIONS('bad1').toString().replace('CSeq: 1 OPTIONS', 'CSeq: one OPTIONS'));
    await h.send(bad);
    await guard(waitUntil(() => h.received.length === 1, 'the 400'), 'the 400');
    assert.match(h.received[0]!.toString(), /^SIP\/2\.0 400 /);
    await guard(waitUntil(() => h.posted.some((m) => m.type === 'seen'), 'seen'), 'seen');
    assert.not.ok(h.posted.some((m) => m.type === 'datagram'));
    const seen = h.posted.find((m) => m.type === 'seen');
    assert.equal(seen?.type === 'seen' ? seen.sources : [], ['127.0.0.1', h.client.address().port]);
    assert.is(h.front.stats.rejected, 1);
  } finally {
    await h.close();
  }
});

test('CRLF keep-alives are ignored, STUN Binding is answered, a banned source is dropped unread', async () => {
  const h = await setup();
  try {
    await h.send(Buffer.from('\r\n\r\n'));
    await h.send(encodeStun({ method: 1, cls: 'request', transactionId: TXID, attributes: [], fingerprint: true }));
    await guard(waitUntil(() => h.received.length === 1, 'the STUN answer'), 'the STUN answer');
    const r = decodeStun(h.received[0]!);
    assert.ok(r.ok && r.message.cls === 'success');
    h.front.handle({ type: 'refusals', refusals: { refused: ['127.0.0.1'], forwarded: [], forwardAll: false, ipv6Prefix: 64 } });
    await h.send(OPTIONS('ban1'));
    await guard(waitUntil(() => h.front.stats.banned === 1, 'the ban'), 'the ban');
    h.front.handle({ type: 'refusals', refusals: { refused: [], forwarded: [], forwardAll: false, ipv6Prefix: 64 } });
    await h.send(OPTIONS('ban2'));
    await guard(waitUntil(() => h.front.stats.forwarded === 1, 'forwarded after the ban was lifted'), 'forward');
    assert.equal([h.front.stats.keepalives, h.front.stats.stunAnswered, h.front.stats.banned, h.front.stats.forwarded], [1, 1, 1, 1]);
    assert.is(h.received.length, 1, 'nothing answered but the STUN request');
  } finally {
    await h.close();
  }
});

test('at maxInFlight messages not yet taken by the main thread, a new one is dropped unread (bounded memory); taken ones make room', async () => {
  const h = await setup();
  try {
    for (const b of ['q1', 'q2', 'q3']) await h.send(OPTIONS(b));
    await guard(waitUntil(() => h.front.stats.read === 3, 'three reads'), 'three reads');
    assert.equal([h.front.stats.forwarded, h.front.stats.queueFull], [2, 1]);
    // The main thread takes one off the port (UdpFrontPool does this on every datagram).
    Atomics.sub(new Int32Array(h.inFlight), 0, 1);
    await h.send(OPTIONS('q4'));
    await guard(waitUntil(() => h.front.stats.forwarded === 3, 'room again'), 'room again');
    assert.is(h.front.stats.queueFull, 1);
  } finally {
    await h.close();
  }
});

const REGISTER = (branch: string, domain: string, extra = '') =>
  Buffer.from(
    `REGISTER sip:${domain} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK${branch};rport\r\nMax-Forwards: 70\r\nFrom: <sip:1001@${domain}>;tag=1\r\nTo: <sip:1001@${domain}>\r\nCall-ID: ${branch}@x\r\nCSeq: 1 REGISTER\r\n${extra}Content-Length: 0\r\n\r\n`,
  );

test("with the main thread's nonce secret and a snapshot, a first REGISTER gets its 401 from the front (to its rport), counted and reported as seen; the rest is forwarded", async () => {
  const overload = new SharedArrayBuffer(4);
  const h = await setup({ nonce: { secret: new Uint8Array(32).fill(3), epoch: 9, ttlSeconds: 300 }, overload, maxInFlight: 10 });
  try {
    await h.send(REGISTER('r0', 'acme.example'));
    await guard(waitUntil(() => h.front.stats.forwarded === 1, 'forwarded before any snapshot'), 'forward');
    h.front.handle({ type: 'challenges', snapshot: { domains: { 'acme.example': { realm: 'acme.example', algorithms: ['SHA-256'] } }, trustedEdges: [] } });
    await h.send(REGISTER('r1', 'acme.example'));
    await guard(waitUntil(() => h.received.length === 1, 'the 401'), 'the 401');
    const text = h.received[0]!.toString();
    assert.match(text, /^SIP\/2\.0 401 Unauthorized\r\n/);
    assert.match(text, /\r\nWWW-Authenticate: Digest realm="acme\.example", nonce="[A-Za-z0-9_-]+", algorithm=SHA-256, qop="auth"\r\n/);
    assert.ok(text.includes(`;rport=${h.client.address().port}`));
    await guard(waitUntil(() => h.posted.some((m) => m.type === 'seen'), 'seen'), 'seen');
    // Credentials, another domain, or the main thread shedding: forwarded.
    await h.send(REGISTER('r2', 'acme.example', 'Authorization: Digest username="1001"\r\n'));
    await h.send(REGISTER('r3', 'other.example'));
    Atomics.store(new Int32Array(overload), 0, 1);
    await h.send(REGISTER('r4', 'acme.example'));
    await guard(waitUntil(() => h.front.stats.forwarded === 4, 'three more forwarded'), 'forwards');
    assert.equal([h.front.stats.challenged, h.received.length], [1, 1]);
  } finally {
    await h.close();
  }
});

test('a source the main thread decides datagram by datagram (throttled, a banned address with exempt flows) gets nothing from the front: its first REGISTER, its STUN and its malformed request are all forwarded', async () => {
  const h = await setup({ nonce: { secret: new Uint8Array(32).fill(3), epoch: 9, ttlSeconds: 300 }, maxInFlight: 10 });
  try {
    h.front.handle({ type: 'challenges', snapshot: { domains: { 'acme.example': { realm: 'acme.example', algorithms: ['MD5'] } }, trustedEdges: [] } });
    for (const refusals of [
      { refused: [], forwarded: ['127.0.0.1'], forwardAll: false, ipv6Prefix: 64 },
      { refused: [], forwarded: [], forwardAll: true, ipv6Prefix: 64 },
    ]) {
      h.front.handle({ type: 'refusals', refusals });
      const before = h.front.stats.forwarded;
      await h.send(REGISTER(`g${before}`, 'acme.example'));
      await h.send(encodeStun({ method: 1, cls: 'request', transactionId: TXID, attributes: [], fingerprint: true }));
      await h.send(Buffer.from(OPTIONS(`gb${before}`).toString().replace('CSeq: 1 OPTIONS', 'CSeq: one OPTIONS')));
      await guard(waitUntil(() => h.front.stats.forwarded === before + 3, 'three forwarded'), 'forwards');
    }
    assert.equal([h.received.length, h.front.stats.challenged, h.front.stats.stunAnswered, h.front.stats.rejected], [0, 0, 0, 0]);
    // Off the list: the front answers its challenge again.
    h.front.handle({ type: 'refusals', refusals: { refused: [], forwarded: [], forwardAll: false, ipv6Prefix: 64 } });
    await h.send(REGISTER('g-after', 'acme.example'));
    await guard(waitUntil(() => h.received.length === 1, 'the 401'), 'the 401');
    assert.match(h.received[0]!.toString(), /^SIP\/2\.0 401 /);
  } finally {
    await h.close();
  }
});

test("a front's nonce is dated by the main thread's clock (its shared offset), so the main thread finds it valid however far that clock is set, and at once when it moves", async () => {
  const secret = new Uint8Array(32).fill(5);
  const offset = new SharedClockOffset();
  const DAY = 86_400_000;
  offset.set(-250 * DAY); // the main thread's clock reads a date 250 days back (a test's settable clock)
  // The main thread's own codec, on its own clock: the system time plus the same offset.
  const main = new NonceCodec({ secret: Buffer.from(secret), epoch: 4, ttlSeconds: 300, clock: offsetClock(offset.buffer) });
  const h = await setup({ nonce: { secret, epoch: 4, ttlSeconds: 300 }, clockOffset: offset.buffer, maxInFlight: 10 });
  const nonceOf = (b: Buffer) => /nonce="([^"]+)"/.exec(b.toString())?.[1] ?? '';
  try {
    h.front.handle({ type: 'challenges', snapshot: { domains: { 'acme.example': { realm: 'acme.example', algorithms: ['MD5'] } }, trustedEdges: [] } });
    await h.send(REGISTER('c1', 'acme.example'));
    await guard(waitUntil(() => h.received.length === 1, 'the 401'), 'the 401');
    assert.is(main.check(nonceOf(h.received[0]!), 'acme.example').status, 'valid');
    // The main thread's clock jumps two days ahead; the very next challenge follows it.
    offset.set(2 * DAY);
    await h.send(REGISTER('c2', 'acme.example'));
    await guard(waitUntil(() => h.received.length === 2, 'the second 401'), 'the second 401');
    assert.is(main.check(nonceOf(h.received[1]!), 'acme.example').status, 'valid');
    assert.is(main.check(nonceOf(h.received[0]!), 'acme.example').status, 'expired', 'the first is two days old now, on that clock');
  } finally {
    await h.close();
  }
});

test.run();
