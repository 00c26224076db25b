import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket, type Socket } from 'node:dgram';
import { getHeader } from '../message/headers.js';
import { FakeClock } from '../../util/fake-clock.js';
import { silentLogger } from '../../util/logger.js';
import { waitUntil } from './test-peers.js';
import { sipRequest } from './transport.case.js';
import { TransportLayer } from './transport-layer.js';
import type { Inbound } from './types.js';

async function peer(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

function send(s: Socket, port: number, text: string): Promise<void> {
  return new Promise((resolve, reject) => s.send(Buffer.from(text), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
}

test('with a receive queue every datagram is handled, in the order read, stamped with the time it was read', async () => {
  const clock = new FakeClock(1_000);
  const got: Inbound[] = [];
  const delays: Array<[number, number]> = [];
  const l = new TransportLayer({
    listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }],
    clock,
    logger: silentLogger,
    onMessage: (i) => got.push(i),
    receiveQueue: { maxMessages: 1000, onDelay: (d, n) => delays.push([d, n]), onFull: () => assert.unreachable('not full') },
  });
  await l.start();
  const p = await peer();
  try {
    const port = l.localEndpoints()[0].port;
    const ids = Array.from({ length: 40 }, (_, i) => `q-${i}`);
    for (const id of ids) await send(p, port, sipRequest('udp', { callId: id }));
    await waitUntil(() => got.length === ids.length, 'all 40 handled');
    assert.equal(got.map((i) => getHeader(i.message, 'call-id')), ids);
    assert.ok(got.every((i) => i.receivedAt === 1_000));
    // Each slice reports the queue it starts on (the fake clock stands still, so no lag),
    // and (0, 0) when it leaves the queue empty.
    assert.ok(delays.some(([, n]) => n >= 1));
    assert.ok(delays.every(([d]) => d === 0));
    assert.equal(delays[delays.length - 1], [0, 0]);
    assert.is(l.queuedDatagrams(), 0);
    assert.is(l.stats().received, 40);
  } finally {
    p.close();
    await l.stop();
  }
});

test('a full receive queue drops new datagrams unread and says so; what was queued is still handled', async () => {
  const got: string[] = [];
  let full = 0;
  let first = true;
  const l = new TransportLayer({
    listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }],
    clock: new FakeClock(),
    logger: silentLogger,
    onMessage: (i) => {
      got.push(getHeader(i.message, 'call-id')!);
      if (first) {
        // A slow handler: the rest arrive meanwhile and are read at once when it returns.
        first = false;
        const until = Date.now() + 150;
        while (Date.now() < until) {
          /* the SIP thread is busy */
        }
      }
    },
    receiveQueue: { maxMessages: 3, sliceMs: 1, onDelay: () => {}, onFull: () => full++ },
  });
  await l.start();
  const p = await peer();
  try {
    const port = l.localEndpoints()[0].port;
    // All sent at once; the first one's slow handler holds the thread while the rest arrive.
    await Promise.all([send(p, port, sipRequest('udp', { callId: 'slow' })), ...Array.from({ length: 19 }, (_, i) => send(p, port, sipRequest('udp', { callId: `b-${i}` })))]);
    await waitUntil(() => got.length + full === 20, 'each of the 20 handled or refused');
    assert.ok(full > 0, 'some refused at the cap');
    assert.ok(got.length >= 3, 'the queued ones handled');
    assert.is(got[0], 'slow');
    assert.is(l.stats().dropped, full);
    // Order kept among those handled.
    const nums = got.slice(1).map((c) => Number(c.slice(2)));
    assert.equal(nums, [...nums].sort((a, b) => a - b));
  } finally {
    p.close();
    await l.stop();
  }
});

test.run();
