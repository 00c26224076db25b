// Calls through the B2BUA, in-process against real sockets, real media workers and real
// tenant stores, with small SIP phones (test/support/udp-phone.ts) that show every
// message. SIPp drives the same flows from outside in calls.test.ts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxServer } from '../../src/app/pbx-server.js';
import type { B2bua } from '../../src/b2bua/b2bua.js';
import { getHeader } from '../../src/sip/message/headers.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { memoryLogger } from '../../src/util/logger.js';
import { tenantYaml } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { UdpPhone } from '../support/udp-phone.js';

let dir: string;
let server: PbxServer;
let port: number;
const logger = memoryLogger('debug');
const phones: UdpPhone[] = [];

// These tests check what a caller gets when nobody answers: the extensions have no voicemail box
// (by default every extension has one, and an unanswered call goes there).
const NO_VM = 'voicemail: { enabled: false }';
const ACME = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: ['1001', '1002', '1003', '1004', '1005'].map((e) => ({ ext: e, password: `acme-${e}-secret`, extraKeys: NO_VM })),
};
const GLOBEX = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }] };
const LIMITED = { id: 'tiny', domains: ['tiny.example'], limits: { calls: 1 }, extensions: ['2001', '2002', '2003', '2004'].map((e) => ({ ext: e, password: `tiny-${e}-secret`, extraKeys: NO_VM })) };

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-b2bua-'));
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
      'calls: { noAnswerSeconds: 2, drainSeconds: 5 }',
    ].join('\n'),
  );
  for (const t of [ACME, GLOBEX, LIMITED]) writeFileSync(join(dir, 'tenants', `${t.id}.yaml`), tenantYaml(t));
  server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger, env: {} });
});

test.after(async () => {
  for (const p of phones) p.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(user: string, domain = 'acme.example', opts: { bindAddress?: string; sdpAddress?: string; opus?: boolean } = {}): Promise<UdpPhone> {
  const tenant = domain.split('.')[0];
  const p = await UdpPhone.open({ user, domain, password: `${tenant}-${user}-secret`, server: { host: '127.0.0.1', port }, ...opts });
  phones.push(p);
  return p;
}

function cdrs(tenant: string) {
  const s = SqliteTenantStore.open(join(dir, 'data'), tenant);
  try {
    return s.listCdrs({ newestFirst: true });
  } finally {
    s.close();
  }
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function sdpPort(res: SipResponse | SipRequest): number {
  return Number(/m=audio (\d+)/.exec(res.body.toString())?.[1]);
}

test('an answered call: SDP rewritten to the PBX, RTP relayed both ways, BYE ends both legs, one CDR', async () => {
  const caller = await phone('1001');
  const callee = await phone('1002');
  assert.is(await callee.register(), 200);
  const res = await caller.call('1002');
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  const toCaller = res.body.toString();
  assert.match(toCaller, /c=IN IP4 127\.0\.0\.1/);
  assert.is.not(sdpPort(res), callee.rtpPort, 'the caller is given the PBX port, not the callee’s');
  const invite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  assert.is.not(sdpPort(invite), caller.rtpPort);
  assert.match(getHeader(invite, 'from') ?? '', /sip:1001@acme\.example/, 'the callee sees the caller’s identity');

  caller.sendRtp(sdpPort(res), '127.0.0.1', 20);
  callee.sendRtp(sdpPort(invite), '127.0.0.1', 20, 0x9999);
  await until(() => callee.rtpReceived >= 20 && caller.rtpReceived >= 20);

  const bye = await caller.inDialog('BYE');
  assert.is(bye.status, 200);
  await callee.next((m) => m.kind === 'request' && m.method === 'BYE');
  await until(() => cdrs('acme').some((c) => c.toExt === '1002' && c.disposition === 'answered'));
  const cdr = cdrs('acme').find((c) => c.toExt === '1002' && c.disposition === 'answered')!;
  assert.is(cdr.fromExt, '1001');
  assert.is(cdr.hangupSide, 'caller');
  assert.ok(cdr.answeredAt !== undefined && cdr.endedAt >= cdr.answeredAt);
  assert.ok((cdr.media?.caller?.packets ?? 0) >= 20, 'media stats in the record');
  assert.ok((cdr.media?.callee?.packets ?? 0) >= 20);
  callee.close();
});

test('the admin API view: listCalls shows a tenant its own calls only; hangup by another tenant is refused, by its own sends BYE with Reason', async () => {
  const b2bua = (server as unknown as { b2bua: B2bua }).b2bua;
  const caller = await phone('1005');
  const callee = await phone('1004');
  assert.is(await callee.register(), 200);
  const res = await caller.call('1004');
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  await callee.next((m) => m.kind === 'request' && m.method === 'INVITE');
  const mine = b2bua.listCalls('acme').filter((c) => c.fromExt === '1005');
  assert.is(mine.length, 1);
  assert.is(mine[0]!.state, 'answered');
  assert.is(mine[0]!.to, '1004');
  assert.is(mine[0]!.answeredBy, '1004');
  assert.equal(b2bua.listCalls('globex'), [], 'another tenant sees nothing');
  assert.not.ok(b2bua.hangup('globex', mine[0]!.callId), 'another tenant cannot hang it up');
  assert.not.ok(b2bua.hangup('acme', 'no-such-call'));
  assert.ok(b2bua.hangup('acme', mine[0]!.callId, 'maintenance'));
  const byeA = (await caller.next((m) => m.kind === 'request' && m.method === 'BYE')) as SipRequest;
  const byeB = (await callee.next((m) => m.kind === 'request' && m.method === 'BYE')) as SipRequest;
  assert.is(getHeader(byeA, 'reason'), 'SIP;cause=200;text="maintenance"');
  assert.is(getHeader(byeB, 'reason'), 'SIP;cause=200;text="maintenance"');
  await until(() => cdrs('acme').some((c) => c.callId === mine[0]!.callId && c.hangupSide === 'system'));
  assert.equal(b2bua.listCalls('acme').filter((c) => c.fromExt === '1005'), []);
  await callee.register(0);
});

test('busy: 486 passed back, CDR busy', async () => {
  const caller = await phone('1001');
  const callee = await phone('1003');
  callee.answer = { kind: 'busy' };
  assert.is(await callee.register(), 200);
  const res = await caller.call('1003');
  assert.is(res.status, 486);
  await until(() => cdrs('acme').some((c) => c.toExt === '1003' && c.disposition === 'busy'));
  await callee.register(0);
});

test('no answer: 480 after calls.noAnswerSeconds, the callee gets CANCEL, CDR no_answer', async () => {
  const caller = await phone('1001');
  const callee = await phone('1004');
  callee.answer = { kind: 'ring' };
  assert.is(await callee.register(), 200);
  const from = callee.mark();
  const res = await caller.call('1004');
  assert.is(res.status, 480);
  await callee.next((m) => m.kind === 'request' && m.method === 'CANCEL', 3000, from);
  await until(() => cdrs('acme').some((c) => c.toExt === '1004' && c.disposition === 'no_answer'));
  await callee.register(0);
});

test('cancelled by the caller: 487, the callee gets CANCEL, CDR cancelled', async () => {
  const caller = await phone('1001');
  const callee = await phone('1005');
  callee.answer = { kind: 'ring' };
  assert.is(await callee.register(), 200);
  const pending = caller.call('1005');
  await callee.next((m) => m.kind === 'request' && m.method === 'INVITE');
  await caller.next((m) => m.kind === 'response' && m.status === 180);
  caller.cancel(caller.sentInvites[caller.sentInvites.length - 1]!);
  const res = await pending;
  assert.is(res.status, 487);
  await callee.next((m) => m.kind === 'request' && m.method === 'CANCEL');
  await until(() => cdrs('acme').some((c) => c.toExt === '1005' && c.disposition === 'cancelled'));
  await callee.register(0);
});

test('an extension that is not registered gets 480; an unknown one 404', async () => {
  const caller = await phone('1001');
  assert.is((await caller.call('1003')).status, 480);
  assert.is((await caller.call('1099')).status, 404);
  const records = cdrs('acme');
  assert.ok(records.some((c) => c.toExt === '1003' && c.disposition === 'failed' && /^480/.test(c.hangupCause ?? '')), 'the refused call has a record');
  assert.ok(records.some((c) => c.toExt === '1099' && c.disposition === 'failed' && /^404/.test(c.hangupCause ?? '')));
});

test('isolation: a call to another tenant’s domain is refused with 403 and never delivered', async () => {
  const caller = await phone('1001');
  const other = await phone('1001', 'globex.example');
  assert.is(await other.register(), 200);
  const res = await caller.call('1001', { domain: 'globex.example' });
  assert.is(res.status, 403);
  assert.not.ok(other.received.some((m) => m.kind === 'request' && m.method === 'INVITE'), 'globex’s phone never saw the INVITE');
  assert.ok(cdrs('acme').some((c) => c.fromExt === '1001' && c.disposition === 'failed' && /^403/.test(c.hangupCause ?? '')), 'recorded in the caller’s tenant');
  assert.is(cdrs('globex').length, 0, 'and nothing at all in the other tenant');
  // and a caller may not pretend to be someone else
  const liar = await caller.call('1002', { fromUser: '1002', password: 'acme-1001-secret' });
  assert.is(liar.status, 403);
  await other.register(0);
});

test('the tenant call limit: call N+1 gets 503 with a Reason header', async () => {
  const a = await phone('2001', 'tiny.example');
  const b = await phone('2002', 'tiny.example');
  const c = await phone('2003', 'tiny.example');
  const d = await phone('2004', 'tiny.example');
  assert.is(await b.register(), 200);
  assert.is(await d.register(), 200);
  assert.is((await a.call('2002')).status, 200);
  const second = await c.call('2004');
  assert.is(second.status, 503);
  assert.match(getHeader(second, 'reason') ?? '', /limit/);
  assert.ok(cdrs('tiny').some((c) => c.fromExt === '2003' && c.disposition === 'failed' && /^503/.test(c.hangupCause ?? '')), 'the refused call is recorded');
  assert.is((await a.inDialog('BYE')).status, 200);
  await until(() => server.stats().calls === 0);
  assert.is((await c.call('2004')).status, 200, 'the slot is free again');
  await c.inDialog('BYE');
});

test('forking: two phones of one extension ring, the first to answer wins, the other is cancelled', async () => {
  const caller = await phone('1001');
  const desk = await phone('1002');
  const mobile = await phone('1002');
  desk.answer = { kind: 'answer', ringMs: 100 };
  mobile.answer = { kind: 'ring' };
  assert.is(await desk.register(), 200);
  assert.is(await mobile.register(), 200);
  const res = await caller.call('1002');
  assert.is(res.status, 200);
  await mobile.next((m) => m.kind === 'request' && m.method === 'CANCEL');
  assert.is((await caller.inDialog('BYE')).status, 200);
  await desk.next((m) => m.kind === 'request' && m.method === 'BYE');
  await desk.register(0);
  await mobile.register(0);
});

test('hold and resume pass across in a re-INVITE; a 180 after the 200 does not break the call; the callee hangs up', async () => {
  const caller = await phone('1001');
  const callee = await phone('1002');
  callee.answer = { kind: 'answer', late180: true };
  assert.is(await callee.register(), 200);
  assert.is((await caller.call('1002')).status, 200);
  const hold = await caller.inDialog('INVITE', caller.sdp('sendonly', 2));
  assert.is(hold.status, 200);
  const reinvite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE' && /a=sendonly/.test(m.body.toString()))) as SipRequest;
  assert.ok(reinvite, 'the callee saw the hold');
  const resume = await caller.inDialog('INVITE', caller.sdp('sendrecv', 3));
  assert.is(resume.status, 200);
  // the callee hangs up this time
  const bye = await callee.inDialog('BYE');
  assert.is(bye.status, 200);
  await caller.next((m) => m.kind === 'request' && m.method === 'BYE');
  await until(() => cdrs('acme').some((c) => c.toExt === '1002' && c.hangupSide === 'callee'));
  await callee.register(0);
});

test('INFO and UPDATE inside the call pass across to the other side and their answers come back', async () => {
  const caller = await phone('1001');
  const callee = await phone('1002');
  assert.is(await callee.register(), 200);
  assert.is((await caller.call('1002')).status, 200);
  const from = callee.mark();
  const info = await caller.inDialog('INFO');
  assert.is(info.status, 200);
  await callee.next((m) => m.kind === 'request' && m.method === 'INFO', 3000, from);
  const update = await caller.inDialog('UPDATE', caller.sdp('sendrecv', 7));
  assert.is(update.status, 200);
  assert.match(update.body.toString(), /m=audio \d+/, 'the answer to the UPDATE carries SDP');
  await callee.next((m) => m.kind === 'request' && m.method === 'UPDATE', 3000, from);
  // A refresh without SDP is answered by the PBX itself (RFC 4028): the callee never sees it.
  const seen = callee.received.length;
  const refresh = await caller.inDialog('UPDATE');
  assert.is(refresh.status, 200);
  assert.match(getHeader(refresh, 'session-expires') ?? '', /^\d+/);
  assert.not.ok(callee.received.slice(seen).some((m) => m.kind === 'request' && m.method === 'UPDATE'));
  await caller.inDialog('BYE');
  await callee.register(0);
});

test('a phone behind NAT (private address in its SDP) gets audio through latching; a third address is not relayed', async () => {
  const caller = await phone('1001', 'acme.example', { bindAddress: '127.0.0.2', sdpAddress: '10.0.0.5' });
  const callee = await phone('1002');
  const intruder = await phone('1003', 'acme.example', { bindAddress: '127.0.0.3' });
  assert.is(await callee.register(), 200);
  const res = await caller.call('1002');
  assert.is(res.status, 200);
  const invite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  // The caller's RTP comes from 127.0.0.2, not the 10.0.0.5 its SDP names: the PBX latches
  // to it because it is where the caller's signalling came from.
  caller.sendRtp(sdpPort(res), '127.0.0.1', 10);
  await until(() => callee.rtpReceived >= 10);
  callee.sendRtp(sdpPort(invite), '127.0.0.1', 10);
  await until(() => caller.rtpReceived >= 10);
  // RTP injected at the caller's leg from an address the signalling never named is dropped.
  const before = callee.rtpReceived;
  intruder.sendRtp(sdpPort(res), '127.0.0.1', 10, 0xbad);
  await new Promise((r) => setTimeout(r, 300));
  assert.is(callee.rtpReceived, before, 'nothing from the third address reached the callee');
  await caller.inDialog('BYE');
  await callee.register(0);
});

test('an Opus call: the CDR jitter is read on the 48 kHz clock of the rtpmap, not 8 kHz (which made it about 100 ms)', async () => {
  const caller = await phone('1001', 'acme.example', { opus: true });
  const callee = await phone('1002', 'acme.example', { opus: true });
  assert.is(await callee.register(), 200);
  const res = await caller.call('1002');
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  assert.match(res.body.toString(), /opus\/48000/);
  const invite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  // 25 packets 20 ms apart, 960 timestamp units apart: a clean loopback stream.
  await Promise.all([
    caller.sendRtpPaced(sdpPort(res), '127.0.0.1', 25, { pt: 111, tsStep: 960 }),
    callee.sendRtpPaced(sdpPort(invite), '127.0.0.1', 25, { pt: 111, tsStep: 960, ssrc: 0x5555 }),
  ]);
  await until(() => callee.rtpReceived >= 25 && caller.rtpReceived >= 25);
  assert.is((await caller.inDialog('BYE')).status, 200);
  const find = () => cdrs('acme').find((c) => c.toExt === '1002' && c.disposition === 'answered' && (c.media?.caller?.packets ?? 0) >= 25);
  await until(() => find() !== undefined);
  const m = find()!.media!;
  // Read on an 8 kHz clock every on-time packet looked 100 ms late; on 48 kHz only the
  // scheduling noise of this machine is left. The bound is loose on purpose: it tells the
  // two apart without timing the machine.
  assert.ok(m.caller!.jitterMs < 40, `caller jitter ${m.caller!.jitterMs} ms`);
  assert.ok(m.callee!.jitterMs < 40, `callee jitter ${m.callee!.jitterMs} ms`);
  await callee.register(0);
});

test('graceful stop drains: new calls get 503, the call in progress goes on and its CDR is written', async () => {
  const caller = await phone('1001');
  const callee = await phone('1002');
  assert.is(await callee.register(), 200);
  assert.is((await caller.call('1002')).status, 200);
  const stopping = server.stop();
  const late = await phone('1003');
  assert.is((await late.call('1002')).status, 503);
  assert.is((await caller.inDialog('BYE')).status, 200);
  await stopping;
  const cdr = cdrs('acme')[0]!;
  assert.is(cdr.disposition, 'answered');
  assert.is(cdr.hangupSide, 'caller');
});

test.run();
