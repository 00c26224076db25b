// Transfers performed by the PBX (issue 12), against the real server with real phones over
// loopback UDP, a real media worker and real SQLite files: an inbound trunk call answered
// by 1001 and blind-transferred (REFER) to 1002: the carrier never sees a REFER, 1001 gets
// 202 and NOTIFY message/sipfrag (100 … 200) then BYE, the carrier's tone reaches 1002 and
// back; a transfer to a busy extension reports 486 and the carrier talks to 1001 again;
// bad input: Refer-To in another tenant's domain 403, a tel: international number from an
// internal-only extension 403, Replaces naming no dialog or another tenant's dialog 481.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ulawDecodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import { getHeader } from '../../src/sip/message/headers.js';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { memoryLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { PcmuSender } from '../support/pcmu-sender.js';
import { UdpPhone } from '../support/udp-phone.js';

const CARRIER = '127.0.0.10';
const logger = memoryLogger('info');
let pbx: InProcessPbx;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sdpPort = (m: SipResponse | SipRequest) => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
const ext = (e: string, more: Record<string, string> = {}) => ({ ext: e, password: `acme-${e}-secret`, ...more });
const isReq = (method: string) => (m: SipMessage) => m.kind === 'request' && m.method === method;
const logTail = () => logger.lines.slice(-40).join('\n');

test.before(async () => {
  pbx = await InProcessPbx.start({
    name: 'transfer',
    logger,
    extraYaml: 'calls: { noAnswerSeconds: 4 }',
    security: `tenantTrunkAllowedNetworks: [ "${CARRIER}/32" ]`,
    tenants: [
      {
        id: 'acme',
        domains: ['acme.example'],
        extensions: [ext('1001', { classOfService: 'national' }), ext('1002'), ext('1003'), ext('1004', { classOfService: 'internal' })],
        extraYaml: [
          'countryCode: "1"',
          'nationalPrefix: "1"',
          'dids: [ "+14155550100" ]',
          'trunks:',
          `  - { name: carrier, kind: ip, host: ${CARRIER}, port: 5099, allowedSources: [ "${CARRIER}/32" ] }`,
          'inboundRoutes:',
          '  - { did: "+14155550100", destination: { extension: "1001" } }',
          'outboundRoutes:',
          '  - { name: national, patterns: [ "1NXXNXXXXXX" ], prepend: "+", trunks: [ carrier ] }',
          '  - { name: world, patterns: [ "011X." ], trunks: [ carrier ] }',
        ].join('\n'),
      },
      { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '2001', password: 'globex-2001-secret' }, { ext: '2002', password: 'globex-2002-secret' }] },
    ],
  });
});

test.after(async () => {
  if (process.env.TRANSFER_LOG) console.error(logger.lines.join('\n'));
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

function cdrs(tenant = 'acme') {
  const s = SqliteTenantStore.open(join(pbx.dir, 'data'), tenant);
  try {
    return s.listCdrs({ newestFirst: true });
  } finally {
    s.close();
  }
}

/** The carrier calls the DID; 1001 answers. Returns the carrier (its 200) and 1001 (the INVITE it got). */
async function inboundToReceptionist(): Promise<{ carrier: UdpPhone; r1001: UdpPhone; ok: SipResponse; inv: SipRequest }> {
  const r1001 = await registered('1001');
  const carrier = await UdpPhone.open({ user: '+13125550199', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: CARRIER });
  const ok = await carrier.call('+14155550100', { timeoutMs: 10_000 });
  assert.is(ok.status, 200, `the inbound call is answered: ${ok.status} ${ok.reason}\n${logTail()}`);
  const inv = (await r1001.next(isReq('INVITE'))) as SipRequest;
  await sleep(200);
  return { carrier, r1001, ok, inv };
}

const sipfrags = (p: UdpPhone, from: number) =>
  p.received
    .slice(from)
    .filter((m): m is SipRequest => m.kind === 'request' && m.method === 'NOTIFY')
    .map((m) => `${getHeader(m, 'event')}|${getHeader(m, 'content-type')}|${m.body.toString().trim()}|${(getHeader(m, 'subscription-state') ?? '').split(';')[0]}`);

test('blind transfer of an inbound trunk call from the answering extension to another: 202, NOTIFY sipfrag 100…200, BYE to the transferor, no REFER at the carrier, tones both ways', async () => {
  const { carrier, r1001, ok } = await inboundToReceptionist();
  const t1002 = await registered('1002');
  t1002.answer = { kind: 'answer', ringMs: 600 };
  const atCarrier = listen(carrier);
  const at1002 = listen(t1002);
  try {
    const mark = r1001.mark();
    const refer = await r1001.inDialog('REFER', undefined, [{ name: 'refer-to', value: '<sip:1002@acme.example>' }, { name: 'referred-by', value: '<sip:1001@acme.example>' }]);
    assert.is(refer.status, 202, `${refer.status} ${refer.reason}\n${logTail()}`);
    const inv = (await t1002.next(isReq('INVITE'), 5000)) as SipRequest;
    assert.match(getHeader(inv, 'from') ?? '', /\+13125550199/, 'the target sees the transferee calling');
    assert.match(getHeader(inv, 'referred-by') ?? '', /1001/);
    await r1001.next(isReq('BYE'), 8000, mark);
    const frags = sipfrags(r1001, mark);
    assert.ok(frags[0]?.startsWith('refer;id='), `Event: refer: ${frags[0]}`);
    assert.equal(frags.map((f) => f.split('|').slice(1).join('|').replace(/^[^|]*\|/, (s) => (/message\/sipfrag/i.test(s) ? 'sipfrag|' : s))), ['sipfrag|SIP/2.0 100 Trying|active', 'sipfrag|SIP/2.0 180 Ringing|active', 'sipfrag|SIP/2.0 200 OK|terminated']);
    await sleep(300);
    // Tones between the carrier (the transferee) and 1002 (the target) through the same media session.
    const sc = new PcmuSender(carrier, sdpPort(ok), 0x1111, 1000);
    const s2 = new PcmuSender(t1002, sdpPort(inv), 0x2222, 600);
    const fromC = at1002.length;
    const from2 = atCarrier.length;
    await Promise.all([sc.tone(1500), s2.tone(1500)]);
    const heard2 = joined(at1002, fromC + 10);
    const heardC = joined(atCarrier, from2 + 10);
    assert.ok(toneShare(heard2, 8000, 1000) > 0.5, `1002 hears the carrier's 1 kHz: ${toneShare(heard2, 8000, 1000)} over ${heard2.length} samples`);
    assert.ok(toneShare(heardC, 8000, 600) > 0.5, `the carrier hears 1002's 600 Hz: ${toneShare(heardC, 8000, 600)}`);
    assert.equal(carrier.received.filter((m) => m.kind === 'request').map((m) => (m as SipRequest).method), [], 'the carrier got no request at all (no REFER, no re-INVITE, no BYE)');
    const bye = await carrier.inDialog('BYE');
    assert.is(bye.status, 200);
    await t1002.next(isReq('BYE'), 5000);
    await sleep(300);
    const rows = cdrs();
    assert.ok(rows.some((r) => /^transferred by 1001 to 1002/.test(r.hangupCause ?? '') && r.toExt === '1001' && r.direction === 'inbound'), `the segment before the transfer: ${JSON.stringify(rows.slice(0, 3))}`);
    const seg = rows.find((r) => /^transferred by 1001/.test(r.hangupCause ?? ''))!;
    assert.ok(rows.some((r) => r.toExt === '1002' && r.aLegCallId === seg.aLegCallId && r.callId !== seg.callId && r.hangupCause === 'BYE from caller'), 'the call that went on names 1002, with the same aLegCallId');
  } finally {
    carrier.close();
    await r1001.register(0);
    await t1002.register(0);
  }
});

test('a transfer to a busy extension fails: NOTIFY 486, the carrier talks to the transferor again (tones)', async () => {
  const { carrier, r1001, ok, inv } = await inboundToReceptionist();
  const t1003 = await registered('1003');
  t1003.answer = { kind: 'busy' };
  const atCarrier = listen(carrier);
  const at1001 = listen(r1001);
  try {
    const mark = r1001.mark();
    const refer = await r1001.inDialog('REFER', undefined, [{ name: 'refer-to', value: '<sip:1003@acme.example>' }]);
    assert.is(refer.status, 202);
    await r1001.next((m) => m.kind === 'request' && m.method === 'NOTIFY' && /486/.test(m.body.toString()), 5000, mark);
    const frags = sipfrags(r1001, mark);
    assert.match(frags[frags.length - 1] ?? '', /SIP\/2.0 486 Busy Here\|terminated$/);
    await sleep(300);
    const sc = new PcmuSender(carrier, sdpPort(ok), 0x3333, 1000);
    const s1 = new PcmuSender(r1001, sdpPort(inv), 0x4444, 600);
    const fromC = at1001.length;
    const from1 = atCarrier.length;
    await Promise.all([sc.tone(1200), s1.tone(1200)]);
    assert.ok(toneShare(joined(at1001, fromC + 10), 8000, 1000) > 0.5, '1001 hears the carrier again');
    assert.ok(toneShare(joined(atCarrier, from1 + 10), 8000, 600) > 0.5, 'the carrier hears 1001 again');
    assert.ok(!r1001.received.slice(mark).some(isReq('BYE')), 'the transferor is not hung up');
    assert.equal(carrier.received.filter(isReq('REFER')).length, 0);
    assert.is((await carrier.inDialog('BYE')).status, 200);
    await r1001.next(isReq('BYE'), 5000, mark);
  } finally {
    carrier.close();
    await r1001.register(0);
    await t1003.register(0);
  }
});

test('the transferor hangs up after 202 and the target does not answer: the PBX rings the transferor back', async () => {
  const { carrier, r1001 } = await inboundToReceptionist();
  const t1003 = await registered('1003');
  // It rings and never answers (calls.noAnswerSeconds 4): a target that declined at once
  // could do so before the transferor's BYE is read (the two come from different sources,
  // which with SIP front threads may be read by different threads), and then the transferee
  // is rightly given back to the transferor, whose BYE ends the call: nothing to ring back.
  t1003.answer = { kind: 'ring' };
  try {
    const mark = r1001.mark();
    assert.is((await r1001.inDialog('REFER', undefined, [{ name: 'refer-to', value: '<sip:1003@acme.example>' }])).status, 202);
    assert.is((await r1001.inDialog('BYE')).status, 200);
    const back = (await r1001.next(isReq('INVITE'), 12_000, mark)) as SipRequest;
    assert.match(getHeader(back, 'from') ?? '', /\+13125550199/, 'the transferee calls the transferor back');
    await sleep(300);
    assert.equal(carrier.received.filter((m) => m.kind === 'request').map((m) => (m as SipRequest).method), [], 'the carrier saw nothing of it');
    assert.is((await carrier.inDialog('BYE')).status, 200);
    await r1001.next((m) => isReq('BYE')(m) && getHeader(m, 'call-id') === getHeader(back, 'call-id'), 5000, mark);
  } finally {
    carrier.close();
    await r1001.register(0);
    await t1003.register(0);
  }
});

test('bad input: Refer-To in another tenant\'s domain 403; tel: international from an internal-only extension 403; Replaces for no dialog or another tenant\'s dialog 481; nothing reaches the other party', async () => {
  const g1 = await registered('2001', 'globex');
  const g2 = await registered('2002', 'globex');
  const a4 = await registered('1004');
  const a2 = await registered('1002');
  try {
    assert.is((await g1.call('2002')).status, 200, 'a globex call is up');
    await g2.next(isReq('ACK'));
    assert.is((await a4.call('1002')).status, 200, `an acme call is up\n${logTail()}`);
    await a2.next(isReq('ACK'));
    const mark2 = a2.mark();
    const refer = (value: string) => a4.inDialog('REFER', undefined, [{ name: 'refer-to', value }]);
    assert.is((await refer('<sip:2001@globex.example>')).status, 403, 'another tenant\'s domain');
    assert.is((await refer('<tel:+442079460123>')).status, 403, 'an international number from an internal-only extension');
    assert.is((await refer('<sip:011442079460123@acme.example>')).status, 403, 'the same number dialled as a sip: user');
    assert.is((await refer('<sip:1003@acme.example?Replaces=nosuchcall%3Bto-tag%3Da%3Bfrom-tag%3Db>')).status, 481, 'Replaces naming no dialog');
    const gd = g1.dialog!;
    const foreign = encodeURIComponent(`${gd.callId};to-tag=${gd.remoteTag};from-tag=${gd.localTag}`);
    assert.is((await refer(`<sip:2002@acme.example?Replaces=${foreign}>`)).status, 481, 'Replaces naming a globex dialog: the same answer as none');
    const foreign2 = encodeURIComponent(`${gd.callId};to-tag=${gd.localTag};from-tag=${gd.remoteTag}`);
    assert.is((await refer(`<sip:2002@acme.example?Replaces=${foreign2}>`)).status, 481);
    assert.is((await a4.inDialog('REFER')).status, 400, 'no Refer-To');
    assert.is((await refer('<mailto:x@acme.example>')).status, 403);
    await sleep(200);
    assert.equal(a2.received.slice(mark2).filter((m) => m.kind === 'request').map((m) => (m as SipRequest).method), [], 'the other party saw nothing');
    assert.ok(!g2.received.some(isReq('BYE')) && !g1.received.some(isReq('BYE')), 'the globex call was not touched');
    assert.is((await a4.inDialog('BYE')).status, 200);
    assert.is((await g1.inDialog('BYE')).status, 200);
  } finally {
    for (const p of [g1, g2, a4, a2]) await p.register(0);
  }
});

test.run();
