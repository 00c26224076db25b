import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { createResponse } from '../message/response.js';
import { FakeClock } from '../../util/fake-clock.js';
import { silentLogger } from '../../util/logger.js';
import { guard, waitUntil } from './test-peers.js';
import { sipRequest } from './transport.case.js';
import { TransportLayer } from './transport-layer.js';

test('a flood of CRLF pings in one write gets far fewer pongs than pings (one per read), and the connection still carries SIP', async () => {
  const layer: TransportLayer = new TransportLayer({
    listen: [{ protocol: 'tcp', host: '127.0.0.1', port: 0 }],
    clock: new FakeClock(),
    logger: silentLogger,
    // Every request is answered over its connection: the answer comes after every pong written before it.
    onMessage: (i) => {
      if (i.message.kind === 'request') void layer.send(createResponse(i.message, 200), layer.responseTarget(i));
    },
  });
  await layer.start();
  const c: Socket = connect(layer.localEndpoints()[0]!.port, '127.0.0.1');
  try {
    await guard(new Promise<void>((r) => c.once('connect', () => r())), 'connect');
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString('latin1')));
    const PINGS = 4000;
    c.write('\r\n\r\n'.repeat(PINGS) + sipRequest('tcp', { callId: 'after-flood' }));
    await waitUntil(() => got.includes('SIP/2.0 200'), 'the answer after the flood');
    const before = got.slice(0, got.indexOf('SIP/2.0'));
    assert.match(before, /^(\r\n)+$/, 'only pongs before the answer');
    const pongs = before.length / 2;
    assert.ok(pongs >= 1, 'pings are answered');
    assert.ok(pongs < PINGS / 10, `one pong per read, not per ping (${pongs} pongs for ${PINGS} pings)`);
    assert.match(got, /Call-ID: after-flood/);
  } finally {
    c.destroy();
    await layer.stop();
  }
});

test.run();
