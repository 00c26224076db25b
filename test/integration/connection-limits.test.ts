// Issue 16, finding 5: TCP connection slots cannot be held by a flood of idle strangers,
// a trickled header or a short body, against the real server with small limits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { PbxProcess } from '../support/pbx-process.js';
import { credentials, runSipp } from '../support/sipp.js';
import { requireTools } from '../support/tools.js';

const ACME = { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }] };
const MAX = 50;
const DEADLINE_S = 2;
const haveSipp = requireTools('connection limits (TCP REGISTER)', 'sipp');

interface Held {
  socket: Socket;
  closed: Promise<void>;
  isClosed: () => boolean;
}

function open(port: number, localAddress: string): Promise<Held> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    let closed = false;
    const done = new Promise<void>((r) => socket.once('close', () => ((closed = true), r())));
    socket.on('error', () => {});
    socket.resume(); // read (and drop) the answers, so that the server's close is seen
    socket.once('connect', () => resolve({ socket, closed: done, isClosed: () => closed }));
    socket.once('error', reject);
  });
}

function options(from: string, n: number, o: { contentLength?: number; body?: string } = {}): string {
  const body = o.body ?? '';
  return [
    'OPTIONS sip:127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/TCP ${from}:5099;branch=z9hG4bK-hold-${from}-${n}`,
    'Max-Forwards: 70',
    `From: <sip:probe@${from}>;tag=h${n}`,
    'To: <sip:127.0.0.1>',
    `Call-ID: hold-${from}-${n}`,
    'CSeq: 1 OPTIONS',
    `Content-Length: ${o.contentLength ?? Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);

const run = haveSipp ? test : test.skip;

run('idle connections from many sources, a trickler and a short body: a phone still registers over TCP, the attackers are closed at the deadline', async () => {
  const pbx = await PbxProcess.start({
    tenants: [ACME],
    transports: ['udp', 'tcp'],
    adminToken: 'conn-limits-token',
    sipYaml: ['maxConnectionsPerSource: 10', `tcp: { maxConnections: ${MAX}, idleSeconds: 60, messageDeadlineSeconds: ${DEADLINE_S} }`],
  });
  const held: Held[] = [];
  try {
    // 50 connections from five sources, each after one OPTIONS, fill the table.
    for (let s = 2; s <= 6; s++) {
      for (let k = 0; k < 10; k++) {
        const h = await open(pbx.ports.tcp, `127.0.0.${s}`);
        h.socket.write(options(`127.0.0.${s}`, k));
        held.push(h);
      }
    }
    // A source over its own cap is refused at once.
    const over = await open(pbx.ports.tcp, '127.0.0.2');
    await within(over.closed, 5_000, 'the 11th connection from one source is closed');

    // A header trickled an octet at a time, and a body shorter than its Content-Length.
    const trickler = await open(pbx.ports.tcp, '127.0.0.7');
    const shortBody = await open(pbx.ports.tcp, '127.0.0.8');
    const opened = Date.now();
    shortBody.socket.write(options('127.0.0.8', 0, { contentLength: 400, body: 'v=0\r\n' }));
    const text = options('127.0.0.7', 0);
    let i = 0;
    const drip = setInterval(() => {
      if (!trickler.isClosed() && i < text.length) trickler.socket.write(text.slice(i, ++i));
    }, 300);
    try {
      // The legitimate phone registers over TCP while the table is full.
      const reg = await runSipp({ scenario: 'register-auth.xml', remote: `127.0.0.1:${pbx.ports.tcp}`, transport: 't1', inject: [credentials('1001', 'acme.example', 'acme-1001-secret')] });
      assert.is(reg.code, 0, reg.output);
      assert.is(reg.successful, 1, 'REGISTER got 200');
      await within(trickler.closed, (DEADLINE_S + 8) * 1000, 'the trickling connection is closed at the message deadline');
      await within(shortBody.closed, (DEADLINE_S + 8) * 1000, 'the short-body connection is closed at the message deadline');
    } finally {
      clearInterval(drip);
    }
    assert.ok(i < text.length, 'the trickled header never completed before the close');
    assert.ok(Date.now() - opened < 60_000);
    // Room was made by evicting idle strangers, not by refusing the newcomers.
    const evicted = held.filter((h) => h.isClosed()).length;
    assert.ok(evicted >= 3, `idle unpinned connections were evicted (${evicted})`);
    const metrics = await (await fetch(`http://127.0.0.1:${pbx.apiPort}/metrics`, { headers: { authorization: 'Bearer conn-limits-token' } })).text();
    const value = (name: string) => Number(metrics.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? 'NaN');
    assert.ok(value('pbx_sip_connections_evicted_total') >= 3, 'the evictions are counted');
    assert.ok(value('pbx_sip_connections_expired_total') >= 2, 'the deadline closes are counted');
    const log = pbx.logs.join('\n');
    assert.match(log, /message deadline/);
    assert.match(log, /evicted at the connection cap/);
  } finally {
    for (const h of held) h.socket.destroy();
    await pbx.dispose();
  }
});

test.run();
