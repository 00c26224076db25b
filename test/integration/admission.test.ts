// Issue 16 finding 9: a flood spread over many sources, each under the per-source
// limit, must not starve registered phones. A global admission limit (security.
// admissionRate, set low here so that it is what is exercised) sheds unknown sources
// and serves known ones first: during a bounded flood from 20 loopback addresses a
// registered phone re-registers and completes a call.
import { createSocket, type Socket } from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

const SOURCES = 20;
const PER_SOURCE_PER_TICK = 1;
const TICK_MS = 10; // 20 sources x 100/s = 2,000 messages/s offered, each source under floodRate 300
const FLOOD_MS = 4000;
const ADMISSION_RATE = 100;
let pbx: PbxProcess;
const open: Array<{ close(): void }> = [];

test.before(async () => {
  const base = 45000 + Math.floor(Math.random() * 50) * 100;
  pbx = await PbxProcess.start({
    tenants: [{ id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }, { ext: '1002', password: 'acme-1002-secret' }] }],
    transports: ['udp'],
    extraYaml: [
      `rtp: { ports: ${base}-${base + 99}, workers: 1 }`,
      `security: { floodRate: 300, admissionRate: ${ADMISSION_RATE} }`,
      'registrar: { writeDelayMs: 0 }',
      'calls: { noAnswerSeconds: 8 }',
    ].join('\n'),
  });
});
test.after(async () => {
  for (const o of open) o.close();
  await pbx?.dispose();
});

function options(host: string, port: number, n: number): Buffer {
  return Buffer.from(
    `OPTIONS sip:acme.example SIP/2.0\r\nVia: SIP/2.0/UDP ${host}:${port};rport;branch=z9hG4bK-flood-${host}-${n}\r\nMax-Forwards: 70\r\nFrom: <sip:flood@${host}>;tag=f${n}\r\nTo: <sip:acme.example>\r\nCall-ID: flood-${host}-${n}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
  );
}

/** A bounded flood: SOURCES sockets on 127.0.0.100.., OPTIONS at 100/s each, for FLOOD_MS. */
async function flood(): Promise<{ sent: number; answered: number; done: Promise<void> }> {
  const socks: Socket[] = [];
  const stats = { sent: 0, answered: 0, done: Promise.resolve() };
  for (let i = 0; i < SOURCES; i++) {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, `127.0.0.${100 + i}`, () => r()));
    s.on('message', () => stats.answered++);
    socks.push(s);
  }
  const started = Date.now();
  stats.done = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (Date.now() - started >= FLOOD_MS) {
        clearInterval(timer);
        // Answers still in flight are counted for a moment, then the sockets close.
        setTimeout(() => {
          for (const s of socks) s.close();
          resolve();
        }, 300);
        return;
      }
      for (const s of socks) {
        const a = s.address();
        for (let k = 0; k < PER_SOURCE_PER_TICK; k++) s.send(options(a.address, a.port, stats.sent++), pbx.ports.udp, '127.0.0.1');
      }
    }, TICK_MS);
  });
  return stats;
}

test('during a flood from many sources under their own limit, a registered phone registers and completes a call', async () => {
  const server = { host: '127.0.0.1', port: pbx.ports.udp };
  const alice = await UdpPhone.open({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', server, bindAddress: '127.0.0.40' });
  const bob = await UdpPhone.open({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret', server, bindAddress: '127.0.0.41' });
  open.push(alice, bob);
  assert.is(await alice.register(), 200);
  assert.is(await bob.register(), 200);

  const f = await flood();
  await new Promise((r) => setTimeout(r, 500)); // the limit is saturated
  assert.is(await alice.register(), 200, 'the phone re-registers during the flood');
  const from = bob.mark();
  const res = await alice.call('1002', { timeoutMs: 10_000 });
  assert.is(res.status, 200, 'the call is answered during the flood');
  await bob.next((m) => m.kind === 'request' && m.method === 'INVITE', 2000, from);
  assert.is((await alice.inDialog('BYE')).status, 200, 'and hung up');
  await f.done;

  assert.ok(f.sent >= 2000, `the flood was offered (${f.sent} sent)`);
  assert.ok(f.answered < f.sent / 2, `unknown sources were shed: ${f.answered} of ${f.sent} answered`);
  assert.ok(pbx.logs.some((l) => /admission limit reached/.test(l)), 'the shedding was logged');
  assert.not.ok(pbx.logs.some((l) => /source banned/.test(l)), 'no source was banned: each stayed under its own limit');
});

test.run();
