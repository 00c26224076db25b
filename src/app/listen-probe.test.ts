import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ListenError, probeListeners } from './listen-probe.js';

function udpSocket(): Promise<{ socket: Socket; port: number }> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => resolve({ socket, port: socket.address().port }));
  });
}

function tcpServer(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

async function probeError(targets: Parameters<typeof probeListeners>[0]): Promise<ListenError> {
  try {
    await probeListeners(targets);
  } catch (e) {
    assert.instance(e, ListenError);
    return e as ListenError;
  }
  throw new Error('the probe passed');
}

test('a busy UDP, TCP or HTTP address fails with its URL and EADDRINUSE in words', async () => {
  const udp = await udpSocket();
  const tcp = await tcpServer();
  try {
    let e = await probeError([{ protocol: 'udp', host: '127.0.0.1', port: udp.port }]);
    assert.is(e.address, `udp://127.0.0.1:${udp.port}`);
    assert.is(e.code, 'EADDRINUSE');
    assert.match(e.message, `cannot listen on udp://127.0.0.1:${udp.port}: the address is in use`);
    e = await probeError([{ protocol: 'tls', host: '127.0.0.1', port: tcp.port }]);
    assert.is(e.address, `tls://127.0.0.1:${tcp.port}`);
    e = await probeError([{ protocol: 'http', host: '127.0.0.1', port: tcp.port }]);
    assert.is(e.address, `http://127.0.0.1:${tcp.port}`);
  } finally {
    udp.socket.close();
    tcp.server.close();
  }
});

test('free addresses pass and are free again afterwards; port 0 is not probed', async () => {
  const udp = await udpSocket();
  const tcp = await tcpServer();
  const ports = { udp: udp.port, tcp: tcp.port };
  await new Promise<void>((r) => udp.socket.close(() => r()));
  await new Promise<void>((r) => tcp.server.close(() => r()));
  const targets = [
    { protocol: 'udp' as const, host: '127.0.0.1', port: ports.udp },
    { protocol: 'tcp' as const, host: '127.0.0.1', port: ports.tcp },
    { protocol: 'http' as const, host: '127.0.0.1', port: 0 },
  ];
  await probeListeners(targets);
  await probeListeners(targets); // the first probe let everything go
});

test('an address that is not on this machine says so', async () => {
  const e = await probeError([{ protocol: 'tcp', host: '192.0.2.1', port: 5060 }]);
  assert.is(e.code, 'EADDRNOTAVAIL');
  assert.match(e.message, 'cannot listen on tcp://192.0.2.1:5060: the address is not one of this machine');
});

test.run();
