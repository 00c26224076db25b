import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket, type Socket } from 'node:dgram';
import { FakeClock } from '../../util/fake-clock.js';
import { silentLogger } from '../../util/logger.js';
import { decodeStun, encodeStun, readXorMappedAddress, StunAttr } from '../../util/stun-message.js';
import { guard, waitUntil } from './test-peers.js';
import { TransportLayer, type AdmitVerdict } from './transport-layer.js';
import type { Inbound } from './types.js';

const TXID = Buffer.from('0102030405060708090a0b0c', 'hex');

async function setup(admit: () => AdmitVerdict = () => 'ok') {
  const seen: Inbound[] = [];
  const layer = new TransportLayer({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }], clock: new FakeClock(), logger: silentLogger, onMessage: (i) => seen.push(i), admit });
  await layer.start();
  const client: Socket = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  const received: Buffer[] = [];
  client.on('message', (m) => received.push(m));
  const port = layer.localEndpoints()[0]!.port;
  const send = (b: Buffer) => new Promise<void>((r) => client.send(b, port, '127.0.0.1', () => r()));
  const close = async () => {
    client.close();
    await layer.stop();
  };
  return { layer, client, received, send, seen, close };
}

test('a STUN Binding request on the SIP UDP port is answered with the client\'s address and port', async () => {
  const h = await setup();
  try {
    await h.send(encodeStun({ method: 1, cls: 'request', transactionId: TXID, attributes: [], fingerprint: true }));
    await guard(waitUntil(() => h.received.length === 1, 'the STUN answer'), 'the STUN answer');
    const r = decodeStun(h.received[0]!);
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.is(r.message.cls, 'success');
    assert.ok(r.message.fingerprint);
    const xma = r.message.attributes.find((a) => a.type === StunAttr.XOR_MAPPED_ADDRESS)!;
    assert.equal(readXorMappedAddress(xma.value, TXID), { address: '127.0.0.1', port: h.client.address().port });
    assert.is(h.seen.length, 0, 'STUN never reaches the SIP layer');
    assert.is(h.layer.stats().stunAnswered, 1);
    assert.is(h.layer.stats().parseErrors, 0);
  } finally {
    await h.close();
  }
});

test('malformed STUN is dropped without an answer, never parsed as SIP; the port keeps serving', async () => {
  const h = await setup();
  try {
    const bad = encodeStun({ method: 1, cls: 'request', transactionId: TXID, attributes: [{ type: 0x8022, value: Buffer.from('x') }], fingerprint: true });
    bad.writeUInt16BE(0x00ff, 22); // an attribute longer than the message
    await h.send(bad);
    await h.send(Buffer.concat([encodeStun({ method: 1, cls: 'request', transactionId: TXID, attributes: [], fingerprint: false }), Buffer.from([1])]));
    await waitUntil(() => h.layer.stats().stunDropped === 2, 'both dropped');
    await h.send(encodeStun({ method: 1, cls: 'request', transactionId: TXID, attributes: [], fingerprint: false }));
    await waitUntil(() => h.received.length === 1, 'the answer to a good request after the bad ones');
    assert.is(h.layer.stats().parseErrors, 0);
    assert.is(h.layer.stats().rejectedMessages, 0);
    assert.is(h.seen.length, 0);
  } finally {
    await h.close();
  }
});

test('STUN from a throttled source is not answered (the flood guard sees it like any datagram)', async () => {
  let asked = 0;
  const h = await setup(() => (++asked > 2 ? 'throttled' : 'ok'));
  try {
    for (let i = 0; i < 5; i++) await h.send(encodeStun({ method: 1, cls: 'request', transactionId: TXID, attributes: [], fingerprint: false }));
    await waitUntil(() => h.layer.stats().stunAnswered + h.layer.stats().stunDropped === 5, 'all five handled');
    assert.is(asked, 5);
    assert.is(h.layer.stats().stunAnswered, 2);
    assert.is(h.layer.stats().stunDropped, 3);
  } finally {
    await h.close();
  }
});

test.run();
