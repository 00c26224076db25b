// Forwarding and do-not-disturb set from a real phone with the feature codes, and what the
// next call does, against the real server (in this process, its own CallApps) with UdpPhones
// over loopback and a SIPp carrier: *72<ext> sends every call to another extension and *73
// ends it; *72 then digits and # (RFC 4733) reads the number in the call; *90 forwards when
// busy; *92 when not answered (after the extension's N seconds); *78 sends callers to the
// box without ringing and *79 ends it; a forward on unavailable (from the YAML: there is no
// code for it) rings the target when the extension has no phone registered. An outside
// forward (*72 + a national number) takes an inbound trunk call out through the carrier
// with the forwarding extension's caller ID; an extension whose class of service is internal
// cannot set one (refused when dialled, nothing stored). Codes change only the caller's own
// extension in its own tenant.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallHandling } from '../../src/model/call-handling.js';
import { memoryLogger } from '../../src/util/logger.js';
import { CarrierUas, freeUdpPortOn, headerValues } from '../support/carrier.js';
import { byeFrom, inviteTo, rang, sdpPort, sleep, until } from '../support/flow-call.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { PcmuSender } from '../support/pcmu-sender.js';
import { UdpPhone } from '../support/udp-phone.js';

const CARRIER = '127.0.0.13';
const logger = memoryLogger('info');
let pbx: InProcessPbx;
let carrierPort: number;
const ext = (e: string, more: Record<string, string> = {}) => ({ ext: e, password: `acme-${e}-secret`, ...more });
const phones = new Map<string, UdpPhone>();
const EXTS = ['1001', '1002', '1003', '1004', '1006'];

test.before(async () => {
  carrierPort = await freeUdpPortOn(CARRIER);
  pbx = await InProcessPbx.start({
    name: 'fwd-e2e',
    logger,
    extraYaml: 'calls: { noAnswerSeconds: 30 }',
    security: `tenantTrunkAllowedNetworks: [ "${CARRIER}/32" ]`,
    tenants: [
      {
        id: 'acme',
        domains: ['acme.example'],
        extensions: [
          ext('1001'),
          ext('1002', { extraKeys: 'forward: { noAnswer: { to: { extension: "1004" }, after: 5 } }' }),
          ext('1003'),
          ext('1004', { classOfService: 'internal' }),
          ext('1005', { extraKeys: 'forward: { unavailable: { extension: "1003" } }' }),
          ext('1006', { classOfService: 'national', callerId: '+14155550106' }),
        ],
        extraYaml: [
          'countryCode: "1"',
          'nationalPrefix: "1"',
          'callerId: "+14155550100"',
          'dids: [ "+14155550106" ]',
          'trunks:',
          `  - { name: carrier, kind: ip, host: ${CARRIER}, port: ${carrierPort}, allowedSources: [ "${CARRIER}/32" ] }`,
          'inboundRoutes:',
          '  - { did: "+14155550106", destination: { extension: "1006" } }',
          'outboundRoutes:',
          '  - { name: national, patterns: [ "1NXXNXXXXXX" ], prepend: "+", trunks: [ carrier ] }',
        ].join('\n'),
      },
      { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1002', password: 'globex-1002-secret' }] },
    ],
  });
  for (const e of EXTS) {
    const p = await pbx.phone('acme', e);
    assert.is(await p.register(), 200);
    phones.set(e, p);
  }
  if (process.env.FWD_E2E_LOG) setInterval(() => { for (const l of logger.lines.splice(0)) console.error(l); }, 200).unref();
});

test.after(async () => {
  // Calls still ending (a BYE on its way) would otherwise keep stop() draining for their transaction's timeout.
  await until(() => (pbx.server as unknown as { b2bua: { activeCalls: number } }).b2bua.activeCalls === 0, 5000, 'calls ended').catch(() => undefined);
  await pbx?.stop();
});

test.after.each(async () => {
  for (const p of phones.values()) p.answer = { kind: 'answer' };
  await sleep(200);
});

const phone = (e: string) => phones.get(e)!;
const handling = (e: string, tenant = 'acme'): CallHandling =>
  (pbx.server as unknown as { resolver: { getTenant(id: string): { store: { callHandling: { get(e: string): CallHandling } } } } }).resolver.getTenant(tenant).store.callHandling.get(e);

/** `from` dials a feature code; the PBX answers, says activated/deactivated, and hangs up. */
async function dial(from: string, code: string): Promise<void> {
  const p = phone(from);
  const mark = p.mark();
  const res = await p.call(code);
  assert.is(res.status, 200, `${code}: ${res.status} ${res.reason}`);
  await byeFrom(p, mark);
}

/** 1001 calls `to`; returns the answer and the marks taken before, and hangs up with `end()`. */
async function call(to: string, timeoutMs = 15_000) {
  const marks = new Map([...phones].map(([e, p]) => [e, p.mark()]));
  const a = await UdpPhone.open({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', server: { host: '127.0.0.1', port: pbx.port } });
  const res = await a.call(to, { timeoutMs });
  return {
    res,
    /** Whether `e` rang since the call began (waits up to 6 s for it: a forward may ring after the caller is answered). */
    rings: async (e: string) => (await inviteTo(phone(e), 6000, marks.get(e))) !== undefined,
    /** Whether `e` rang so far (no waiting; ask after a `rings` that waited). */
    rang: (e: string) => rang(phone(e), marks.get(e)),
    end: async () => {
      if (res.status === 200) await a.inDialog('BYE').catch(() => undefined);
      a.close();
      await sleep(150);
    },
  };
}

test('*72<ext>: every call to 1002 rings 1003 instead; *73 ends it and 1002 rings again', async () => {
  await dial('1002', '*721003');
  assert.equal(handling('1002').always, { type: 'extension', ext: '1003' });
  let c = await call('1002');
  assert.is(c.res.status, 200);
  assert.ok(await c.rings('1003'), '1003 rang');
  assert.not.ok(c.rang('1002'), '1002 did not ring');
  await c.end();
  await dial('1002', '*73');
  assert.is(handling('1002').always, undefined);
  c = await call('1002');
  assert.ok(await c.rings('1002'));
  assert.not.ok(c.rang('1003'));
  await c.end();
});

test('*72 alone reads the number in the call: keys 1 0 0 3 # (RFC 4733) set the forward', async () => {
  const p = phone('1002');
  const mark = p.mark();
  const res = await p.call('*72');
  assert.is(res.status, 200);
  const s = new PcmuSender(p, sdpPort(res), 0x7272, 700);
  await sleep(400); // the beep
  for (const d of [1, 0, 0, 3, 11]) await s.digit(d);
  await byeFrom(p, mark);
  assert.equal(handling('1002').always, { type: 'extension', ext: '1003' });
  await dial('1002', '*73');
});

test('*90<ext>: busy at 1002 rings 1003; *91 ends it (busy then goes to 1002\'s box, 1003 stays quiet)', async () => {
  await dial('1002', '*901003');
  phone('1002').answer = { kind: 'busy' };
  let c = await call('1002');
  assert.is(c.res.status, 200);
  assert.ok(await c.rings('1002'), '1002 was tried');
  assert.ok(await c.rings('1003'), 'busy: 1003 rang');
  await c.end();
  await dial('1002', '*91');
  assert.is(handling('1002').busy, undefined);
  c = await call('1002');
  assert.is(c.res.status, 200, 'the box answers');
  assert.not.ok(c.rang('1003'));
  await c.end();
});

test('*92<ext>: 1002 rings its 5 s (after: from the YAML), unanswered, then 1003 rings; the YAML\'s 1004 does not', async () => {
  await dial('1002', '*921003');
  assert.equal(handling('1002').noAnswer, { to: { type: 'extension', ext: '1003' }, afterSeconds: 5 });
  phone('1002').answer = { kind: 'ring' };
  const m2 = phone('1002').mark();
  const c = await call('1002', 20_000);
  assert.is(c.res.status, 200);
  assert.ok(await c.rings('1002'));
  assert.ok(await c.rings('1003'), '1003 rang after 1002 was not answered');
  const inv2 = phone('1002').received.findIndex((m, i) => i >= m2 && m.kind === 'request' && m.method === 'INVITE');
  assert.ok(phone('1002').received.slice(inv2).some((m) => m.kind === 'request' && m.method === 'CANCEL'), '1002 stopped ringing (CANCEL)');
  assert.not.ok(c.rang('1004'));
  await c.end();
  await dial('1002', '*93');
  assert.is(handling('1002').noAnswer, undefined);
});

test('*78: DND sends callers to 1002\'s box without ringing it; *79 ends it', async () => {
  await dial('1002', '*78');
  assert.is(handling('1002').dnd, true);
  let c = await call('1002');
  assert.is(c.res.status, 200, 'the box answers');
  assert.not.ok(c.rang('1002'), 'no INVITE to a DND extension');
  await c.end();
  await dial('1002', '*79');
  assert.is(handling('1002').dnd, false);
  c = await call('1002');
  assert.ok(await c.rings('1002'));
  await c.end();
});

test('a late-offer caller (INVITE without SDP) to a busy 1002 is handed to its box: our offer in the 200, the answer in the ACK, and its tone is recorded', async () => {
  phone('1002').answer = { kind: 'busy' };
  const vm = () => (pbx.server as unknown as { resolver: { getTenant(id: string): { store: { voicemail: { messages(b: string): Array<{ durationMs: number }> } } } } }).resolver.getTenant('acme').store.voicemail.messages('1002');
  const before = vm().length;
  const a = await UdpPhone.open({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', server: { host: '127.0.0.1', port: pbx.port } });
  try {
    const m2 = phone('1002').mark();
    const res = await a.call('1002', { lateOffer: true, timeoutMs: 15_000 });
    assert.is(res.status, 200, `${res.status} ${res.reason}`);
    assert.ok(rang(phone('1002'), m2), '1002 was tried first (our offer to it)');
    assert.match(res.body.toString(), /m=audio \d+ RTP\/AVP 0 8 9 /, 'the box offers in its 200');
    // The caller talks through the greeting (the system's, about 10 s with "leave a message") and the beep, and on.
    await new PcmuSender(a, sdpPort(res), 0x1a7e, 700).tone(13_000);
    await a.inDialog('BYE');
  } finally {
    a.close();
  }
  await until(() => vm().length > before, 5000, 'the message stored');
  assert.ok(vm().at(-1)!.durationMs >= 1000, `kept: ${vm().at(-1)!.durationMs} ms`);
});

test('unavailable (YAML): 1005 has no phone registered, so its calls ring 1003', async () => {
  const c = await call('1005');
  assert.is(c.res.status, 200);
  assert.ok(await c.rings('1003'));
  await c.end();
});

test('an outside forward: *72 + a national number from 1006 (national) takes an inbound trunk call out through the carrier with 1006\'s caller ID', async () => {
  await dial('1006', '*7213035550123');
  assert.equal(handling('1006').always, { type: 'number', number: '13035550123' });
  const carrier = await CarrierUas.start({ address: CARRIER, port: carrierPort, server: `127.0.0.1:${pbx.port}`, expectUser: '+13035550123', expectCallerId: '+14155550106', timeoutSeconds: 30 });
  try {
    const caller = await UdpPhone.open({ user: '+13125550199', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: CARRIER });
    try {
      const res = await caller.call('+14155550106', { timeoutMs: 15_000 });
      assert.is(res.status, 200, `${res.status} ${res.reason}`);
      const inv = await carrier.firstInvite(5000);
      assert.ok(inv, 'the carrier got the forwarded call');
      assert.match(inv!.startLine, /^INVITE sip:\+13035550123@/);
      assert.ok(headerValues(inv!.text, 'P-Asserted-Identity').some((v) => v.includes('+14155550106')), 'the forwarding extension\'s caller ID');
      await sleep(300);
      await caller.inDialog('BYE').catch(() => undefined);
    } finally {
      caller.close();
    }
  } finally {
    await carrier.dispose();
  }
  await dial('1006', '*73');
});

test('toll fraud: 1004 (class of service internal) cannot set an outside forward; nothing is stored and its calls still ring it', async () => {
  await dial('1004', '*7213035550123');
  assert.is(handling('1004').always, undefined, 'refused when dialled');
  const c = await call('1004');
  assert.ok(await c.rings('1004'));
  await c.end();
});

test('isolation: globex\'s 1002 dialling *78 sets globex\'s 1002 only; acme\'s 1002 still rings', async () => {
  const g = await pbx.phone('globex', '1002');
  assert.is(await g.register(), 200);
  const mark = g.mark();
  const res = await g.call('*78');
  assert.is(res.status, 200);
  await byeFrom(g, mark);
  assert.is(handling('1002', 'globex').dnd, true);
  assert.is(handling('1002').dnd, false);
  const c = await call('1002');
  assert.ok(await c.rings('1002'));
  await c.end();
});

test.run();
