// IVR menus through real calls: the real server (in this process), its own CallApps (the
// menus of the tenant's YAML), a caller dialling the tenant's DID from a carrier address
// (tenant trunk), extensions as UdpPhones over loopback. Menu greetings are operator prompts
// of one tone each, so what the caller hears tells which prompt played. Each key (RFC 4733)
// reaches its destination (the extension rings, answers, tones pass both ways), a nested
// menu plays its own greeting, direct dialling reaches an extension, silence goes to the
// timeout destination after the retries, a wrong key plays the invalid prompt then (after
// the retries) goes to the invalid destination, and a DTMF flood ends the menu at once.
// A globex caller can never reach acme's menu or extensions.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import { memoryLogger } from '../../src/util/logger.js';
import { CarrierUas, freeUdpPortOn } from '../support/carrier.js';
import { byeFrom, dtmfFlood, inviteTo, joined, listen, rang, sdpPort, sleep, tonePrompt, toneRuns, until } from '../support/flow-call.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { PcmuSender } from '../support/pcmu-sender.js';
import { UdpPhone } from '../support/udp-phone.js';

const CARRIER = '127.0.0.11';
/** initech's carrier: the same menu, but no inboundCos. */
const CARRIER2 = '127.0.0.14';
const GREETING_HZ = 500;
const SUB_HZ = 1200;
const OOPS_HZ = 1800;
const logger = memoryLogger('info');
let pbx: InProcessPbx;
let prompts: string;
let carrierPort: number;
let carrier2Port: number;
const ext = (e: string) => ({ ext: e, password: `acme-${e}-secret` });
const phones: UdpPhone[] = [];

test.before(async () => {
  prompts = mkdtempSync(join(tmpdir(), 'ivr-prompts-'));
  mkdirSync(prompts, { recursive: true });
  tonePrompt(prompts, 'menu-main', GREETING_HZ, 0.8);
  tonePrompt(prompts, 'menu-sub', SUB_HZ, 0.8);
  tonePrompt(prompts, 'oops', OOPS_HZ, 0.8);
  carrierPort = await freeUdpPortOn(CARRIER);
  carrier2Port = await freeUdpPortOn(CARRIER2);
  pbx = await InProcessPbx.start({
    name: 'ivr-e2e',
    logger,
    extraYaml: `media: { prompts: "${prompts}" }`,
    security: `tenantTrunkAllowedNetworks: [ "${CARRIER}/32", "${CARRIER2}/32" ]`,
    tenants: [
      {
        id: 'acme',
        domains: ['acme.example'],
        extensions: [ext('2001'), ext('2002'), ext('2003'), ext('2009')],
        extraYaml: [
          'countryCode: "1"',
          'nationalPrefix: "1"',
          'inboundCos: national',
          'dids: [ "+14155550100", "+14155550101" ]',
          'outboundRoutes:',
          '  - { name: national, patterns: [ "1NXXNXXXXXX" ], prepend: "+", trunks: [ carrier ] }',
          'trunks:',
          `  - { name: carrier, kind: ip, host: ${CARRIER}, port: ${carrierPort}, allowedSources: [ "${CARRIER}/32" ] }`,
          'inboundRoutes:',
          '  - { did: "+14155550100", destination: { ivr: main } }',
          '  - { did: "+14155550101", destination: { ivr: sub } }',
          'ivrs:',
          '  - name: main',
          '    greeting: menu-main',
          '    options: { "1": { extension: "2001" }, "5": { ivr: sub }, "8": { number: "13035550123" }, "9": hangup }',
          '    directDial: true',
          '    interDigitSeconds: 2',
          '    timeoutSeconds: 2',
          '    retries: 1',
          '    invalidPrompt: oops',
          '    timeout: { extension: "2003" }',
          '    invalid: { extension: "2009" }',
          '  - name: sub',
          '    greeting: menu-sub',
          '    options: { "3": { extension: "2003" } }',
          '    timeoutSeconds: 2',
          '    retries: 0',
        ].join('\n'),
      },
      { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '3001', password: 'globex-3001-secret' }] },
      {
        id: 'initech',
        domains: ['initech.example'],
        extensions: [{ ext: '4001', password: 'initech-4001-secret' }],
        extraYaml: [
          'countryCode: "1"',
          'nationalPrefix: "1"',
          'dids: [ "+14155550200" ]',
          'trunks:',
          `  - { name: carrier, kind: ip, host: ${CARRIER2}, port: ${carrier2Port}, allowedSources: [ "${CARRIER2}/32" ] }`,
          'inboundRoutes:',
          '  - { did: "+14155550200", destination: { ivr: main } }',
          'outboundRoutes:',
          '  - { name: national, patterns: [ "1NXXNXXXXXX" ], prepend: "+", trunks: [ carrier ] }',
          'ivrs:',
          '  - { name: main, greeting: menu-main, options: { "8": { number: "13035550123" } }, retries: 0 }',
        ].join('\n'),
      },
    ],
  });
  for (const e of ['2001', '2002', '2003', '2009']) {
    const p = await pbx.phone('acme', e);
    assert.is(await p.register(), 200);
    phones.push(p);
  }
  if (process.env.IVR_E2E_LOG) setInterval(() => { for (const l of logger.lines.splice(0)) console.error(l); }, 200).unref();
});

test.after(async () => {
  // Calls still ending (a BYE on its way) would otherwise keep stop() draining for their transaction's timeout.
  await until(() => (pbx.server as unknown as { b2bua: { activeCalls: number } }).b2bua.activeCalls === 0, 5000, 'calls ended').catch(() => undefined);
  await pbx?.stop();
  rmSync(prompts, { recursive: true, force: true });
});

const phone = (e: string) => phones[['2001', '2002', '2003', '2009'].indexOf(e)]!;

/** A caller at the carrier's address dialling `did`; answered by the menu. */
async function callDid(did: string, from = CARRIER) {
  const caller = await UdpPhone.open({ user: '+13125550199', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: from });
  const heard = listen(caller);
  const runs = toneRuns(caller, GREETING_HZ);
  const res = await caller.call(did, { timeoutMs: 10_000 });
  assert.is(res.status, 200, `the menu answers: ${res.status} ${res.reason}`);
  return { caller, heard, runs, res, send: new PcmuSender(caller, sdpPort(res), 0xabc0 + Math.floor(Math.random() * 1000), 1000) };
}

async function hangUp(caller: UdpPhone) {
  await caller.inDialog('BYE').catch(() => undefined);
  caller.close();
  await sleep(200);
}

test('key 1 reaches extension 2001: it rings, answers, and tones pass both ways; the caller heard the greeting first', async () => {
  const { caller, heard, res, send } = await callDid('+14155550100');
  try {
    await sleep(600);
    const greeting = joined(heard);
    assert.ok(toneShare(greeting, 8000, GREETING_HZ) > 0.5, `the greeting (${GREETING_HZ} Hz): ${toneShare(greeting, 8000, GREETING_HZ)}`);
    const b = phone('2001');
    const mark = b.mark();
    await send.digit(1);
    const inv = await inviteTo(b, 6000, mark);
    assert.ok(inv, '2001 rings after key 1');
    const heardB = listen(b);
    await until(() => b.received.slice(mark).some((m) => m.kind === 'request' && m.method === 'ACK'), 5000, '2001 answered');
    const sb = new PcmuSender(b, sdpPort(inv!), 0x3333, 600);
    await sleep(300);
    const fromA = heardB.length;
    const fromB = heard.length;
    await Promise.all([send.tone(1500), sb.tone(1500)]);
    const atB = joined(heardB, fromA + 10);
    const atA = joined(heard, fromB + 10);
    assert.ok(toneShare(atB, 8000, 1000) > 0.5, `2001 hears the caller's 1 kHz: ${toneShare(atB, 8000, 1000)}`);
    assert.ok(toneShare(atA, 8000, 600) > 0.5, `the caller hears 2001's 600 Hz: ${toneShare(atA, 8000, 600)}`);
    void res;
  } finally {
    await hangUp(caller);
  }
});

test('nested: key 5 plays the sub menu\'s own greeting; its key 3 reaches 2003', async () => {
  const { caller, heard, send } = await callDid('+14155550100');
  try {
    await send.digit(5);
    const from = heard.length;
    await sleep(700);
    const sub = joined(heard, from + 5);
    assert.ok(toneShare(sub, 8000, SUB_HZ) > 0.5, `the sub menu's greeting (${SUB_HZ} Hz): ${toneShare(sub, 8000, SUB_HZ)}`);
    const c = phone('2003');
    const mark = c.mark();
    await send.digit(3);
    assert.ok(await inviteTo(c, 6000, mark), '2003 rings');
  } finally {
    await hangUp(caller);
  }
});

test('direct dial: 2002 typed in the menu rings extension 2002', async () => {
  const { caller, send } = await callDid('+14155550100');
  try {
    const b = phone('2002');
    const mark = b.mark();
    for (const d of [2, 0, 0, 2]) await send.digit(d);
    assert.ok(await inviteTo(b, 6000, mark), '2002 rings');
  } finally {
    await hangUp(caller);
  }
});

test('silence: the greeting again after the first timeout, then the timeout destination (2003); nothing else rings', async () => {
  const marks = phones.map((p) => p.mark());
  const { caller, runs } = await callDid('+14155550100');
  try {
    const c = phone('2003');
    const inv = await inviteTo(c, 10_000, marks[2]);
    assert.ok(inv, '2003 (timeout destination) rings');
    // greeting, 2 s of nothing, greeting, 2 s: the greeting was heard twice (retries: 1).
    assert.is(runs(), 2, `the greeting was played twice (${runs()})`);
    assert.not.ok(rang(phone('2009'), marks[3]), 'the invalid destination did not ring');
    assert.not.ok(rang(phone('2001'), marks[0]));
  } finally {
    await hangUp(caller);
  }
});

test('invalid key: the invalid prompt, the greeting again, then (after the retries) the invalid destination 2009', async () => {
  const marks = phones.map((p) => p.mark());
  const { caller, heard, send } = await callDid('+14155550100');
  try {
    await send.digit(7);
    const from = heard.length;
    await sleep(700);
    const oops = joined(heard, from + 5);
    assert.ok(toneShare(oops, 8000, OOPS_HZ) > 0.5, `the invalid prompt (${OOPS_HZ} Hz): ${toneShare(oops, 8000, OOPS_HZ)}`);
    assert.not.ok(rang(phone('2009'), marks[3]), 'one wrong key is not the end (retries: 1)');
    await sleep(1000);
    await send.digit(7);
    assert.ok(await inviteTo(phone('2009'), 6000, marks[3]), '2009 (invalid destination) rings');
    assert.not.ok(rang(phone('2003'), marks[2]), 'the timeout destination did not ring');
  } finally {
    await hangUp(caller);
  }
});

test('a DTMF flood (30 keys in well under a second) ends the menu at once to its invalid destination; nothing the keys spell is dialled', async () => {
  const marks = phones.map((p) => p.mark());
  logger.lines.splice(0);
  const { caller, res } = await callDid('+14155550100');
  try {
    await sleep(200);
    await dtmfFlood(caller, sdpPort(res), 30);
    assert.ok(await inviteTo(phone('2009'), 6000, marks[3]), '2009 (invalid destination) rings');
    assert.ok(logger.lines.some((l) => l.includes('DTMF flood')), 'logged as a flood');
    assert.not.ok(rang(phone('2001'), marks[0]), 'key 1 of the flood did not count');
    assert.not.ok(rang(phone('2002'), marks[1]));
    assert.not.ok(rang(phone('2003'), marks[2]));
  } finally {
    await hangUp(caller);
  }
});

test('inboundCos national: key 8 (an outside number) takes the trunk call out through the carrier; initech, without inboundCos, refuses it', async () => {
  const carrier = await CarrierUas.start({ address: CARRIER, port: carrierPort, server: `127.0.0.1:${pbx.port}`, expectUser: '+13035550123', timeoutSeconds: 30 });
  try {
    const { caller, send } = await callDid('+14155550100');
    try {
      await send.digit(8);
      const inv = await carrier.firstInvite(8000);
      assert.ok(inv, 'the carrier got the call');
      assert.match(inv!.startLine, /^INVITE sip:\+13035550123@/);
    } finally {
      await hangUp(caller);
    }
  } finally {
    await carrier.dispose();
  }
  const carrier2 = await CarrierUas.start({ address: CARRIER2, port: carrier2Port, server: `127.0.0.1:${pbx.port}`, timeoutSeconds: 30 });
  try {
    const { caller, send } = await callDid('+14155550200', CARRIER2);
    const mark = caller.mark();
    await send.digit(8);
    await byeFrom(caller, mark);
    caller.close();
    assert.is(carrier2.invites().length, 0, 'nothing left through initech\'s trunk');
    assert.ok(logger.lines.some((l) => l.includes('outside number refused') && l.includes('initech') && l.includes('cos=internal')), 'logged as refused');
  } finally {
    await carrier2.dispose();
  }
});

test('late offer: an INVITE without SDP reaches the menu; the 200 carries our offer, the ACK the answer; the greeting is heard and key 1 still reaches 2001', async () => {
  const caller = await UdpPhone.open({ user: '+13125550199', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: CARRIER });
  try {
    const runs = toneRuns(caller, GREETING_HZ);
    const res = await caller.call('+14155550100', { lateOffer: true, timeoutMs: 10_000 });
    assert.is(res.status, 200, `${res.status} ${res.reason}`);
    assert.match(res.body.toString(), /m=audio \d+ RTP\/AVP 0 8 9 /, 'our offer: the codecs an application plays');
    await until(() => runs() >= 1, 5000, 'the greeting heard');
    const b = phone('2001');
    const mark = b.mark();
    await new PcmuSender(caller, sdpPort(res), 0x1a7e, 1000).digit(1);
    assert.ok(await inviteTo(b, 6000, mark), '2001 rings');
  } finally {
    await hangUp(caller);
  }
});

test('late offer with an ACK that has no answer: the PBX hangs up (BYE) and rings nobody', async () => {
  const marks = phones.map((p) => p.mark());
  const caller = await UdpPhone.open({ user: '+13125550199', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: CARRIER });
  try {
    const mark = caller.mark();
    // An INVITE without SDP, acknowledged without one: no agreed media.
    const res = await caller.call('+14155550100', { lateOffer: 'no-answer', timeoutMs: 10_000 });
    assert.is(res.status, 200);
    const bye = await byeFrom(caller, mark, 5000);
    assert.ok(bye, 'BYE from the PBX');
    await sleep(300);
    phones.forEach((p, i) => assert.not.ok(rang(p, marks[i])));
  } finally {
    caller.close();
  }
});

test('isolation: a globex caller dialling acme\'s menu names or extensions reaches nothing of acme', async () => {
  const marks = phones.map((p) => p.mark());
  const g = await pbx.phone('globex', '3001');
  for (const target of ['2001', '+14155550100', 'main']) {
    const r = await g.call(target, { timeoutMs: 5000 });
    assert.ok(r.status >= 400, `globex -> ${target}: ${r.status}`);
  }
  await sleep(300);
  phones.forEach((p, i) => assert.not.ok(rang(p, marks[i]), `acme ${p.contact} never rang`));
});

test.run();
