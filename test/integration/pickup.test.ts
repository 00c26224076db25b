// Call pickup (issue 12, point 2) against the real server, with UDP phones over loopback, a
// real media worker and real SQLite files: directed pickup (**1002) and group pickup (*8)
// of a ringing call: the ringing phone gets CANCEL, the caller and the picker get 200 and
// hear each other's tones, the record names the picker; a ring group's call is picked up
// too; a pickup with nothing ringing gets 404; another tenant's ringing call is never
// touched, even when its extension has the same number.
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
const logger = memoryLogger(process.env.PICKUP_LOG === 'debug' ? 'debug' : 'info');
let pbx: InProcessPbx;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sdpPort = (m: SipResponse | SipRequest) => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
const isReq = (method: string) => (m: SipMessage) => m.kind === 'request' && m.method === method;
const logTail = () => logger.lines.slice(-30).join('\n');
const acme = (e: string) => ({ ext: e, password: `acme-${e}-secret` });
const globex = (e: string) => ({ ext: e, password: `globex-${e}-secret` });

test.before(async () => {
  pbx = await InProcessPbx.start({
    name: 'pickup',
    logger,
    extraYaml: 'calls: { noAnswerSeconds: 20 }',
    security: `tenantTrunkAllowedNetworks: [ "${CARRIER}/32" ]`,
    tenants: [
      {
        id: 'acme',
        domains: ['acme.example'],
        extensions: [acme('1001'), acme('1002'), acme('1003'), acme('1004'), acme('1005')],
        extraYaml: [
          'pickupGroups:',
          '  sales: [ "1002", "1003" ]',
          '  support: [ "1004", "1005" ]',
          'ringGroups:',
          '  - { name: support-line, strategy: simultaneous, members: [ "1004", "1005" ] }',
          'countryCode: "1"',
          'dids: [ "+14155550100" ]',
          'trunks:',
          `  - { name: carrier, kind: ip, host: ${CARRIER}, port: 5099, allowedSources: [ "${CARRIER}/32" ] }`,
          'inboundRoutes:',
          '  - { did: "+14155550100", destination: { ringGroup: support-line } }',
        ].join('\n'),
      },
      // Same extension numbers in another tenant.
      { id: 'globex', domains: ['globex.example'], extensions: [globex('1001'), globex('1002'), globex('1003')], extraYaml: 'pickupGroups:\n  all: [ "1002", "1003" ]\nfeatureCodes: { pickup: "*55", directedPickup: false }' },
    ],
  });
});

test.after(async () => {
  if (process.env.PICKUP_LOG) console.error(logger.lines.join('\n'));
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

/** `caller` calls `callee`, whose phones ring (and never answer); resolves once they ring. */
async function ringing(caller: UdpPhone, callee: string, phones: UdpPhone[]): Promise<{ final: Promise<SipResponse> }> {
  for (const p of phones) p.answer = { kind: 'ring' };
  const marks = phones.map((p) => p.mark());
  const final = caller.call(callee, { timeoutMs: 20_000 });
  await Promise.all(phones.map((p, i) => p.next(isReq('INVITE'), 5000, marks[i])));
  await sleep(200);
  // Wrapped: an async function returning a promise would wait for it.
  return { final };
}

/** Tones both ways between two answered phones: each hears the other's frequency. */
async function tonesBothWays(a: UdpPhone, aPort: number, b: UdpPhone, bPort: number): Promise<void> {
  const atA = listen(a);
  const atB = listen(b);
  await Promise.all([new PcmuSender(a, aPort, 0x1111, 1000).tone(1500), new PcmuSender(b, bPort, 0x2222, 600).tone(1500)]);
  const heardB = joined(atB, 10);
  const heardA = joined(atA, 10);
  assert.ok(toneShare(heardB, 8000, 1000) > 0.5, `the picker hears the caller's 1 kHz: ${toneShare(heardB, 8000, 1000)} over ${heardB.length} samples`);
  assert.ok(toneShare(heardA, 8000, 600) > 0.5, `the caller hears the picker's 600 Hz: ${toneShare(heardA, 8000, 600)} over ${heardA.length} samples`);
}

test('directed pickup: **1002 takes the call ringing 1002; 1002 gets CANCEL, caller and picker talk (tones both ways), the record names the picker', async () => {
  const [c1001, p1002, p1003] = [await registered('1001'), await registered('1002'), await registered('1003')];
  const { final: callerFinal } = await ringing(c1001, '1002', [p1002]);
  const mark2 = p1002.mark();
  const picked = await p1003.call('**1002');
  assert.is(picked.status, 200, `${picked.status} ${picked.reason}\n${logTail()}`);
  const answered = await callerFinal;
  assert.is(answered.status, 200, 'the caller gets its 200');
  const cancel = (await p1002.next(isReq('CANCEL'), 5000, mark2)) as SipRequest;
  assert.match(getHeader(cancel, 'reason') ?? '', /Call completed elsewhere/);
  await sleep(200);
  await tonesBothWays(c1001, sdpPort(answered), p1003, sdpPort(picked));
  const oks = p1003.received.filter((m) => m.kind === 'response' && m.status === 200 && getHeader(m, 'call-id') === getHeader(picked, 'call-id') && getHeader(m, 'cseq')?.endsWith('INVITE'));
  assert.is(oks.length, 1, 'the ACK stopped the 200 retransmissions (RFC 3261 §13.3.1.4)');
  const bye = await p1003.inDialog('BYE');
  assert.is(bye.status, 200);
  await c1001.next(isReq('BYE'), 5000);
  await sleep(300);
  const row = cdrs().find((r) => r.fromExt === '1001' && r.disposition === 'answered');
  assert.ok(row, JSON.stringify(cdrs().slice(0, 3)));
  assert.is(row!.toExt, '1003', 'the extension that answered: the picker');
  assert.match(row!.hangupCause ?? '', /picked up by 1003/);
});

test('group pickup: *8 from 1003 takes the call ringing 1002 (both in "sales"); tones both ways; the caller BYEs the picker', async () => {
  const [c1001, p1002, p1003] = [await registered('1001'), await registered('1002'), await registered('1003')];
  const { final: callerFinal } = await ringing(c1001, '1002', [p1002]);
  const mark2 = p1002.mark();
  const picked = await p1003.call('*8');
  assert.is(picked.status, 200, `${picked.status} ${picked.reason}\n${logTail()}`);
  const answered = await callerFinal;
  assert.is(answered.status, 200);
  await p1002.next(isReq('CANCEL'), 5000, mark2);
  await sleep(200);
  await tonesBothWays(c1001, sdpPort(answered), p1003, sdpPort(picked));
  const mark3 = p1003.mark();
  assert.is((await c1001.inDialog('BYE')).status, 200);
  await p1003.next(isReq('BYE'), 5000, mark3);
});

test('group pickup of an inbound trunk call to a ring group: *8 from 1005 takes the carrier\'s call ringing 1004 and 1005; both get CANCEL; carrier and picker talk', async () => {
  const [p1004, p1005] = [await registered('1004'), await registered('1005')];
  const carrier = await UdpPhone.open({ user: '+13125550199', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: CARRIER });
  try {
    const { final: carrierFinal } = await ringing(carrier, '+14155550100', [p1004, p1005]);
    const [mark4, mark5] = [p1004.mark(), p1005.mark()];
    // 1005's desk phone rings; the user picks up on another device of 1005 (a softphone), by *8: 1004 rings for the call too.
    const picker = await pbx.phone('acme', '1005');
    const picked = await picker.call('*8');
    assert.is(picked.status, 200, `${picked.status} ${picked.reason}\n${logTail()}`);
    const answered = await carrierFinal;
    assert.is(answered.status, 200);
    await p1004.next(isReq('CANCEL'), 5000, mark4);
    await p1005.next(isReq('CANCEL'), 5000, mark5);
    await sleep(200);
    await tonesBothWays(carrier, sdpPort(answered), picker, sdpPort(picked));
    assert.is((await picker.inDialog('BYE')).status, 200);
    await carrier.next(isReq('BYE'), 5000);
    await sleep(300);
    const row = cdrs().find((r) => r.direction === 'inbound' && r.disposition === 'answered');
    assert.ok(row && row.toExt === '1005' && /picked up by 1005/.test(row.hangupCause ?? ''), JSON.stringify(cdrs().slice(0, 2)));
  } finally {
    carrier.close();
  }
});

test('nothing to pick up: *8 and **1002 with nothing ringing get 404; a group pickup outside the groups gets 404 and leaves the call ringing', async () => {
  const p1003 = await registered('1003');
  assert.is((await p1003.call('*8')).status, 404);
  assert.is((await p1003.call('**1002')).status, 404);
  // 1001 is in no pickup group: its *8 finds nothing, even while 1002 rings.
  const [c1004, p1002, p1001] = [await registered('1004'), await registered('1002'), await registered('1001')];
  const { final: callerFinal } = await ringing(c1004, '1002', [p1002]);
  const mark2 = p1002.mark();
  assert.is((await p1001.call('*8')).status, 404);
  await sleep(300);
  assert.not.ok(p1002.received.slice(mark2).some(isReq('CANCEL')), 'the ringing phone was left alone');
  c1004.cancel(c1004.sentInvites[c1004.sentInvites.length - 1]!);
  assert.is((await callerFinal).status, 487);
});

test("cross-tenant: acme's **1002 never takes globex's ringing 1002 (same number): 404, globex's call untouched; with both ringing, only acme's is taken", async () => {
  const [g1001, g1002] = [await registered('1001', 'globex'), await registered('1002', 'globex')];
  const p1003 = await registered('1003');
  const { final: globexFinal } = await ringing(g1001, '1002', [g1002]);
  const markG = g1002.mark();
  assert.is((await p1003.call('**1002')).status, 404, 'nothing of acme rings 1002');
  assert.is((await p1003.call('*8')).status, 404, "acme's sales group does not reach globex");
  await sleep(300);
  assert.not.ok(g1002.received.slice(markG).some(isReq('CANCEL')), "globex's ringing phone got no CANCEL");
  // Now acme's 1002 rings too: the pickup takes acme's call, never globex's.
  const [c1001, p1002] = [await registered('1001'), await registered('1002')];
  const { final: acmeFinal } = await ringing(c1001, '1002', [p1002]);
  const picked = await p1003.call('**1002');
  assert.is(picked.status, 200);
  assert.is((await acmeFinal).status, 200);
  await sleep(300);
  assert.not.ok(g1002.received.slice(markG).some(isReq('CANCEL')), "globex's phone still rings");
  assert.not.ok(g1001.received.some((m) => m.kind === 'response' && m.status === 200 && getHeader(m, 'cseq')?.endsWith('INVITE')), "globex's caller is not answered");
  assert.is((await p1003.inDialog('BYE')).status, 200);
  g1001.cancel(g1001.sentInvites[g1001.sentInvites.length - 1]!);
  assert.is((await globexFinal).status, 487);
});

test('renamed and disabled codes (globex: pickup *55, directed pickup off): *55 picks up, *8 and **1002 do not', async () => {
  const [g1001, g1002, g1003] = [await registered('1001', 'globex'), await registered('1002', 'globex'), await registered('1003', 'globex')];
  const { final } = await ringing(g1001, '1002', [g1002]);
  const mark = g1002.mark();
  assert.not.equal((await g1003.call('**1002')).status, 200, 'directed pickup is off in globex');
  assert.not.equal((await g1003.call('*8')).status, 200, '*8 is not globex\'s pickup code');
  await sleep(200);
  assert.not.ok(g1002.received.slice(mark).some(isReq('CANCEL')));
  const picked = await g1003.call('*55');
  assert.is(picked.status, 200, `${picked.status} ${picked.reason}\n${logTail()}`);
  assert.is((await final).status, 200);
  await g1002.next(isReq('CANCEL'), 5000, mark);
  assert.is((await g1003.inDialog('BYE')).status, 200);
});

test.run();
