import { createSocket } from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ipLiteralLookup } from './ip-literal-lookup.js';

test('answers the address and the family dgram asks for, before it returns (no deferral)', () => {
  const seen: Array<[string, number]> = [];
  ipLiteralLookup('127.0.0.1', 4, (err, address, family) => {
    assert.is(err, null);
    seen.push([address, family]);
  });
  ipLiteralLookup('::1', 6, (_err, address, family) => seen.push([address, family]));
  ipLiteralLookup('::1', { family: 6 }, (_err, address, family) => seen.push([address, family]));
  assert.equal(seen, [
    ['127.0.0.1', 4],
    ['::1', 6],
    ['::1', 6],
  ]);
});

test('a datagram goes out in the send call itself: closing the socket right after does not lose it', async () => {
  // With dns.lookup (the default) the send waits for the next tick, and a close in between drops it.
  const rx = createSocket('udp4');
  const tx = createSocket({ type: 'udp4', lookup: ipLiteralLookup });
  try {
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => tx.bind(0, '127.0.0.1', () => r()));
    const got = new Promise<Buffer>((r) => rx.once('message', r));
    tx.send(Buffer.from('rtp'), rx.address().port, '127.0.0.1');
    tx.close();
    assert.equal(await got, Buffer.from('rtp'));
  } finally {
    rx.close();
  }
});

test('a name that is not an IP literal is not resolved: the send fails with an error, nothing is sent', async () => {
  const tx = createSocket({ type: 'udp4', lookup: ipLiteralLookup });
  try {
    await new Promise<void>((r) => tx.bind(0, '127.0.0.1', () => r()));
    const err = await new Promise<Error | null>((r) => tx.send(Buffer.from('x'), 9, 'localhost', (e) => r(e)));
    assert.ok(err instanceof Error, 'an error');
  } finally {
    tx.close();
  }
});

test.run();
