import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { FakeClock } from '../../util/fake-clock.js';
import { silentLogger } from '../../util/logger.js';
import { parsed, sipRequest, transportCases, withLayer } from './transport.case.js';
import { guard, listenPeer, TEST_CERT, TEST_KEY, waitUntil } from './test-peers.js';
import { TransportError } from './transport-error.js';
import { TransportLayer } from './transport-layer.js';

transportCases('tls');

test('tls: a handshake that never starts is cut off at handshakeTimeoutMs', () =>
  withLayer('tls', { limits: { handshakeTimeoutMs: 3_000 } }, async (h) => {
    const raw = connect({ host: '127.0.0.1', port: h.port });
    raw.on('error', () => {});
    const closed = new Promise<void>((r) => raw.on('close', () => r()));
    await waitUntil(() => h.layer.stats().connections === 1, 'the server holds the connection');
    h.clock.advance(2_000);
    assert.is(h.layer.stats().connections, 1);
    h.clock.advance(1_500);
    assert.is(h.layer.stats().connections, 0);
    await guard(closed, 'the stalled handshake to be closed');
  }),
);

test('tls: plain SIP on the TLS port fails the handshake, closes, and the next client is served', () =>
  withLayer('tls', {}, async (h) => {
    const raw = connect({ host: '127.0.0.1', port: h.port });
    raw.on('error', () => {});
    const closed = new Promise<void>((r) => raw.on('close', () => r()));
    raw.write(sipRequest('tls'));
    await guard(closed, 'the plaintext connection to close');
    const c = await h.client();
    await c.write(sipRequest('tls', { callId: 'after-plaintext' }));
    assert.is((await h.nextInbound()).message.headers.find((x) => x.name === 'call-id')?.value, 'after-plaintext');
    assert.is(h.received.length, 1);
  }),
);

async function outboundLayer(tls: ConstructorParameters<typeof TransportLayer>[0]['tls']): Promise<TransportLayer> {
  const layer = new TransportLayer({ listen: [], tls, clock: new FakeClock(), logger: silentLogger, onMessage: () => {} });
  await layer.start();
  return layer;
}

test('tls: outbound connections verify the peer certificate by default', async () => {
  const peer = await listenPeer('tls');
  const layer = await outboundLayer({});
  try {
    await layer.send(parsed(sipRequest('tls')), { protocol: 'tls', address: '127.0.0.1', port: peer.port }).then(
      () => assert.unreachable('a self-signed certificate must not be accepted without a CA'),
      (err: unknown) => assert.instance(err, TransportError),
    );
  } finally {
    await layer.stop();
    await peer.close();
  }
});

test('tls: with the CA given, or with rejectUnauthorized false, the request goes through', async () => {
  const peer = await listenPeer('tls');
  for (const tls of [{ ca: TEST_CERT }, { rejectUnauthorized: false }]) {
    const layer = await outboundLayer(tls);
    try {
      await layer.send(parsed(sipRequest('tls', { callId: 'verified' })), { protocol: 'tls', address: '127.0.0.1', port: peer.port });
      const got = parsed((await peer.next()).text);
      assert.is(got.headers.find((x) => x.name === 'call-id')?.value, 'verified');
    } finally {
      await layer.stop();
    }
  }
  await peer.close();
});

test('tls: a TLS listener without certificate and key is refused at construction', () => {
  assert.throws(
    () => new TransportLayer({ listen: [{ protocol: 'tls', host: '127.0.0.1', port: 0 }], clock: new FakeClock(), logger: silentLogger, onMessage: () => {} }),
    /tls\.cert and tls\.key/,
  );
  assert.ok(new TransportLayer({ listen: [{ protocol: 'tls', host: '127.0.0.1', port: 0 }], tls: { cert: TEST_CERT, key: TEST_KEY }, clock: new FakeClock(), logger: silentLogger, onMessage: () => {} }));
});

test.run();
