// Call applications in the call path, against the real server (in this process, so the test
// can wire CallApps with small applications of its own) with real phones over loopback UDP,
// a real media worker, real SQLite files and a SIPp carrier: a `play` destination plays
// audio; an application reads a digit and continues to an extension that answers, and tones
// pass both ways through the bridge; an extension that does not answer sends the call to its
// box (reason noanswer, the caller's tone is in the recording); busy goes to forwardBusy;
// DND does not ring; forwardAlways to an outside number leaves through the carrier with the
// forwarding extension's class of service and caller ID, and is refused when that class is
// internal; an inbound trunk call reaches a trunk again through nothing else; the forward
// hop limit ends a chain of forwards; a caller of acme can never reach globex's extension.
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AppChannel, CallApp } from '../../src/apps/app-channel.js';
import type { CallApps, DepositReason, ExtensionPolicy } from '../../src/apps/call-apps.js';
import { ulawDecodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { meanPower, toneShare } from '../../src/media/dsp/goertzel.js';
import { readHeader } from '../../src/media/wav/wav-reader.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import type { TenantContext } from '../../src/tenant/tenant-context.js';
import { memoryLogger } from '../../src/util/logger.js';
import { CarrierUas, freeUdpPortOn, headerValues } from '../support/carrier.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { PcmuSender } from '../support/pcmu-sender.js';
import { UdpPhone } from '../support/udp-phone.js';

const CARRIER = '127.0.0.10';
const logger = memoryLogger('info');
let pbx: InProcessPbx;
let carrierPort: number;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sdpPort = (m: SipResponse | SipRequest) => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
const ext = (e: string, more: Record<string, string> = {}) => ({ ext: e, password: `acme-${e}-secret`, ...more });

/** What the test's applications saw, per test. */
let seen: string[] = [];
/** Per extension, the policy the test sets. */
const policies = new Map<string, ExtensionPolicy>();

/** A deposit that records up to 1.5 s of the caller into the tenant's folder, then hangs up. */
function depositApp(tenant: TenantContext, box: string, reason: DepositReason): CallApp {
  return {
    async run(ch) {
      seen.push(`deposit ${tenant.id} ${box} ${reason}`);
      if (!(await ch.answer())) return;
      const folder = join(pbx.dir, 'data', 'tenants', tenant.id, 'voicemail');
      mkdirSync(folder, { recursive: true });
      const r = await ch.record({ path: join(folder, `${box}-${reason}.wav`), maxMs: 1500, stopDigits: '#', quotaBytes: 1_000_000 });
      seen.push(`recorded ${r.stoppedBy} ${r.durationMs > 0}`);
      ch.hangup('deposit done');
    },
  };
}

/** A tiny menu: answer, read one digit, 1 -> extension 1002; 2 -> globex's 2001 (must not exist here); 3 -> an outside number with no cos; 4 -> one with cos national. */
const menuApp: CallApp = {
  async run(ch: AppChannel) {
    if (!(await ch.answer())) return;
    const got = await ch.readDigits({ max: 1, firstMs: 8000, interMs: 2000 });
    seen.push(`menu got ${got.digits}`);
    if (got.digits === '1') ch.continueTo({ type: 'extension', ext: '1002' });
    else if (got.digits === '2') ch.continueTo({ type: 'extension', ext: '2001' });
    else if (got.digits === '3') ch.continueTo({ type: 'number', number: '13035550123' });
    else if (got.digits === '4') ch.continueTo({ type: 'number', number: '13035550124' }, { cos: 'national' });
    else ch.hangup('no choice');
  },
};

const apps: CallApps = {
  voicemailDeposit: (tenant, box, reason) => (tenant.id === 'acme' && ['1002', '1004'].includes(box) ? depositApp(tenant, box, reason) : undefined),
  boxOfExtension: (tenant, e) => (tenant.id === 'acme' && ['1002', '1004'].includes(e) ? e : undefined),
  ivr: (tenant, name) => (tenant.id === 'acme' && name === 'menu' ? menuApp : undefined),
  featureCode: (tenant, _caller, dialled) => {
    if (dialled.startsWith('*')) seen.push(`feature ${tenant.id} ${dialled}`);
    return tenant.id === 'acme' && dialled === '*55' ? menuApp : undefined;
  },
  extensionPolicy: (tenant, e) => (tenant.id === 'acme' ? policies.get(e) : undefined),
};

test.before(async () => {
  carrierPort = await freeUdpPortOn(CARRIER);
  pbx = await InProcessPbx.start({
    name: 'app-legs',
    logger,
    extraYaml: 'calls: { noAnswerSeconds: 3 }',
    security: `tenantTrunkAllowedNetworks: [ "${CARRIER}/32" ]`,
    tenants: [
      {
        id: 'acme',
        domains: ['acme.example'],
        limits: { trunkCalls: 1 },
        extensions: [ext('1001'), ext('1002', { classOfService: 'national', callerId: '+14155550102' }), ext('1003'), ext('1004', { classOfService: 'internal' }), ext('1005'), ext('1006'), ext('1007')],
        extraYaml: [
          'countryCode: "1"',
          'nationalPrefix: "1"',
          'callerId: "+14155550100"',
          'dids: [ "+14155550100", "+14155550104", "+14155550105" ]',
          'trunks:',
          `  - { name: carrier, kind: ip, host: ${CARRIER}, port: ${carrierPort}, allowedSources: [ "${CARRIER}/32" ] }`,
          'inboundRoutes:',
          '  - { did: "+14155550100", destination: { extension: "1002" } }',
          '  - { did: "+14155550104", destination: { extension: "1004" } }',
          '  - { did: "+14155550105", destination: { extension: "1005" } }',
          'outboundRoutes:',
          '  - { name: national, patterns: [ "1NXXNXXXXXX" ], prepend: "+", trunks: [ carrier ] }',
          'conferences:',
          '  - { number: "800", name: "Bridge" }',
        ].join('\n'),
      },
      { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '2001', password: 'globex-2001-secret' }] },
    ],
  });
  pbx.server.callApps = apps;
  if (process.env.APP_LEGS_LOG) setInterval(() => { for (const l of logger.lines.splice(0)) console.error(l); }, 200).unref();
});

test.after(async () => {
  await pbx?.stop();
});

/** Phones registered by the current test: unregistered after it, so the next test rings only its own. */
let registeredPhones: UdpPhone[] = [];

test.before.each(() => {
  seen = [];
  policies.clear();
});

test.after.each(async () => {
  for (const p of registeredPhones.splice(0)) {
    p.answer = { kind: 'answer' };
    await p.register(0).catch(() => undefined);
  }
  await sleep(200);
});

function listen(p: UdpPhone): Int16Array[] {
  const got: Int16Array[] = [];
  p.rtp.on('message', (b: Buffer) => {
    if (b.length < 12 || b[0]! >> 6 !== 2 || (b[1]! & 0x7f) !== 0) return;
    const pcm = new Int16Array(b.length - 12);
    ulawDecodeInto(b.subarray(12), pcm);
    got.push(pcm);
  });
  return got;
}

function joined(frames: Int16Array[], from = 0): Int16Array {
  const part = frames.slice(from);
  const out = new Int16Array(part.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of part) {
    out.set(f, o);
    o += f.length;
  }
  return out;
}

async function until(check: () => boolean, ms = 8000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what} not met in time; seen: ${seen.join(' | ')}`);
    await sleep(20);
  }
}

async function registered(user: string, tenant = 'acme'): Promise<UdpPhone> {
  const p = await pbx.phone(tenant, user);
  assert.is(await p.register(), 200);
  registeredPhones.push(p);
  return p;
}

function cdrs(tenant = 'acme') {
  const s = SqliteTenantStore.open(join(pbx.dir, 'data'), tenant);
  try {
    return s.listCdrs({ newestFirst: true });
  } finally {
    s.close();
  }
}

const byeFrom = (p: UdpPhone, from: number) => p.next((m) => m.kind === 'request' && m.method === 'BYE', 10_000, from);
const inviteTo = (p: UdpPhone, ms = 6000) => p.next((m) => m.kind === 'request' && m.method === 'INVITE', ms).then(
  (m) => m as SipRequest,
  () => undefined,
);

test('a play destination (forwardAlways: play) answers, plays the prompt (energy), hangs up; the record says play', async () => {
  policies.set('1003', { dnd: false, forwardAlways: { type: 'play', prompt: 'thank-you' } });
  const a = await pbx.phone('acme', '1001');
  const heard = listen(a);
  const mark = a.mark();
  const res = await a.call('1003');
  assert.is(res.status, 200, `${res.status} ${res.reason}`);
  new PcmuSender(a, sdpPort(res), 0x1111, 1000).tone(400).catch(() => undefined);
  await byeFrom(a, mark);
  assert.ok(heard.length > 10, `frames heard ${heard.length}`);
  assert.ok(meanPower(joined(heard)) > 1000, 'the prompt has energy');
  await until(() => cdrs().some((r) => r.toExt === 'thank-you'), 5000, 'record');
  const r = cdrs().find((x) => x.toExt === 'thank-you')!;
  assert.is(r.disposition, 'answered');
  assert.match(r.hangupCause ?? '', /^play: /);
});

test('an application reads a digit and continues to an extension that answers: ringback (music on hold) while it rings, then tones pass both ways through the bridge', async () => {
  const b = await registered('1002');
  b.answer = { kind: 'answer', ringMs: 1500 };
  const a = await pbx.phone('acme', '1001');
  const heardA = listen(a);
  const heardB = listen(b);
  const res = await a.call('*55');
  assert.is(res.status, 200, `${res.status} ${res.reason}`);
  assert.ok(seen.includes('feature acme *55'), 'the feature code was looked up in the caller\'s tenant');
  const sa = new PcmuSender(a, sdpPort(res), 0x2222, 1000);
  await sa.tone(200);
  await sa.digit(1);
  const inv = await inviteTo(b);
  assert.ok(inv, 'the extension rings');
  assert.ok(seen.includes('menu got 1'));
  const ringingFrom = heardA.length;
  await sleep(1000);
  const ringback = joined(heardA, ringingFrom);
  assert.ok(ringback.length > 4000 && meanPower(ringback) > 1000, `the caller hears ringback while 1002 rings (${ringback.length} samples, power ${meanPower(ringback)})`);
  await until(() => b.received.some((m) => m.kind === 'request' && m.method === 'ACK'), 5000, '1002 answered');
  const sb = new PcmuSender(b, sdpPort(inv!), 0x3333, 600);
  await sleep(300);
  const fromA = heardB.length;
  const fromB = heardA.length;
  await Promise.all([sa.tone(1500), sb.tone(1500)]);
  const atB = joined(heardB, fromA + 10);
  const atA = joined(heardA, fromB + 10);
  assert.ok(toneShare(atB, 8000, 1000) > 0.5, `1002 hears 1001's 1 kHz: ${toneShare(atB, 8000, 1000)}`);
  assert.ok(toneShare(atA, 8000, 600) > 0.5, `1001 hears 1002's 600 Hz: ${toneShare(atA, 8000, 600)}`);
  const okCount = a.received.filter((m) => m.kind === 'response' && m.status === 200 && /INVITE/.test(m.headers.find((h) => h.name === 'cseq')?.value ?? '')).length;
  assert.ok(okCount >= 1);
  const bye = await a.inDialog('BYE');
  assert.is(bye.status, 200);
  await byeFrom(b, 0);
  await until(() => cdrs().some((r) => r.toExt === '1002' && r.disposition === 'answered' && r.bLegCallId !== undefined), 5000, 'bridged record');
});

test('no answer: the call goes to the extension\'s box (reason noanswer) and the caller\'s tone is recorded', async () => {
  const b = await registered('1002');
  b.answer = { kind: 'ring' };
  const a = await pbx.phone('acme', '1001');
  const res = await a.call('1002', { timeoutMs: 15_000 });
  assert.is(res.status, 200, `${res.status} ${res.reason}`);
  assert.ok(seen.includes('deposit acme 1002 noanswer'), seen.join(' | '));
  const mark = a.mark();
  await new PcmuSender(a, sdpPort(res), 0x4444, 800).tone(1400);
  await byeFrom(a, mark);
  await until(() => seen.some((s) => s.startsWith('recorded')), 5000, 'recorded');
  assert.ok(seen.some((s) => /^recorded (max|hangup) true$/.test(s)), seen.join(' | '));
  const path = join(pbx.dir, 'data', 'tenants', 'acme', 'voicemail', '1002-noanswer.wav');
  const fd = openSync(path, 'r');
  const info = readHeader(fd);
  closeSync(fd);
  assert.is(info.channels, 1, 'a mono recording of the caller');
  const wav = readFileSync(path);
  const pcm = new Int16Array(wav.buffer.slice(wav.byteOffset + info.dataOffset, wav.byteOffset + info.dataOffset + info.dataBytes));
  assert.ok(pcm.length > info.sampleRate / 2, `samples ${pcm.length}`);
  const share = toneShare(pcm, info.sampleRate, 800);
  assert.ok(share > 0.5, `the caller's 800 Hz is in the message: ${share}`);
  b.answer = { kind: 'answer' };
});

test('early media then busy: voicemail (reason busy) answers with the SDP the caller already got in the 183', async () => {
  const b = await registered('1002');
  b.answer = { kind: 'early-busy', afterMs: 300 };
  const a = await pbx.phone('acme', '1001');
  const res = await a.call('1002', { timeoutMs: 15_000 });
  assert.is(res.status, 200, `${res.status} ${res.reason}`);
  assert.ok(seen.includes('deposit acme 1002 busy'), seen.join(' | '));
  const early = a.received.find((m) => m.kind === 'response' && m.status === 183) as SipResponse | undefined;
  assert.ok(early && early.body.length > 0, 'the caller got early media');
  assert.is(res.body.toString(), early!.body.toString(), 'RFC 3261 §13.2.1: the same answer again');
  await byeFrom(a, 0);
});

test('busy with forwardBusy to a conference room: the room answers the caller', async () => {
  const b = await registered('1002');
  b.answer = { kind: 'busy' };
  policies.set('1002', { dnd: false, forwardBusy: { type: 'conference', room: '800' } });
  const a = await pbx.phone('acme', '1001');
  const res = await a.call('1002', { timeoutMs: 15_000 });
  assert.is(res.status, 200, `${res.status} ${res.reason}`);
  await until(() => pbx.server.conferences.counts('acme').get('800') === 1, 5000, 'in the room');
  assert.is((await a.inDialog('BYE')).status, 200);
  await until(() => cdrs().some((r) => r.hangupCause === 'sent to conference 800'), 5000, 'the ring\'s record');
});

test('busy goes to forwardBusy (another extension, bridged by the PBX)', async () => {
  const b = await registered('1002');
  b.answer = { kind: 'busy' };
  const c = await registered('1003');
  policies.set('1002', { dnd: false, forwardBusy: { type: 'extension', ext: '1003' } });
  const a = await pbx.phone('acme', '1001');
  const res = await a.call('1002', { timeoutMs: 15_000 });
  assert.is(res.status, 200, `${res.status} ${res.reason}`);
  assert.ok(await inviteTo(c), '1003 rings');
  await sleep(300);
  assert.is((await a.inDialog('BYE')).status, 200);
  await until(() => cdrs().some((r) => r.toExt === '1003' && r.disposition === 'answered'), 5000, 'record to 1003');
  b.answer = { kind: 'answer' };
});

test('DND: the extension does not ring; the call goes to its box (reason dnd)', async () => {
  const b = await registered('1002');
  policies.set('1002', { dnd: true });
  const a = await pbx.phone('acme', '1001');
  const res = await a.call('1002');
  assert.is(res.status, 200);
  assert.ok(seen.includes('deposit acme 1002 dnd'), seen.join(' | '));
  assert.is(await inviteTo(b, 200), undefined, 'no INVITE to a DND extension');
  // '#' (RFC 4733 event 11) ends the recording; its key press is cut from the message.
  const s = new PcmuSender(a, sdpPort(res), 0x7777, 900);
  await s.tone(800);
  await s.digit(11, 200);
  await byeFrom(a, 0);
  assert.ok(seen.includes('recorded digit true'), seen.join(' | '));
  const path = join(pbx.dir, 'data', 'tenants', 'acme', 'voicemail', '1002-dnd.wav');
  const fd = openSync(path, 'r');
  const info = readHeader(fd);
  closeSync(fd);
  const wav = readFileSync(path);
  const pcm = new Int16Array(wav.buffer.slice(wav.byteOffset + info.dataOffset, wav.byteOffset + info.dataOffset + info.dataBytes));
  // During the key press the phone sent no audio (silence in the file); with it cut, the message ends in the tone.
  const tail = pcm.subarray(pcm.length - Math.round(info.sampleRate * 0.08));
  assert.ok(meanPower(tail) > 1000 && toneShare(tail, info.sampleRate, 900) > 0.5, `the last 80 ms are the caller's tone (power ${meanPower(tail)}, share ${toneShare(tail, info.sampleRate, 900)})`);
});

test('an inbound trunk call forwarded (forwardAlways) to an outside number leaves through the carrier with the forwarding extension\'s COS and caller ID', async () => {
  policies.set('1002', { dnd: false, forwardAlways: { type: 'number', number: '13035550123' } });
  const carrier = await CarrierUas.start({ address: CARRIER, port: carrierPort, server: `127.0.0.1:${pbx.port}`, expectUser: '+13035550123', expectCallerId: '+14155550102', timeoutSeconds: 30 });
  try {
    const caller = await UdpPhone.open({ user: '+13125550199', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: CARRIER });
    try {
      const res = await caller.call('+14155550100', { timeoutMs: 15_000 });
      assert.is(res.status, 200, `${res.status} ${res.reason}`);
      const inv = await carrier.firstInvite(5000);
      assert.ok(inv, 'the carrier got the forwarded call');
      assert.match(inv!.startLine, /^INVITE sip:\+13035550123@/);
      assert.ok(headerValues(inv!.text, 'P-Asserted-Identity').some((v) => v.includes('+14155550102')), `the forwarding extension's caller ID: ${inv!.text}`);
      await sleep(300);
      await caller.inDialog('BYE').catch(() => undefined);
    } finally {
      caller.close();
    }
    await until(() => cdrs().some((r) => r.direction === 'outbound' && r.toNumber === '+13035550123'), 5000, 'outbound record');
  } finally {
    await carrier.dispose();
  }
});

test('toll fraud: a forward with an internal COS, an application without cos, and a plain inbound call never reach the carrier', async () => {
  // 1004 (COS internal) forwards everything outside; 1005 forwards to the menu, whose '3' dials out without a cos.
  policies.set('1004', { dnd: false, forwardAlways: { type: 'number', number: '13035550123' } });
  policies.set('1005', { dnd: false, forwardAlways: { type: 'ivr', name: 'menu' } });
  const carrier = await CarrierUas.start({ address: CARRIER, port: carrierPort, server: `127.0.0.1:${pbx.port}`, timeoutSeconds: 30 });
  try {
    const caller = await UdpPhone.open({ user: '+13125550199', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: CARRIER });
    try {
      // 1004's refused forward falls to its box.
      const r1 = await caller.call('+14155550104', { timeoutMs: 15_000 });
      assert.is(r1.status, 200, `${r1.status} ${r1.reason}`);
      assert.ok(seen.includes('deposit acme 1004 unavailable'), seen.join(' | '));
      await byeFrom(caller, 0).catch(() => undefined);
      // The menu's continueTo(number) with no cos: the tenant has no inboundCos, so internal: refused.
      const m = caller.mark();
      const r2 = await caller.call('+14155550105', { timeoutMs: 15_000 });
      assert.is(r2.status, 200);
      await new PcmuSender(caller, sdpPort(r2), 0x5555, 700).digit(3);
      await byeFrom(caller, m);
      assert.ok(seen.includes('menu got 3'), seen.join(' | '));
    } finally {
      caller.close();
    }
    assert.is(carrier.invites().length, 0, 'nothing left through the trunk');
  } finally {
    await carrier.dispose();
  }
});

test('an application continues to an outside number with its cos: the PBX rings the carrier, bridges, and the record is outbound', async () => {
  const carrier = await CarrierUas.start({ address: CARRIER, port: carrierPort, server: `127.0.0.1:${pbx.port}`, expectUser: '+13035550124', timeoutSeconds: 30 });
  try {
    const a = await pbx.phone('acme', '1001');
    const res = await a.call('*55');
    assert.is(res.status, 200);
    await new PcmuSender(a, sdpPort(res), 0x8888, 700).digit(4);
    const inv = await carrier.firstInvite(8000);
    assert.ok(inv, 'the carrier got the call');
    assert.match(inv!.startLine, /^INVITE sip:\+13035550124@/);
    await sleep(500);
    await a.inDialog('BYE');
    await until(() => cdrs().some((r) => r.direction === 'outbound' && r.toNumber === '+13035550124' && r.trunk === 'carrier' && r.answeredAt !== undefined), 5000, 'outbound record');
  } finally {
    await carrier.dispose();
  }
});

test('an application call is listed for its tenant only, and only its tenant can hang it up', async () => {
  const b2bua = (pbx.server as unknown as { b2bua: { listCalls(t: string): Array<{ callId: string; to: string; state: string }>; hangup(t: string, id: string, reason?: string): boolean } }).b2bua;
  const a = await pbx.phone('acme', '1001');
  const res = await a.call('*55');
  assert.is(res.status, 200);
  // In-dialog on an application leg: an UPDATE refresh (RFC 4028) and a re-INVITE get 200; the re-INVITE our same answer.
  const upd = await a.inDialog('UPDATE', undefined, [{ name: 'session-expires', value: '1800;refresher=uac' }, { name: 'supported', value: 'timer' }]);
  assert.is(upd.status, 200);
  assert.match(upd.headers.find((h) => h.name === 'session-expires')?.value ?? '', /^1800/);
  const re = await a.inDialog('INVITE', a.sdp('sendrecv', 2));
  assert.is(re.status, 200);
  assert.is(re.body.toString(), res.body.toString(), 'the media stays where it is');
  const mine = b2bua.listCalls('acme').find((c) => c.to === '*55');
  assert.ok(mine, 'listed in acme');
  assert.is(mine!.state, 'answered');
  assert.is(b2bua.listCalls('globex').length, 0, 'not in globex');
  assert.is(b2bua.hangup('globex', mine!.callId), false, 'globex cannot hang it up');
  const mark = a.mark();
  assert.is(b2bua.hangup('acme', mine!.callId, 'test over'), true);
  const bye = await byeFrom(a, mark);
  assert.match(bye.headers.find((h) => h.name === 'reason')?.value ?? '', /test over/);
  await until(() => cdrs().some((r) => r.callId === mine!.callId), 5000, 'record');
  assert.match(cdrs().find((r) => r.callId === mine!.callId)!.hangupCause ?? '', /^feature-code: hung up: test over/);
});

test('an inbound trunk call held by an application holds a trunk channel (limits.trunkCalls: 1): a second one gets 503', async () => {
  policies.set('1005', { dnd: false, forwardAlways: { type: 'ivr', name: 'menu' } });
  const open = () => UdpPhone.open({ user: '+13125550199', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: CARRIER });
  const first = await open();
  const second = await open();
  try {
    const r1 = await first.call('+14155550105');
    assert.is(r1.status, 200);
    const r2 = await second.call('+14155550105');
    assert.is(r2.status, 503, `${r2.status} ${r2.reason}`);
    await first.inDialog('BYE');
    await sleep(300);
    const r3 = await second.call('+14155550105');
    assert.is(r3.status, 200, 'the channel is free again');
    await second.inDialog('BYE');
  } finally {
    first.close();
    second.close();
  }
});

test('the forward hop limit (calls.maxForwardHops = 3) ends a chain of forwards', async () => {
  const phones = await Promise.all(['1003', '1005', '1006', '1007'].map((e) => registered(e)));
  policies.set('1002', { dnd: false, forwardAlways: { type: 'extension', ext: '1003' } });
  policies.set('1003', { dnd: false, forwardAlways: { type: 'extension', ext: '1005' } });
  policies.set('1005', { dnd: false, forwardAlways: { type: 'extension', ext: '1006' } });
  policies.set('1006', { dnd: false, forwardAlways: { type: 'extension', ext: '1007' } });
  const a = await pbx.phone('acme', '1001');
  const res = await a.call('1002');
  assert.is(res.status, 200);
  const [p1003, p1005, p1006, p1007] = phones;
  assert.ok(await inviteTo(p1006!, 3000), 'the third forward (to 1006) rings');
  assert.is(await inviteTo(p1007!, 500), undefined, 'no fourth forward');
  assert.is(p1003!.received.filter((m) => m.kind === 'request' && m.method === 'INVITE').length, 0);
  assert.is(p1005!.received.filter((m) => m.kind === 'request' && m.method === 'INVITE').length, 0);
  await a.inDialog('BYE');
});

test('isolation: acme\'s application cannot continue to globex\'s 2001; names resolve in acme only', async () => {
  const g = await registered('2001', 'globex');
  const a = await pbx.phone('acme', '1001');
  const res = await a.call('*55');
  assert.is(res.status, 200);
  const mark = a.mark();
  await new PcmuSender(a, sdpPort(res), 0x6666, 700).digit(2);
  await byeFrom(a, mark);
  assert.ok(seen.includes('menu got 2'));
  assert.is(g.received.filter((m) => m.kind === 'request' && m.method === 'INVITE').length, 0, 'globex 2001 never rings');
  // A globex caller dialling acme's feature code is looked up in globex (which has none).
  const gc = await pbx.phone('globex', '2001');
  seen = [];
  const r2 = await gc.call('*55');
  assert.ok(r2.status >= 400, `globex *55: ${r2.status}`);
  assert.ok(seen.every((s) => !s.includes('acme')), seen.join(' | '));
});

test.run();
