import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { getHeader } from '../message/headers.js';
import { createResponse } from '../message/response.js';
import type { SipRequest } from '../message/types.js';
import { FakeClock } from '../../util/fake-clock.js';
import { silentLogger } from '../../util/logger.js';
import { resolveLimits } from './limits.js';
import { connectClient, guard, listenPeer, waitUntil } from './test-peers.js';
import { parsed, sipRequest } from './transport.case.js';
import { TransportLayer, type TransportLayerOptions } from './transport-layer.js';
import type { Inbound } from './types.js';
import { decodeStun, encodeStun } from '../../util/stun-message.js';

function layer(over: Partial<TransportLayerOptions> & Pick<TransportLayerOptions, 'listen'>): TransportLayer {
  return new TransportLayer({ clock: new FakeClock(), logger: silentLogger, onMessage: () => {}, ...over });
}

test('localEndpoints: every listener in the order configured, with the ports really bound', async () => {
  const l = layer({
    listen: [
      { protocol: 'tcp', host: '127.0.0.1', port: 0 },
      { protocol: 'udp', host: '127.0.0.1', port: 0 },
      { protocol: 'udp', host: '::1', port: 0 },
    ],
  });
  await l.start();
  try {
    const eps = l.localEndpoints();
    assert.equal(eps.map((e) => [e.protocol, e.address]), [['tcp', '127.0.0.1'], ['udp', '127.0.0.1'], ['udp', '::1']]);
    assert.ok(eps.every((e) => e.port > 0));
    assert.is(l.isReliable('udp'), false);
    assert.is(l.isReliable('tcp'), true);
    assert.is(l.isReliable('tls'), true);
  } finally {
    await l.stop();
  }
});

test('start() on a busy port rejects and releases what it had bound already', async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  const busyPort = (busy.address() as { port: number }).port;
  const udpProbe = createSocket('udp4');
  await new Promise<void>((r) => udpProbe.bind(0, '127.0.0.1', () => r()));
  const udpPort = udpProbe.address().port;
  await new Promise<void>((r) => udpProbe.close(() => r()));
  const l = layer({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: udpPort }, { protocol: 'tcp', host: '127.0.0.1', port: busyPort }] });
  try {
    await l.start().then(
      () => assert.unreachable('start must fail'),
      (err: NodeJS.ErrnoException) => assert.is(err.code, 'EADDRINUSE'),
    );
    const again = createSocket('udp4');
    await guard(new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(udpPort, '127.0.0.1', () => resolve());
    }), 'the udp port to be released');
    await new Promise<void>((r) => again.close(() => r()));
  } finally {
    await new Promise<void>((r) => busy.close(() => r()));
  }
});

test('a throwing onMessage or admit hook never breaks the transport', async () => {
  const got: Inbound[] = [];
  const l = layer({
    listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }],
    onMessage: (i) => {
      got.push(i);
      throw new Error('service bug');
    },
    admit: () => {
      throw new Error('hook bug');
    },
  });
  await l.start();
  const c = await connectClient('udp', l.localEndpoints()[0]!.port);
  try {
    await c.write(sipRequest('udp', { callId: 'one' }));
    await c.write(sipRequest('udp', { callId: 'two' }));
    await waitUntil(() => got.length === 2, 'both messages are delivered');
    assert.equal(got.map((i) => getHeader(i.message, 'call-id')), ['one', 'two']);
  } finally {
    await c.close();
    await l.stop();
  }
});

test('UDP: a response leaves from the socket its request arrived on (RFC 3581 §4)', async () => {
  const got: Inbound[] = [];
  const l = layer({
    listen: [
      { protocol: 'udp', host: '127.0.0.1', port: 0 },
      { protocol: 'udp', host: '127.0.0.1', port: 0 },
    ],
    onMessage: (i) => got.push(i),
  });
  await l.start();
  const [first, second] = l.localEndpoints();
  const phone = createSocket('udp4');
  try {
    const replies: number[] = [];
    phone.on('message', (_m, rinfo) => replies.push(rinfo.port));
    await new Promise<void>((r) => phone.bind(0, '127.0.0.1', () => r()));
    for (const ep of [second!, first!]) {
      phone.send(sipRequest('udp'), ep.port, '127.0.0.1');
      await waitUntil(() => got.length > 0, 'the request arrives');
      const i = got.shift()!;
      assert.equal(i.local, ep);
      await l.send(createResponse(i.message as SipRequest, 200), l.responseTarget(i));
      await waitUntil(() => replies.length > 0, 'the response arrives');
      assert.is(replies.shift(), ep.port);
    }
  } finally {
    phone.close();
    await l.stop();
  }
});

test('a datagram forwarded by a front thread: admitted first (refused: dropped, nothing sent); STUN answered from our socket, SIP handled as if read here', async () => {
  const got: Inbound[] = [];
  let verdict: 'ok' | 'banned' = 'banned';
  const l = layer({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }], onMessage: (i) => got.push(i), admit: () => verdict });
  await l.start();
  const phone = createSocket('udp4');
  try {
    const replies: Buffer[] = [];
    phone.on('message', (m) => replies.push(m));
    await new Promise<void>((r) => phone.bind(0, '127.0.0.1', () => r()));
    const source = { protocol: 'udp' as const, address: '127.0.0.1', port: phone.address().port };
    const stun = encodeStun({ method: 1, cls: 'request', transactionId: Buffer.from('0123456789ab'), attributes: [], fingerprint: true });
    l.receiveForwarded(stun, source, 0);
    l.receiveForwarded(Buffer.from(sipRequest('udp')), source, 0);
    assert.equal([l.stats().stunDropped, l.stats().dropped], [1, 1]);
    verdict = 'ok';
    l.receiveForwarded(stun, source, 0);
    await waitUntil(() => replies.length === 1, 'the STUN answer');
    const answer = decodeStun(replies[0]!);
    assert.ok(answer.ok && answer.message.cls === 'success');
    l.receiveForwarded(Buffer.from(sipRequest('udp')), source, 0);
    await waitUntil(() => got.length === 1, 'the request handled');
    assert.is((got[0]!.message as SipRequest).method, 'OPTIONS');
  } finally {
    phone.close();
    await l.stop();
  }
});

test('IPv6: sources are bare addresses, an equal sent-by gets no received, the response comes back', async () => {
  const got: Inbound[] = [];
  const l = layer({ listen: [{ protocol: 'udp', host: '::1', port: 0 }], onMessage: (i) => got.push(i) });
  await l.start();
  const phone = createSocket('udp6');
  try {
    const replies: string[] = [];
    phone.on('message', (m) => replies.push(m.toString()));
    await new Promise<void>((r) => phone.bind(0, '::1', () => r()));
    const port = phone.address().port;
    const via = `SIP/2.0/UDP [::1]:${port};branch=z9hG4bKv6`;
    phone.send(sipRequest('udp', { via, callId: 'v6' }), l.localEndpoints()[0]!.port, '::1');
    await waitUntil(() => got.length === 1, 'the request arrives');
    const i = got[0]!;
    assert.equal(i.source, { protocol: 'udp', address: '::1', port });
    assert.is(getHeader(i.message, 'via'), via);
    await l.send(createResponse(i.message as SipRequest, 200), l.responseTarget(i));
    await waitUntil(() => replies.length === 1, 'the response arrives');
    assert.is(getHeader(parsed(replies[0]!), 'call-id'), 'v6');
  } finally {
    phone.close();
    await l.stop();
  }
});

test('TCP: a target naming a connection that has closed falls back to address:port', async () => {
  const peer = await listenPeer('tcp');
  const l = layer({ listen: [] });
  await l.start();
  try {
    await l.send(parsed(sipRequest('tcp', { callId: 'stale' })), { protocol: 'tcp', address: '127.0.0.1', port: peer.port, connectionId: 'tcp-999' });
    assert.is(getHeader(parsed((await peer.next()).text), 'call-id'), 'stale');
    assert.is(peer.accepted, 1);
  } finally {
    await l.stop();
    await peer.close();
  }
});

test('a stopped layer can be started again and serves each message once', async () => {
  const got: Inbound[] = [];
  const l = layer({ listen: [{ protocol: 'tcp', host: '127.0.0.1', port: 0 }], onMessage: (i) => got.push(i) });
  await l.start();
  await l.stop();
  await l.start();
  const c = await connectClient('tcp', l.localEndpoints()[0]!.port);
  try {
    await c.write(sipRequest('tcp', { callId: 'restarted' }));
    await waitUntil(() => got.length === 1, 'the message arrives');
    await c.write(sipRequest('tcp', { callId: 'second' }));
    await waitUntil(() => got.length === 2, 'the second message arrives');
    assert.equal(got.map((i) => getHeader(i.message, 'call-id')), ['restarted', 'second']);
    assert.is(l.stats().connections, 1);
  } finally {
    await c.close();
    await l.stop();
  }
});

test('limits: defaults filled in, the grace never longer than idle, nonsense refused', () => {
  assert.is(resolveLimits({ idleConnectionMs: 5_000 }).firstMessageMs, 5_000);
  assert.is(resolveLimits({}).firstMessageMs, 30_000);
  assert.is(resolveLimits({ idleConnectionMs: 5_000, firstMessageMs: 1_000 }).firstMessageMs, 1_000);
  assert.throws(() => resolveLimits({ maxConnections: -1 }), /maxConnections/);
  assert.throws(() => resolveLimits({ idleConnectionMs: Number.NaN }), /idleConnectionMs/);
});

test.run();
