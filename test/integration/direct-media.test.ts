// Direct media (media bypass, issue 13 point 3) through the real server: real SIP and RTP
// sockets, a real media worker, and small SIP phones (test/support/udp-phone.ts) that send
// and analyse real audio. With the tenant's `media: { direct: true }`, after the answer both
// phones get a re-INVITE naming the other phone's own address and port, and the RTP each
// receives comes from the other phone's own socket (not the PBX's relay port), with the
// other's tone. A hold takes the media back (the held phone hears the tenant's music on hold
// from the PBX); the resume joins the legs again. A NATed leg is not bypassed; a tenant
// without the policy keeps every call relayed, also while another tenant's calls go direct.
import type { Socket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxServer } from '../../src/app/pbx-server.js';
import { dbfsToAmplitude, writeSine } from '../../src/media/dsp/tone.js';
import { pcm16Bytes, WavWriter } from '../../src/media/wav/wav-writer.js';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { getHeader } from '../../src/sip/message/headers.js';
import { memoryLogger } from '../../src/util/logger.js';
import { tenantYaml } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { pcmuToneShare, sendPcmuTone } from '../support/rtp-tone.js';
import { UdpPhone } from '../support/udp-phone.js';

let dir: string;
let server: PbxServer;
let port: number;
const logger = memoryLogger('info');
const phones: UdpPhone[] = [];
const exts = ['1001', '1002', '1003', '1004'];
const ACME = { id: 'acme', domains: ['acme.example'], extensions: exts.map((e) => ({ ext: e, password: `acme-${e}-secret` })), extraYaml: 'media: { direct: true }\n' };
const GLOBEX = { id: 'globex', domains: ['globex.example'], extensions: exts.map((e) => ({ ext: e, password: `globex-${e}-secret` })) };
const MOH_HZ = 700;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-direct-'));
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
    ].join('\n'),
  );
  writeFileSync(join(dir, 'tenants', 'acme.yaml'), tenantYaml(ACME));
  writeFileSync(join(dir, 'tenants', 'globex.yaml'), tenantYaml(GLOBEX));
  server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger, env: {} });
  // acme's music on hold: a 700 Hz tone, so a held phone proves the PBX has the media again.
  const moh = join(dir, 'data', 'tenants', 'acme', 'moh', 'default');
  mkdirSync(moh, { recursive: true });
  const pcm = new Int16Array(8000);
  writeSine(pcm, { sampleRate: 8000, frequency: MOH_HZ, amplitude: dbfsToAmplitude(-10) });
  const w = WavWriter.create(join(moh, 'tone.wav'), { sampleRate: 8000, overwrite: true });
  w.write(pcm16Bytes(pcm));
  w.close();
});

test.after(async () => {
  for (const p of phones) p.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(tenant: string, user: string, o: { sdpAddress?: string } = {}): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain: `${tenant}.example`, password: `${tenant}-${user}-secret`, server: { host: '127.0.0.1', port }, ...o });
  phones.push(p);
  return p;
}

function sdpOf(m: SipMessage): { address: string; port: number } {
  const body = m.body.toString();
  return { address: /c=IN IP4 (\S+)/.exec(body)?.[1] ?? '', port: Number(/m=audio (\d+)/.exec(body)?.[1]) };
}

/** An INVITE inside the phone's dialog (a re-INVITE: its To carries a tag) received after `from`. */
function reinvite(p: UdpPhone, from: number, timeoutMs = 8000): Promise<SipRequest> {
  return p.next((m) => m.kind === 'request' && m.method === 'INVITE' && /;\s*tag=/i.test(getHeader(m, 'to') ?? ''), timeoutMs, from) as Promise<SipRequest>;
}

function reinvitesSince(p: UdpPhone, from: number): SipRequest[] {
  return p.received.slice(from).filter((m): m is SipRequest => m.kind === 'request' && m.method === 'INVITE' && /;\s*tag=/i.test(getHeader(m, 'to') ?? ''));
}

interface Heard {
  /** PCMU payloads per source port. */
  bySource: Map<number, Buffer[]>;
  stop(): void;
}

/** PCMU packets a phone's RTP socket receives from now on, by the source port they came from. */
function listen(sock: Socket): Heard {
  const bySource = new Map<number, Buffer[]>();
  const on = (b: Buffer, rinfo: { port: number }) => {
    if (b.length < 12 + 160 || b[0]! >> 6 !== 2 || (b[1]! & 0x7f) !== 0) return;
    const list = bySource.get(rinfo.port) ?? [];
    list.push(Buffer.from(b.subarray(12, 12 + 160)));
    bySource.set(rinfo.port, list);
  };
  sock.on('message', on);
  return { bySource, stop: () => sock.off('message', on) };
}

async function until(check: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms\n${logger.lines.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A call answered: the 200 to the caller and the INVITE the callee got. */
async function call(caller: UdpPhone, callee: UdpPhone, calleeExt: string): Promise<{ ok: SipResponse; invite: SipRequest }> {
  assert.is(await callee.register(), 200);
  const ok = await caller.call(calleeExt);
  assert.is(ok.status, 200, `got ${ok.status} ${ok.reason}`);
  const invite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  return { ok, invite };
}

/** The legs were joined: the callee was re-INVITEd with the caller's own address, then the caller with the callee's. */
async function joined(caller: UdpPhone, callee: UdpPhone, fromCaller: number, fromCallee: number): Promise<void> {
  const toCallee = await reinvite(callee, fromCallee);
  assert.equal(sdpOf(toCallee), { address: '127.0.0.1', port: caller.rtpPort }, "the callee is offered the caller's own RTP address");
  const toCaller = await reinvite(caller, fromCaller);
  assert.equal(sdpOf(toCaller), { address: '127.0.0.1', port: callee.rtpPort }, "the caller is offered the callee's own RTP address");
  await until(() => logger.lines.some((l) => l.includes('the legs exchange RTP end to end')), 'direct media confirmed');
}

/** `to` hears `from`'s tone from `from`'s own socket, not from the PBX. */
async function hearsDirect(from: UdpPhone, to: UdpPhone, hz: number, ssrc: number): Promise<void> {
  const heard = listen(to.rtp);
  await sendPcmuTone(from.rtp, { address: '127.0.0.1', port: to.rtpPort }, hz, 25, ssrc);
  await until(() => (heard.bySource.get(from.rtpPort)?.length ?? 0) >= 20, `RTP from ${from.o.user}'s own port`);
  heard.stop();
  assert.equal([...heard.bySource.keys()], [from.rtpPort], 'every packet came from the other phone itself');
  const share = pcmuToneShare(heard.bySource.get(from.rtpPort)!.slice(3), hz);
  assert.ok(share > 0.7, `${hz} Hz heard end to end: ${share.toFixed(3)}`);
}

test('direct media on: both legs are re-INVITEd after the answer and each phone hears the other straight from its own port', async () => {
  const caller = await phone('acme', '1001');
  const callee = await phone('acme', '1002');
  const [fromCaller, fromCallee] = [caller.mark(), callee.mark()];
  const { ok, invite } = await call(caller, callee, '1002');
  // The answer itself is relayed, as always: the PBX's ports.
  assert.is.not(sdpOf(ok).port, callee.rtpPort);
  assert.is.not(sdpOf(invite).port, caller.rtpPort);
  await joined(caller, callee, fromCaller, fromCallee);
  await hearsDirect(caller, callee, 1000, 0xa1);
  await hearsDirect(callee, caller, 1500, 0xb2);
  assert.is((await caller.inDialog('BYE')).status, 200);
  await callee.register(0);
});

test('a hold takes the media back into the PBX (music on hold from the relay port); the resume joins the legs again', async () => {
  const caller = await phone('acme', '1003');
  const callee = await phone('acme', '1004');
  const [c0, e0] = [caller.mark(), callee.mark()];
  await call(caller, callee, '1004');
  await joined(caller, callee, c0, e0);

  // Hold (RFC 3264 §8.4): the relayed offer and its answer carry the PBX's ports again.
  const e1 = callee.mark();
  const hold = await caller.inDialog('INVITE', caller.sdp('sendonly', 2));
  assert.is(hold.status, 200);
  const relayA = sdpOf(hold);
  assert.is.not(relayA.port, callee.rtpPort, "the holding phone is answered with the PBX's port");
  const heldInvite = await reinvite(callee, e1);
  const relayB = sdpOf(heldInvite);
  assert.ok(/a=sendonly/.test(heldInvite.body.toString()), 'the hold reaches the held phone');
  assert.is.not(relayB.port, caller.rtpPort, "the held phone is offered the PBX's port");
  // The held phone hears the tenant's music on hold, from the PBX's relay port.
  const heard = listen(callee.rtp);
  await until(() => [...heard.bySource.entries()].some(([p, l]) => p !== caller.rtpPort && l.length >= 30), 'music on hold from the PBX');
  heard.stop();
  const [mohPort, moh] = [...heard.bySource.entries()].find(([p, l]) => p !== caller.rtpPort && l.length >= 30)!;
  assert.is.not(mohPort, caller.rtpPort);
  const mohShare = pcmuToneShare(moh.slice(5, 30), MOH_HZ);
  assert.ok(mohShare > 0.7, `700 Hz music on hold at the held phone: ${mohShare.toFixed(3)}`);
  // While held, the legs are not joined again.
  assert.is(reinvitesSince(caller, c0).length, 1, 'no direct offer to a holding phone');

  // Resume: relayed first (the PBX's ports), then the legs are joined again.
  const [c2, e2] = [caller.mark(), callee.mark()];
  const linesBefore = logger.lines.length;
  const resume = await caller.inDialog('INVITE', caller.sdp('sendrecv', 3));
  assert.is(resume.status, 200);
  assert.is.not(sdpOf(resume).port, callee.rtpPort, 'the resume itself is answered through the relay');
  const resumed = await reinvite(callee, e2);
  assert.is.not(sdpOf(resumed).port, caller.rtpPort, 'the relayed resume offers the PBX port');
  // Then the join: another re-INVITE to each, with the other phone's own address.
  const rejoin = await callee.next((m) => m.kind === 'request' && m.method === 'INVITE' && m !== resumed && sdpOf(m).port === caller.rtpPort, 8000, e2);
  assert.ok(rejoin, 'the callee is joined to the caller again');
  await until(() => reinvitesSince(caller, c2).some((m) => sdpOf(m).port === callee.rtpPort), 'the caller is joined to the callee again');
  await until(() => logger.lines.slice(linesBefore).some((l) => l.includes('the legs exchange RTP end to end')), 'direct media again');
  await hearsDirect(caller, callee, 1000, 0xc3);
  assert.is((await caller.inDialog('BYE')).status, 200);
  await callee.register(0);
});

test('a callee behind a NAT (its SDP names a private address it does not signal from) is not bypassed', async () => {
  const caller = await phone('acme', '1001');
  const callee = await phone('acme', '1002', { sdpAddress: '192.168.77.20' });
  const [c0, e0] = [caller.mark(), callee.mark()];
  const linesBefore = logger.lines.length;
  const { ok } = await call(caller, callee, '1002');
  await until(() => logger.lines.slice(linesBefore).some((l) => l.includes('the media stays in the PBX') && l.includes('behind a NAT')), 'the NAT refusal');
  // The call is relayed: the callee's RTP reaches the caller from the PBX's port (it latches the callee's real source).
  const heard = listen(caller.rtp);
  const relayB = sdpOf((await callee.next((m) => m.kind === 'request' && m.method === 'INVITE', 5000, e0)) as SipRequest);
  await sendPcmuTone(callee.rtp, { address: '127.0.0.1', port: relayB.port }, 1200, 25, 0xd4);
  await until(() => [...heard.bySource.values()].some((l) => l.length >= 20), 'relayed RTP at the caller');
  heard.stop();
  assert.ok(!heard.bySource.has(callee.rtpPort), 'nothing came straight from the callee');
  const [, got] = [...heard.bySource.entries()].find(([, l]) => l.length >= 20)!;
  assert.ok(pcmuToneShare(got.slice(3), 1200) > 0.7, 'the callee is heard through the relay');
  assert.is(sdpOf(ok).address, '127.0.0.1');
  assert.is(reinvitesSince(caller, c0).length, 0, 'no re-INVITE to the caller');
  assert.is(reinvitesSince(callee, e0).length, 0, 'no re-INVITE to the callee');
  assert.is((await caller.inDialog('BYE')).status, 200);
  await callee.register(0);
});

test("tenant isolation: acme's direct media never applies to globex's call, placed at the same time with the same extensions", async () => {
  const [ga, gb, aa, ab] = await Promise.all([phone('globex', '1001'), phone('globex', '1002'), phone('acme', '1003'), phone('acme', '1004')]);
  const marks = [ga.mark(), gb.mark(), aa.mark(), ab.mark()] as const;
  const linesBefore = logger.lines.length;
  const [g, a] = await Promise.all([call(ga, gb, '1002'), call(aa, ab, '1004')]);
  // acme's call goes direct...
  await joined(aa, ab, marks[2], marks[3]);
  // ...globex's stays relayed: its tone arrives from the PBX's port, and nobody is re-INVITEd.
  const heard = listen(gb.rtp);
  await sendPcmuTone(ga.rtp, { address: '127.0.0.1', port: sdpOf(g.ok).port }, 900, 25, 0xe5);
  await until(() => [...heard.bySource.values()].some((l) => l.length >= 20), 'relayed RTP at the globex callee');
  heard.stop();
  assert.ok(!heard.bySource.has(ga.rtpPort), 'nothing straight from the globex caller');
  const [, got] = [...heard.bySource.entries()].find(([, l]) => l.length >= 20)!;
  assert.ok(pcmuToneShare(got.slice(3), 900) > 0.7, 'the globex caller is heard through the relay');
  assert.is(reinvitesSince(ga, marks[0]).length, 0, 'no re-INVITE to the globex caller');
  assert.is(reinvitesSince(gb, marks[1]).length, 0, 'no re-INVITE to the globex callee');
  assert.ok(!logger.lines.slice(linesBefore).some((l) => l.includes('tenant=globex') && l.includes('direct media')), 'globex calls never enter the direct-media path');
  assert.ok(a.ok.status === 200);
  assert.is((await ga.inDialog('BYE')).status, 200);
  assert.is((await aa.inDialog('BYE')).status, 200);
  await gb.register(0);
  await ab.register(0);
});

test.run();
