// Attended transfer performed by the PBX (issue 12, RFC 5589 §7 with RFC 3891 Replaces),
// against the real server with real phones over loopback UDP, a real media worker and real
// SQLite files. 1001 answers a call (an inbound trunk call, or an internal one from 1002),
// consults an outside number through the trunk (a second phone of 1001 playing its second
// line), and REFERs with Replaces naming the consultation dialog: the PBX re-INVITEs the
// outside party onto the first call's media session, 1001 gets NOTIFY sipfrag 200 and a
// BYE on both legs, and the two remaining parties hear each other (tones both ways). Bad
// input: Replaces naming another tenant's dialog 481, another party's dialog 403,
// early-only 486. BLF: after a blind transfer the transferor's lamp goes idle at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ulawDecodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import { getHeader, tagOf } from '../../src/sip/message/headers.js';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { memoryLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { PcmuSender } from '../support/pcmu-sender.js';
import { UdpPhone } from '../support/udp-phone.js';
import { UdpSubscriber } from '../support/udp-subscriber.js';

const CARRIER = '127.0.0.13';
const logger = memoryLogger('info');
let pbx: InProcessPbx;
/** The carrier's side that receives the PBX's outbound calls, at the trunk's port. */
let carrierOut: UdpPhone;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sdpPort = (m: SipResponse | SipRequest) => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
const ext = (e: string, more: Record<string, string> = {}) => ({ ext: e, password: `acme-${e}-secret`, ...more });
const isReq = (method: string) => (m: SipMessage) => m.kind === 'request' && m.method === method;
const logTail = () => logger.lines.slice(-40).join('\n');

test.before(async () => {
  carrierOut = await UdpPhone.open({ user: 'carrier', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: 5060 }, bindAddress: CARRIER });
  pbx = await InProcessPbx.start({
    name: 'attended',
    logger,
    extraYaml: 'calls: { noAnswerSeconds: 6 }',
    security: `tenantTrunkAllowedNetworks: [ "${CARRIER}/32" ]`,
    tenants: [
      {
        id: 'acme',
        domains: ['acme.example'],
        extensions: [ext('1001', { classOfService: 'national' }), ext('1002'), ext('1003'), ext('1004'), ext('1005')],
        extraYaml: [
          'countryCode: "1"',
          'nationalPrefix: "1"',
          'dids: [ "+14155550100" ]',
          'trunks:',
          `  - { name: carrier, kind: ip, host: ${CARRIER}, port: ${carrierOut.sipPort}, allowedSources: [ "${CARRIER}/32" ] }`,
          'inboundRoutes:',
          '  - { did: "+14155550100", destination: { extension: "1001" } }',
          'outboundRoutes:',
          '  - { name: national, patterns: [ "1NXXNXXXXXX" ], prepend: "+", trunks: [ carrier ] }',
        ].join('\n'),
      },
      { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '2001', password: 'globex-2001-secret' }, { ext: '2002', password: 'globex-2002-secret' }] },
    ],
  });
  carrierOut.o.server.port = pbx.port;
});

test.after(async () => {
  if (process.env.ATTENDED_LOG) console.error(logger.lines.join('\n'));
  carrierOut?.close();
  await pbx?.stop();
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

async function registered(user: string, tenant = 'acme'): Promise<UdpPhone> {
  const p = await pbx.phone(tenant, user);
  assert.is(await p.register(), 200);
  return p;
}

/** 1001's second line: a phone of its own (not registered) that places the consultation call. */
async function secondLine(user = '1001'): Promise<UdpPhone> {
  return UdpPhone.open({ user, domain: 'acme.example', password: `acme-${user}-secret`, server: { host: '127.0.0.1', port: pbx.port } });
}

/** Replaces for a dialog as the phone holding it sees it (RFC 3891 §6.1), escaped for a Refer-To URI. */
function replacesOf(p: UdpPhone, earlyOnly = false): string {
  const d = p.dialog!;
  return encodeURIComponent(`${d.callId};to-tag=${d.remoteTag};from-tag=${d.localTag}${earlyOnly ? ';early-only' : ''}`);
}

const sipfrags = (p: UdpPhone, from: number) =>
  p.received
    .slice(from)
    .filter((m): m is SipRequest => m.kind === 'request' && m.method === 'NOTIFY')
    .map((m) => `${m.body.toString().trim()}|${(getHeader(m, 'subscription-state') ?? '').split(';')[0]}`);

/** 1001's second line calls an outside number through the trunk; the carrier answers. */
async function consult(x2: UdpPhone): Promise<{ atCarrier: SipRequest }> {
  const mark = carrierOut.mark();
  const ok = await x2.call('14155550123', { timeoutMs: 10_000 });
  assert.is(ok.status, 200, `the consultation call through the trunk is answered: ${ok.status}\n${logTail()}`);
  const atCarrier = (await carrierOut.next(isReq('INVITE'), 5000, mark)) as SipRequest;
  assert.is(getHeader(atCarrier, 'to')?.includes('+14155550123'), true);
  await sleep(200);
  return { atCarrier };
}

/** Tones both ways between two phones through the PBX; each sends to the port the PBX gave it. */
async function hearEachOther(p: UdpPhone, pPort: number, q: UdpPhone, qPort: number, what: string): Promise<void> {
  const atP = listen(p);
  const atQ = listen(q);
  const sp = new PcmuSender(p, pPort, 0x5151, 1000);
  const sq = new PcmuSender(q, qPort, 0x6161, 600);
  await Promise.all([sp.tone(1500), sq.tone(1500)]);
  const heardQ = joined(atQ, 10);
  const heardP = joined(atP, 10);
  assert.ok(toneShare(heardQ, 8000, 1000) > 0.5, `${what}: the second party hears the first's 1 kHz: ${toneShare(heardQ, 8000, 1000)} over ${heardQ.length} samples`);
  assert.ok(toneShare(heardP, 8000, 600) > 0.5, `${what}: the first party hears the second's 600 Hz: ${toneShare(heardP, 8000, 600)} over ${heardP.length} samples`);
}

test('attended transfer of an inbound trunk call to an outside number consulted through the trunk: 202, NOTIFY 100…200, BYE on both of 1001\'s legs, the two carriers\' legs hear each other', async () => {
  const r1001 = await registered('1001');
  const carrierIn = await UdpPhone.open({ user: '+13125550199', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: CARRIER });
  const x2 = await secondLine();
  try {
    const okIn = await carrierIn.call('+14155550100', { timeoutMs: 10_000 });
    assert.is(okIn.status, 200, `the inbound call is answered\n${logTail()}`);
    await r1001.next(isReq('INVITE'));
    await sleep(200);
    await consult(x2);
    const markC = carrierOut.mark();
    const mark1 = r1001.mark();
    const mark2 = x2.mark();
    const refer = await r1001.inDialog('REFER', undefined, [{ name: 'refer-to', value: `<sip:14155550123@acme.example?Replaces=${replacesOf(x2)}>` }, { name: 'referred-by', value: '<sip:1001@acme.example>' }]);
    assert.is(refer.status, 202, `${refer.status} ${refer.reason}\n${logTail()}`);
    const reinvite = (await carrierOut.next((m) => isReq('INVITE')(m) && tagOf(getHeader(m, 'to')) !== undefined, 5000, markC)) as SipRequest;
    await r1001.next(isReq('BYE'), 5000, mark1);
    await x2.next(isReq('BYE'), 5000, mark2);
    assert.equal(sipfrags(r1001, mark1), ['SIP/2.0 100 Trying|active', 'SIP/2.0 200 OK|terminated']);
    assert.ok(!carrierOut.received.slice(markC).some(isReq('BYE')), 'the consultation target is not hung up: its dialog moved');
    assert.equal(carrierIn.received.filter((m) => m.kind === 'request').map((m) => (m as SipRequest).method), [], 'the inbound carrier saw nothing of the transfer');
    await sleep(300);
    await hearEachOther(carrierIn, sdpPort(okIn), carrierOut, sdpPort(reinvite), 'inbound carrier ↔ consulted number');
    assert.is((await carrierIn.inDialog('BYE')).status, 200);
    await carrierOut.next(isReq('BYE'), 5000, markC);
  } finally {
    carrierIn.close();
    x2.close();
    await r1001.register(0);
  }
});

test('attended transfer of an internal call after a hold: the held caller is taken off hold and talks to the outside number', async () => {
  const r1001 = await registered('1001');
  const a1002 = await registered('1002');
  const x2 = await secondLine();
  try {
    const ok = await a1002.call('1001');
    assert.is(ok.status, 200, `1002 → 1001 answered\n${logTail()}`);
    await r1001.next(isReq('ACK'));
    // 1001 holds 1002 before consulting (RFC 5359 §2.4).
    assert.is((await r1001.inDialog('INVITE', r1001.sdp('sendonly', 2))).status, 200);
    await consult(x2);
    const markA = a1002.mark();
    const markC = carrierOut.mark();
    const mark1 = r1001.mark();
    assert.is((await r1001.inDialog('REFER', undefined, [{ name: 'refer-to', value: `<sip:14155550123@acme.example?Replaces=${replacesOf(x2)}>` }])).status, 202);
    const reinvite = (await carrierOut.next((m) => isReq('INVITE')(m) && tagOf(getHeader(m, 'to')) !== undefined, 5000, markC)) as SipRequest;
    await r1001.next(isReq('BYE'), 5000, mark1);
    const resume = (await a1002.next(isReq('INVITE'), 5000, markA)) as SipRequest;
    assert.match(resume.body.toString(), /a=sendrecv/, 'the held party is offered sendrecv again');
    await sleep(300);
    await hearEachOther(a1002, sdpPort(ok), carrierOut, sdpPort(reinvite), '1002 ↔ consulted number');
    assert.is((await carrierOut.inDialog('BYE')).status, 200, 'the outside party hangs up the joined call');
    await a1002.next(isReq('BYE'), 5000, markA);
  } finally {
    x2.close();
    await r1001.register(0);
    await a1002.register(0);
  }
});

test('bad input: Replaces naming another tenant\'s dialog 481, another party\'s dialog 403, early-only 486; both calls go on untouched', async () => {
  const a3 = await registered('1003');
  const a4 = await registered('1004');
  const a5 = await registered('1005');
  const a2 = await registered('1002');
  const g1 = await registered('2001', 'globex');
  const g2 = await registered('2002', 'globex');
  try {
    assert.is((await g1.call('2002')).status, 200);
    await g2.next(isReq('ACK'));
    assert.is((await a3.call('1004')).status, 200);
    await a4.next(isReq('ACK'));
    assert.is((await a5.call('1002')).status, 200);
    await a2.next(isReq('ACK'));
    const mark4 = a4.mark();
    const mark2 = a2.mark();
    const refer = (value: string) => a3.inDialog('REFER', undefined, [{ name: 'refer-to', value }]);
    assert.is((await refer(`<sip:2002@acme.example?Replaces=${replacesOf(g1)}>`)).status, 481, 'a globex dialog: the same answer as none');
    assert.is((await refer(`<sip:1002@acme.example?Replaces=${replacesOf(a5)}>`)).status, 403, "1005's dialog is not 1003's to hand over");
    const x2 = await secondLine('1003');
    try {
      assert.is((await x2.call('1005')).status, 200);
      await a5.next(isReq('INVITE'));
      assert.is((await refer(`<sip:1005@acme.example?Replaces=${replacesOf(x2, true)}>`)).status, 486, 'early-only for an answered dialog (RFC 3891 §3)');
      assert.is((await x2.inDialog('BYE')).status, 200);
    } finally {
      x2.close();
    }
    await sleep(200);
    assert.equal(a4.received.slice(mark4).filter((m) => m.kind === 'request').map((m) => (m as SipRequest).method), [], 'the transferee saw nothing');
    assert.ok(!a2.received.slice(mark2).some(isReq('BYE')) && !g2.received.some(isReq('BYE')), 'the other calls were not touched');
    assert.is((await a3.inDialog('BYE')).status, 200);
    assert.is((await a2.inDialog('BYE')).status, 200, 'the 1005 → 1002 call is still up');
    assert.is((await g1.inDialog('BYE')).status, 200);
  } finally {
    for (const p of [a3, a4, a5, a2, g1, g2]) await p.register(0);
  }
});

test('INVITE with Replaces (RFC 3891 §3) from 1003 for 1001\'s dialog: 1003 takes 1001\'s place (200 with the answer, BYE to 1001), 1002 and 1003 hear each other; another tenant\'s phone or an unknown dialog: 481; early-only: 486', async () => {
  const r1001 = await registered('1001');
  const a1002 = await registered('1002');
  const n1003 = await registered('1003');
  const g1 = await registered('2001', 'globex');
  try {
    const ok = await a1002.call('1001');
    assert.is(ok.status, 200);
    await r1001.next(isReq('ACK'));
    const d = r1001.dialog!;
    const replaces = `${d.callId};to-tag=${d.localTag};from-tag=${d.remoteTag}`;
    const markA = a1002.mark();
    const mark1 = r1001.mark();
    assert.is((await g1.call('1001', { domain: 'acme.example', headers: [{ name: 'replaces', value: replaces }] })).status, 403, 'a globex phone is not let into the acme domain at all');
    assert.is((await g1.call('2002', { headers: [{ name: 'replaces', value: replaces }] })).status, 481, "acme's dialog from globex: as if none");
    assert.is((await n1003.call('1001', { headers: [{ name: 'replaces', value: 'nosuch;to-tag=a;from-tag=b' }] })).status, 481, 'no such dialog');
    assert.is((await n1003.call('1001', { headers: [{ name: 'replaces', value: `${replaces};early-only` }] })).status, 486, 'early-only for a confirmed dialog');
    assert.equal(a1002.received.slice(markA).filter((m) => m.kind === 'request').length, 0, 'nothing reached the call meanwhile');
    const taken = await n1003.call('1001', { headers: [{ name: 'replaces', value: replaces }] });
    assert.is(taken.status, 200, `${taken.status} ${taken.reason}\n${logTail()}`);
    await r1001.next(isReq('BYE'), 5000, mark1);
    await a1002.next(isReq('INVITE'), 5000, markA);
    await sleep(300);
    await hearEachOther(a1002, sdpPort(ok), n1003, sdpPort(taken), '1002 ↔ 1003 that replaced 1001');
    assert.is((await n1003.inDialog('BYE')).status, 200);
    await a1002.next(isReq('BYE'), 5000, markA);
  } finally {
    for (const p of [r1001, a1002, n1003, g1]) await p.register(0);
  }
});

test('BLF: after a blind transfer the transferor\'s lamp goes idle at once and the target\'s is busy', async () => {
  const r1001 = await registered('1001');
  const t1002 = await registered('1002');
  const carrierIn = await UdpPhone.open({ user: '+13125550199', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: CARRIER });
  const watch1001 = await UdpSubscriber.open({ user: '1003', domain: 'acme.example', password: 'acme-1003-secret', server: { host: '127.0.0.1', port: pbx.port } });
  const watch1002 = await UdpSubscriber.open({ user: '1003', domain: 'acme.example', password: 'acme-1003-secret', server: { host: '127.0.0.1', port: pbx.port } });
  try {
    assert.is((await watch1001.subscribe('1001', { event: 'dialog', expires: 600 }))?.status, 200);
    assert.is((await watch1002.subscribe('1002', { event: 'dialog', expires: 600 }))?.status, 200);
    assert.is((await carrierIn.call('+14155550100', { timeoutMs: 10_000 })).status, 200);
    await watch1001.nextNotify(0, 5000, (m) => /<state>confirmed<\/state>/.test(m.body.toString()));
    const from1 = watch1001.notifies.length;
    const from2 = watch1002.notifies.length;
    assert.is((await r1001.inDialog('REFER', undefined, [{ name: 'refer-to', value: '<sip:1002@acme.example>' }])).status, 202);
    await r1001.next(isReq('BYE'), 8000);
    await watch1002.nextNotify(from2, 5000, (m) => /<state>confirmed<\/state>/.test(m.body.toString()));
    // The call goes on (carrier ↔ 1002), but 1001 is no longer in it: idle now, not at the call's end.
    const idle = await watch1001.nextNotify(from1, 5000, (m) => !/<state>(trying|proceeding|early|confirmed)<\/state>/.test(m.body.toString())).catch(() => undefined);
    assert.ok(idle, `1001 idle: ${watch1001.notifies.slice(from1 - 1).map((m) => m.body.toString()).join('\n')}`);
    assert.is((await carrierIn.inDialog('BYE')).status, 200);
    await t1002.next(isReq('BYE'), 5000);
  } finally {
    watch1001.close();
    watch1002.close();
    carrierIn.close();
    await r1001.register(0);
    await t1002.register(0);
  }
});

test('BLF: an extension in its voicemail (an application leg the PBX answers) shows busy, and idle when it hangs up', async () => {
  const a5 = await registered('1005');
  const watch = await UdpSubscriber.open({ user: '1003', domain: 'acme.example', password: 'acme-1003-secret', server: { host: '127.0.0.1', port: pbx.port } });
  try {
    assert.is((await watch.subscribe('1005', { event: 'dialog', expires: 600 }))?.status, 200);
    const ok = await a5.call('*97');
    assert.is(ok.status, 200, `voicemail answers *97\n${logTail()}`);
    await watch.nextNotify(0, 5000, (m) => /<state>confirmed<\/state>/.test(m.body.toString()));
    const from = watch.notifies.length;
    assert.is((await a5.inDialog('BYE')).status, 200);
    await watch.nextNotify(from, 5000, (m) => !/<state>(trying|proceeding|early|confirmed)<\/state>/.test(m.body.toString()));
  } finally {
    watch.close();
    await a5.register(0);
  }
});

test.run();
