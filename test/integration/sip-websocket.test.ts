// SIP over WebSocket (RFC 7118) against the real server: a WebSocket client registers with
// digest over ws and wss and is reached by an INVITE from a UDP phone over the very
// connection it registered on (its contact host is a made-up .invalid name, RFC 7118 §5);
// a wrong subprotocol, an oversized frame and a flood of connections are refused and counted.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { getHeader } from '../../src/sip/message/headers.js';
import { PbxProcess } from '../support/pbx-process.js';
import { sleep, until } from '../support/flow-call.js';
import { UdpPhone } from '../support/udp-phone.js';
import { WsUa } from '../support/ws-ua.js';

const TOKEN = 'ws-test-admin-token';
const ACME = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', password: 'acme-1001-secret' },
    { ext: '1002', password: 'acme-1002-secret' },
  ],
};
const GLOBEX = {
  id: 'globex',
  domains: ['globex.example'],
  extensions: [
    { ext: '1001', password: 'globex-1001-secret' },
    { ext: '1002', password: 'globex-1002-secret' },
  ],
};
const PER_SOURCE = 6;

const s = suite('SIP over WebSocket');
let pbx: PbxProcess;
const open: Array<{ close(): void }> = [];

s.before(async () => {
  pbx = await PbxProcess.start({
    tenants: [ACME, GLOBEX],
    transports: ['udp', 'ws', 'wss'],
    adminToken: TOKEN,
    sipYaml: [`maxConnectionsPerSource: ${PER_SOURCE}`, 'maxMessageBytes: 8192'],
  });
});
s.after.each(() => {
  for (const c of open.splice(0)) c.close();
});
s.after(async () => {
  await pbx?.dispose();
});

const wsUrl = () => `ws://127.0.0.1:${pbx.ports.ws}`;
const wssUrl = () => `wss://127.0.0.1:${pbx.ports.wss}`;

async function ua(url: string, user = '1001', domain = 'acme.example', password = 'acme-1001-secret', protocols?: string[]): Promise<WsUa> {
  const u = await WsUa.connect({ url, user, domain, password, ...(protocols ? { protocols } : {}) });
  open.push(u);
  return u;
}

async function metric(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${pbx.apiPort}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return Number(line?.split(' ')[1] ?? 'NaN');
}

const SDP = Buffer.from('v=0\r\no=ws 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n');

for (const kind of ['ws', 'wss'] as const) {
  s(`a ${kind} client registers with digest and a UDP phone's INVITE reaches it over its connection`, async () => {
    const callee = await ua(kind === 'ws' ? wsUrl() : wssUrl());
    assert.is(await callee.register(), 200);
    callee.answerSdp = SDP;
    const phone = await UdpPhone.open({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret', server: { host: '127.0.0.1', port: pbx.ports.udp } });
    open.push(phone);
    const from = callee.received.length;
    const final = await phone.call('1001');
    assert.is(final.status, 200);
    const invite = await callee.next((m) => m.kind === 'request' && m.method === 'INVITE', 5000, from);
    assert.is(invite.kind, 'request');
    // RFC 7118 §5.2: our Via on a request over the WebSocket says WS or WSS.
    assert.match(getHeader(invite, 'via') ?? '', new RegExp(`^SIP/2.0/${kind.toUpperCase()} `));
    assert.match(invite.kind === 'request' ? invite.uri : '', /df7jal23ls0d\.invalid;transport=ws/);
    await phone.inDialog('BYE');
    await callee.next((m) => m.kind === 'request' && m.method === 'BYE', 5000, from);
  });
}

s("acme's credentials do not register in globex over ws, and globex's 1001 is not reached", async () => {
  const wrong = await ua(wsUrl(), '1001', 'globex.example', 'acme-1001-secret');
  assert.is(await wrong.register(), 403);
  const phone = await UdpPhone.open({ user: '1002', domain: 'globex.example', password: 'globex-1002-secret', server: { host: '127.0.0.1', port: pbx.ports.udp } });
  open.push(phone);
  const acme = await ua(wsUrl());
  assert.is(await acme.register(), 200);
  acme.answerSdp = SDP;
  const from = acme.received.length;
  // globex's 1002 calls globex's 1001 (not registered): acme's 1001 on its WebSocket must not ring.
  const final = await phone.call('1001', { timeoutMs: 8000 }).catch(() => undefined);
  if (final?.status === 200) await phone.inDialog('BYE');
  assert.not.ok(acme.received.slice(from).some((m) => m.kind === 'request' && m.method === 'INVITE'), 'nothing of globex reached acme');
});

s('an upgrade without the sip subprotocol is refused with 400 and counted', async () => {
  const before = await metric('pbx_sip_ws_refused_total', '{reason="handshake"}');
  const err = await WsUa.connect({ url: wsUrl(), user: 'x', domain: 'acme.example', password: 'x', protocols: ['chat'] }).then(
    (u) => (u.close(), undefined),
    (e: Error) => e,
  );
  assert.ok(err, 'the upgrade was refused');
  assert.match(err!.message, /400/);
  const none = await WsUa.connect({ url: wsUrl(), user: 'x', domain: 'acme.example', password: 'x', protocols: [] }).then(
    (u) => (u.close(), undefined),
    (e: Error) => e,
  );
  assert.ok(none, 'no subprotocol at all is refused too');
  assert.is(await metric('pbx_sip_ws_refused_total', '{reason="handshake"}'), before + 2);
});

s('a frame over maxMessageBytes closes the connection (1009), is counted, and the server serves the next client', async () => {
  const before = await metric('pbx_sip_ws_refused_total', '{reason="oversized"}');
  const u = await ua(wsUrl());
  const closed = u.closed();
  u.socket.send('OPTIONS sip:acme.example SIP/2.0\r\n' + 'X-Pad: ' + 'a'.repeat(9000) + '\r\n\r\n');
  assert.is(await closed, 1009);
  assert.is(await metric('pbx_sip_ws_refused_total', '{reason="oversized"}'), before + 1);
  const next = await ua(wsUrl());
  assert.is(await next.register(), 200);
});

s('a flood of connections from one address is cut at maxConnectionsPerSource and counted; another address still registers', async () => {
  const before = await metric('pbx_sip_connections_rejected_total');
  const sockets = await Promise.all(
    Array.from({ length: PER_SOURCE + 10 }, () => {
      const c = connect({ host: '127.0.0.1', port: pbx.ports.ws!, localAddress: '127.0.0.9' });
      c.on('error', () => {});
      open.push({ close: () => c.destroy() });
      let closed = false;
      c.once('close', () => (closed = true));
      return new Promise<{ isClosed: () => boolean }>((r) => c.once('connect', () => r({ isClosed: () => closed })));
    }),
  );
  await until(() => sockets.filter((x) => x.isClosed()).length >= 10, 5000, 'the excess connections closed');
  await sleep(100);
  assert.is(sockets.filter((x) => !x.isClosed()).length, PER_SOURCE);
  assert.ok((await metric('pbx_sip_connections_rejected_total')) >= before + 10);
  const other = await ua(wsUrl());
  assert.is(await other.register(), 200);
});

s('plain HTTP to the WebSocket port gets 426, counted as a refused handshake', async () => {
  const before = await metric('pbx_sip_ws_refused_total', '{reason="handshake"}');
  const res = await fetch(`${wsUrl().replace('ws:', 'http:')}/`);
  assert.is(res.status, 426);
  assert.is(await metric('pbx_sip_ws_refused_total', '{reason="handshake"}'), before + 1);
});

s.run();
