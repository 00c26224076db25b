// Call park (issue 12, point 3) against the real server, with UDP phones over loopback, a
// real media worker and real SQLite files: park by blind transfer to a slot (REFER
// Refer-To 701: 202, NOTIFY 200, BYE to the parker, music on hold to the parked party),
// retrieval by dialling the slot from another extension (tones both ways); park by the
// feature code *85 (first free slot, the parker hears the slot number before its BYE); a
// slot out of range (404 from the dial plan), a taken slot (486), an empty slot (404); park
// timeout ringing the parker back, then the fallback; another tenant dialling the same slot
// number finds nothing (404) and the parked call stays.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ulawDecodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import { getHeader } from '../../src/sip/message/headers.js';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { memoryLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { PcmuSender } from '../support/pcmu-sender.js';
import type { UdpPhone } from '../support/udp-phone.js';
import { UdpSubscriber } from '../support/udp-subscriber.js';

const logger = memoryLogger(process.env.PARK_LOG === 'debug' ? 'debug' : 'info');
let pbx: InProcessPbx;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sdpPort = (m: SipResponse | SipRequest) => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
const isReq = (method: string) => (m: SipMessage) => m.kind === 'request' && m.method === method;
const logTail = () => logger.lines.slice(-30).join('\n');
const ext = (tenant: string, e: string) => ({ ext: e, password: `${tenant}-${e}-secret` });

test.before(async () => {
  pbx = await InProcessPbx.start({
    name: 'park',
    logger,
    extraYaml: 'calls: { noAnswerSeconds: 3 }',
    tenants: [
      {
        id: 'acme',
        domains: ['acme.example'],
        extensions: ['1001', '1002', '1003', '1004'].map((e) => ext('acme', e)),
        extraYaml: 'park: { slots: "701-703", timeoutSeconds: 120 }',
      },
      {
        id: 'globex',
        domains: ['globex.example'],
        extensions: ['1001', '1002', '1003', '1004'].map((e) => ext('globex', e)),
        // A short timeout: the parker is rung back, then the fallback.
        extraYaml: 'park: { slots: "701-702", timeoutSeconds: 5, fallback: { extension: "1004" } }',
      },
    ],
  });
});

test.after(async () => {
  if (process.env.PARK_LOG) console.error(logger.lines.join('\n'));
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

const phones = new Map<string, UdpPhone>();

/** One registered phone per extension for the whole file (a second one would fork every call). */
async function registered(user: string, tenant = 'acme'): Promise<UdpPhone> {
  const known = phones.get(`${tenant}/${user}`);
  if (known) return known;
  const p = await pbx.phone(tenant, user);
  assert.is(await p.register(), 200);
  phones.set(`${tenant}/${user}`, p);
  return p;
}

/** `caller` calls `callee`, which answers; returns the caller's 200 and the INVITE the callee got. */
async function answeredCall(caller: UdpPhone, callee: UdpPhone): Promise<{ ok: SipResponse; inv: SipRequest }> {
  callee.answer = { kind: 'answer' };
  const mark = callee.mark();
  const ok = await caller.call(callee.o.user, { timeoutMs: 10_000 });
  assert.is(ok.status, 200, `${ok.status} ${ok.reason}\n${logTail()}`);
  const inv = (await callee.next(isReq('INVITE'), 5000, mark)) as SipRequest;
  await sleep(200);
  return { ok, inv };
}

async function refer(from: UdpPhone, target: string, domain = 'acme.example'): Promise<SipResponse> {
  return from.inDialog('REFER', undefined, [{ name: 'refer-to', value: `<sip:${target}@${domain}>` }]);
}

/** Slot states as the admin API shows them (the B2BUA's park port, what BLF reads as "park:701"). */
async function slotStates(tenant = 'acme'): Promise<Record<string, string>> {
  const token = readFileSync(join(pbx.dir, 'data', 'admin-token'), 'utf8').trim();
  const r = await fetch(`http://127.0.0.1:${pbx.apiPort}/api/v1/tenants/${tenant}/park`, { headers: { authorization: `Bearer ${token}` } });
  assert.is(r.status, 200);
  const body = (await r.json()) as { slots: Array<{ slot: string; state: string }> };
  return Object.fromEntries(body.slots.map((s) => [s.slot, s.state]));
}

async function tonesBothWays(a: UdpPhone, aPort: number, b: UdpPhone, bPort: number): Promise<void> {
  const atA = listen(a);
  const atB = listen(b);
  await Promise.all([new PcmuSender(a, aPort, 0x1111, 1000).tone(1500), new PcmuSender(b, bPort, 0x2222, 600).tone(1500)]);
  const heardB = joined(atB, 10);
  const heardA = joined(atA, 10);
  assert.ok(toneShare(heardB, 8000, 1000) > 0.5, `${b.o.user} hears ${a.o.user}'s 1 kHz: ${toneShare(heardB, 8000, 1000)} over ${heardB.length} samples`);
  assert.ok(toneShare(heardA, 8000, 600) > 0.5, `${a.o.user} hears ${b.o.user}'s 600 Hz: ${toneShare(heardA, 8000, 600)} over ${heardA.length} samples`);
}

test('park by blind transfer to 701: 202, NOTIFY 200, BYE to the parker, music on hold; 1003 dials 701 and talks to the parked caller (tones both ways)', async () => {
  const [c1001, p1002, r1003] = [await registered('1001'), await registered('1002'), await registered('1003')];
  const { ok } = await answeredCall(c1001, p1002);
  const mark = p1002.mark();
  const res = await refer(p1002, '701');
  assert.is(res.status, 202, `${res.status} ${res.reason}\n${logTail()}`);
  const notify = (await p1002.next((m) => isReq('NOTIFY')(m) && /200 OK/.test(m.body.toString()), 5000, mark)) as SipRequest;
  assert.match(getHeader(notify, 'subscription-state') ?? '', /terminated/);
  await p1002.next(isReq('BYE'), 5000, mark);
  // The parked caller hears music on hold (packets keep coming while nobody talks to it).
  const moh = listen(c1001);
  await sleep(800);
  assert.ok(moh.length > 20, `music on hold reaches the parked caller: ${moh.length} packets`);
  assert.equal(await slotStates(), { '701': 'busy', '702': 'idle', '703': 'idle' });
  assert.equal(await slotStates('globex'), { '701': 'idle', '702': 'idle' }, "another tenant's slot of the same number stays idle");
  const got = await r1003.call('701');
  assert.is(got.status, 200, `${got.status} ${got.reason}\n${logTail()}`);
  assert.equal(await slotStates(), { '701': 'idle', '702': 'idle', '703': 'idle' }, 'retrieved: the slot is free');
  await sleep(300);
  await tonesBothWays(c1001, sdpPort(ok), r1003, sdpPort(got));
  const oks = r1003.received.filter((m) => m.kind === 'response' && m.status === 200 && getHeader(m, 'call-id') === getHeader(got, 'call-id') && getHeader(m, 'cseq')?.endsWith('INVITE'));
  assert.is(oks.length, 1, 'the ACK stopped the 200 retransmissions (RFC 3261 §13.3.1.4)');
  const beforeBye = r1003.mark();
  assert.is((await c1001.inDialog('BYE')).status, 200);
  await r1003.next(isReq('BYE'), 5000, beforeBye);
});

test('park slots on busy-lamp keys: 1004 watching 702 (Event: dialog) sees confirmed while a call is parked there and terminated when it is retrieved; 799 and another tenant\'s slot get 404', async () => {
  const watcher = await UdpSubscriber.open({ user: '1004', domain: 'acme.example', password: 'acme-1004-secret', server: { host: '127.0.0.1', port: pbx.port } });
  try {
    const sub = await watcher.subscribe('702', { event: 'dialog', accept: 'application/dialog-info+xml', expires: 600 });
    assert.is(sub?.status, 200, `${sub?.status} ${sub?.reason}`);
    const idle = await watcher.nextNotify(0);
    assert.match(idle.body.toString(), /entity="sip:702@acme\.example"/);
    assert.not.match(idle.body.toString(), /<dialog /, 'an empty slot: no dialog');
    assert.is((await watcher.subscribe('799', { event: 'dialog', accept: 'application/dialog-info+xml', expires: 600 }))?.status, 404, 'not a slot');
    const [c1001, p1002, r1003] = [await registered('1001'), await registered('1002'), await registered('1003')];
    await answeredCall(c1001, p1002);
    const mark = p1002.mark();
    assert.is((await refer(p1002, '702')).status, 202);
    await p1002.next(isReq('BYE'), 5000, mark);
    const parked = await watcher.nextNotify(1, 5000, (m) => /<state>confirmed<\/state>/.test(m.body.toString()));
    assert.match(parked.body.toString(), /<dialog [^>]*direction="recipient"/);
    const from = watcher.notifies.indexOf(parked) + 1;
    const got = await r1003.call('702');
    assert.is(got.status, 200, `${got.status} ${got.reason}\n${logTail()}`);
    const freed = await watcher.nextNotify(from, 5000, (m) => /<state>terminated<\/state>/.test(m.body.toString()));
    assert.ok(freed, 'retrieved: the lamp goes out');
    const before = r1003.mark();
    assert.is((await c1001.inDialog('BYE')).status, 200);
    await r1003.next(isReq('BYE'), 5000, before);
  } finally {
    watcher.close();
  }
  // globex has slots 701-702 too: acme's watcher names acme's only; a globex subscriber sees its own (idle).
  const g = await UdpSubscriber.open({ user: '1004', domain: 'globex.example', password: 'globex-1004-secret', server: { host: '127.0.0.1', port: pbx.port } });
  try {
    assert.is((await g.subscribe('703', { event: 'dialog', accept: 'application/dialog-info+xml', expires: 600 }))?.status, 404, "703 is acme's slot only");
  } finally {
    g.close();
  }
});

test('park by the feature code *85: the first free slot; the parker hears the slot number before its BYE; retrieval from 1004', async () => {
  const [c1001, p1002, r1004] = [await registered('1001'), await registered('1002'), await registered('1004')];
  const { ok } = await answeredCall(c1001, p1002);
  const mark = p1002.mark();
  const heardByParker = listen(p1002);
  assert.is((await refer(p1002, '*85')).status, 202);
  await p1002.next(isReq('BYE'), 8000, mark);
  assert.ok(heardByParker.length > 10, `the parker heard the announcement before its BYE: ${heardByParker.length} packets`);
  const got = await r1004.call('701');
  assert.is(got.status, 200, `the first free slot is 701: ${got.status} ${got.reason}\n${logTail()}`);
  await sleep(300);
  await tonesBothWays(c1001, sdpPort(ok), r1004, sdpPort(got));
  const beforeBye = c1001.mark();
  assert.is((await r1004.inDialog('BYE')).status, 200);
  await c1001.next(isReq('BYE'), 5000, beforeBye);
});

test('bad input: a slot out of range (799) is refused 404, a taken slot 486, an empty slot dialled 404', async () => {
  const [c1001, p1002, c1003, p1004] = [await registered('1001'), await registered('1002'), await registered('1003'), await registered('1004')];
  await answeredCall(c1001, p1002);
  assert.is((await refer(p1002, '799')).status, 404, 'out of range: not a slot');
  const beforePark = p1002.mark();
  assert.is((await refer(p1002, '702')).status, 202);
  await p1002.next(isReq('BYE'), 5000, beforePark);
  await answeredCall(c1003, p1004);
  assert.is((await refer(p1004, '702')).status, 486, 'slot 702 is taken');
  const r = p1002;
  assert.is((await r.call('703')).status, 404, 'nothing parked at 703');
  assert.is((await c1003.inDialog('BYE')).status, 200);
  // The call parked at 702 is still there: retrieve it, then hang up.
  const got = await r.call('702');
  assert.is(got.status, 200);
  const beforeBye = c1001.mark();
  assert.is((await r.inDialog('BYE')).status, 200);
  await c1001.next(isReq('BYE'), 5000, beforeBye);
});

test('the parked party hangs up: the slot is free again and the parker (already released) gets no second BYE', async () => {
  const [c1001, p1002] = [await registered('1001'), await registered('1002')];
  await answeredCall(c1001, p1002);
  const mark = p1002.mark();
  assert.is((await refer(p1002, '703')).status, 202);
  await p1002.next(isReq('BYE'), 5000, mark);
  assert.is((await slotStates())['703'], 'busy');
  assert.is((await c1001.inDialog('BYE')).status, 200);
  await sleep(500);
  assert.is((await slotStates())['703'], 'idle');
  assert.is(p1002.received.slice(mark).filter(isReq('BYE')).length, 1, 'one BYE: the release at park time');
});

test("cross-tenant: a Refer-To 702@globex from an acme call is refused 403; globex's 1003 dialling 701 never reaches acme's call parked at 701 (404, the acme call stays parked)", async () => {
  const [c1001, p1002] = [await registered('1001'), await registered('1002')];
  await answeredCall(c1001, p1002);
  assert.is((await refer(p1002, '702', 'globex.example')).status, 403, "a Refer-To in another tenant's domain: refused, nothing parked there");
  assert.equal(await slotStates('globex'), { '701': 'idle', '702': 'idle' });
  const [mark1, mark2] = [c1001.mark(), p1002.mark()];
  assert.is((await refer(p1002, '701')).status, 202);
  await p1002.next(isReq('BYE'), 5000, mark2);
  const g1003 = await registered('1003', 'globex');
  assert.is((await g1003.call('701')).status, 404, "globex's own slot 701 is empty");
  assert.not.ok(c1001.received.slice(mark1).some(isReq('BYE')), 'the parked acme call was not touched');
  const r1003 = await registered('1003');
  const got = await r1003.call('701');
  assert.is(got.status, 200, 'acme retrieves its own call');
  assert.is((await r1003.inDialog('BYE')).status, 200);
  await c1001.next(isReq('BYE'), 5000, mark1);
});

test('park timeout: after 5 s the parker (1002) is rung back and talks to the parked caller again (tones); when it does not answer, the fallback 1004 rings', async () => {
  const [c1001, p1002] = [await registered('1001', 'globex'), await registered('1002', 'globex')];
  const { ok } = await answeredCall(c1001, p1002);
  const mark = p1002.mark();
  assert.is((await refer(p1002, '701', 'globex.example')).status, 202);
  await p1002.next(isReq('BYE'), 5000, mark);
  p1002.answer = { kind: 'answer', ringMs: 200 };
  const back = (await p1002.next((m) => isReq('INVITE')(m) && !getHeader(m, 'to')?.includes('tag='), 9000, mark)) as SipRequest;
  await sleep(600);
  await tonesBothWays(c1001, sdpPort(ok), p1002, sdpPort(back));
  const beforeBye = c1001.mark();
  assert.is((await p1002.inDialog('BYE')).status, 200);
  await c1001.next(isReq('BYE'), 5000, beforeBye);

  // Again, and the parker does not answer: the fallback rings.
  const [c1003, f1004] = [await registered('1003', 'globex'), await registered('1004', 'globex')];
  const { ok: ok2 } = await answeredCall(c1003, p1002);
  const mark2 = p1002.mark();
  assert.is((await refer(p1002, '702', 'globex.example')).status, 202);
  await p1002.next(isReq('BYE'), 5000, mark2);
  p1002.answer = { kind: 'busy' };
  f1004.answer = { kind: 'answer', ringMs: 200 };
  const mark4 = f1004.mark();
  const fb = (await f1004.next(isReq('INVITE'), 12_000, mark4)) as SipRequest;
  assert.ok(p1002.received.slice(mark2).some((m) => isReq('INVITE')(m)), 'the parker was rung first');
  await sleep(600);
  await tonesBothWays(c1003, sdpPort(ok2), f1004, sdpPort(fb));
  assert.is((await c1003.inDialog('BYE')).status, 200);
  await f1004.next(isReq('BYE'), 5000, mark4);
});

test.run();
