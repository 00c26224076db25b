// Issue 16, finding 3: a caller's SDP must not decide where the PBX sends the other leg's
// RTP when it names an address the caller cannot be at (loopback, the PBX's own...). The
// attack: a caller signalling from 127.0.0.30 names 127.0.0.1:<port> or 127.0.0.53:<port>
// (a local statsd, syslog, resolver) and has the callee's audio, whose payload the
// attacker controls from the other leg, injected there. Real server, real media worker,
// real UDP sockets at the victim ports.
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxServer } from '../../src/app/pbx-server.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { memoryLogger } from '../../src/util/logger.js';
import { tenantYaml } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { UdpPhone, type PhoneOptions } from '../support/udp-phone.js';

let dir: string;
let server: PbxServer;
let port: number;
const logger = memoryLogger('debug');
const phones: UdpPhone[] = [];
const victims: Socket[] = [];

const ACME = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: ['1001', '1002', '1003'].map((e) => ({ ext: e, password: `acme-${e}-secret` })),
};

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-media-target-'));
  mkdirSync(join(dir, 'tenants'));
  port = await freePort();
  const rtpBase = 40000 + Math.floor(Math.random() * 200) * 100;
  writeFileSync(
    join(dir, 'pbx.yaml'),
    [
      'dataDir: data',
      `sip: { listen: [ "udp://127.0.0.1:${port}" ] }`,
      `api: { listen: "127.0.0.1:${await freePort()}" }`,
      `rtp: { ports: ${rtpBase}-${rtpBase + 99}, workers: 1 }`,
      'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }',
      'registrar: { writeDelayMs: 0 }',
      'calls: { noAnswerSeconds: 5, drainSeconds: 1 }',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'tenants', 'acme.yaml'), tenantYaml(ACME));
  server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger, env: {} });
});

test.after(async () => {
  for (const p of phones) p.close();
  for (const v of victims) v.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(user: string, opts: Partial<PhoneOptions> = {}): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain: 'acme.example', password: `acme-${user}-secret`, server: { host: '127.0.0.1', port }, ...opts });
  phones.push(p);
  return p;
}

/** A local UDP service (statsd, syslog...) that counts what reaches it. */
async function victim(address: string): Promise<{ port: number; received: () => number }> {
  const s = createSocket('udp4');
  let n = 0;
  s.on('message', () => n++);
  await new Promise<void>((r) => s.bind(0, address, () => r()));
  victims.push(s);
  return { port: (s.address() as { port: number }).port, received: () => n };
}

function sdpPort(m: SipResponse | SipRequest): number {
  return Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const target of ['127.0.0.1', '127.0.0.53']) {
  test(`a caller at 127.0.0.30 naming ${target}:<port> in its SDP gets nothing sent there; after its own RTP the call has audio both ways`, async () => {
    const v = await victim(target);
    const caller = await phone('1001', { bindAddress: '127.0.0.30', sdpAddress: target, sdpPort: v.port });
    const callee = await phone('1002');
    assert.is(await callee.register(), 200);
    const res = await caller.call('1002');
    assert.is(res.status, 200);
    const invite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;

    // The attacker's payload, from the other leg, before the caller sends anything.
    callee.sendRtp(sdpPort(invite), '127.0.0.1', 300);
    // The caller's own media latches its leg; then the callee's audio reaches the caller.
    caller.sendRtp(sdpPort(res), '127.0.0.1', 10);
    await until(() => callee.rtpReceived >= 10);
    callee.sendRtp(sdpPort(invite), '127.0.0.1', 10, 0x5678);
    await until(() => caller.rtpReceived >= 10);
    // The 300 went in before the 10 the caller got: whatever the worker did with them is done.
    await new Promise((r) => setTimeout(r, 100));
    assert.is(v.received(), 0, `nothing reached ${target}:${v.port}`);
    assert.ok(logger.lines.some((l) => l.includes('does not signal from') && l.includes(target)), 'the refusal is logged');
    await caller.inDialog('BYE');
    await callee.register(0);
  });
}

test("a callee at 127.0.0.31 answering with the PBX's address in its SDP gets nothing sent there either", async () => {
  const v = await victim('127.0.0.1');
  const caller = await phone('1001');
  const callee = await phone('1003', { bindAddress: '127.0.0.31', sdpAddress: '127.0.0.1', sdpPort: v.port });
  assert.is(await callee.register(), 200);
  const res = await caller.call('1003');
  assert.is(res.status, 200);
  const invite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  caller.sendRtp(sdpPort(res), '127.0.0.1', 300);
  callee.sendRtp(sdpPort(invite), '127.0.0.1', 10);
  await until(() => caller.rtpReceived >= 10);
  caller.sendRtp(sdpPort(res), '127.0.0.1', 10, 0x5678);
  await until(() => callee.rtpReceived >= 10);
  await new Promise((r) => setTimeout(r, 100));
  assert.is(v.received(), 0, 'nothing reached the victim port');
  await caller.inDialog('BYE');
  await callee.register(0);
});

test('a phone on 127.0.0.1 naming 127.0.0.1 (where it signals from) still gets audio before it sends any', async () => {
  const caller = await phone('1001');
  const callee = await phone('1002');
  assert.is(await callee.register(), 200);
  const res = await caller.call('1002');
  assert.is(res.status, 200);
  const invite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  callee.sendRtp(sdpPort(invite), '127.0.0.1', 10);
  await until(() => caller.rtpReceived >= 10);
  await caller.inDialog('BYE');
  await callee.register(0);
});

test.run();
