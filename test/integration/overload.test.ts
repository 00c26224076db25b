// Overload control of the real server (issue 13, point 4), forced by configuration: SIGHUP
// with sip.overload.shedDelayMs 0 puts the SIP thread in the shedding state as a real lag
// would (the same code path: the control's tick lowers the admitted share), and a SIGHUP
// back to the default clears it. Driven from outside by small UDP phones over loopback.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from '../../src/sip/message/headers.js';
import { parseMessage } from '../../src/sip/message/parse.js';
import { serializeMessage } from '../../src/sip/message/serialize.js';
import type { SipMessage, SipResponse } from '../../src/sip/message/types.js';
import { PbxProcess } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

const TOKEN = 'overload-test-token';
const secret = (e: string) => `acme-${e}-secret`;
const EXTS = ['1001', '1002', '1003', '1004', '1005'];

let pbx: PbxProcess;
const phones: UdpPhone[] = [];

async function phone(ext: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user: ext, domain: 'acme.example', password: secret(ext), server: { host: '127.0.0.1', port: pbx.ports.udp } });
  phones.push(p);
  return p;
}

async function metric(name: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${pbx.apiPort}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  return text.split('\n').filter((l) => l.startsWith(name)).join('\n');
}

/** Rewrites pbx.yaml's sip.overload line and sends SIGHUP; resolves once the server logged the reload. */
async function setShedDelay(ms: number): Promise<void> {
  const text = readFileSync(pbx.configFile, 'utf8').replace(/overload: \{[^}]*\}/, `overload: { shedDelayMs: ${ms} }`);
  writeFileSync(pbx.configFile, text);
  const from = pbx.logs.length;
  pbx.signal('SIGHUP');
  await pbx.waitForLog(/reloaded/, 10_000, from);
}

/** The last final response a phone got to a request of this method. */
function lastFinal(p: UdpPhone, method: string): SipResponse | undefined {
  return [...p.received].reverse().find((m): m is SipResponse => m.kind === 'response' && m.status >= 200 && (getHeader(m, 'cseq') ?? '').endsWith(method));
}

test.before(async () => {
  pbx = await PbxProcess.start({
    tenants: [{ id: 'acme', domains: ['acme.example'], extensions: EXTS.map((ext) => ({ ext, password: secret(ext), extraKeys: 'voicemail: { enabled: false }' })) }],
    transports: ['udp'],
    sipYaml: ['overload: { shedDelayMs: 100 }'],
    adminToken: TOKEN,
  });
});

test.after(async () => {
  for (const p of phones) p.close();
  await pbx?.dispose();
});

test('forced overload: new REGISTER and INVITE get 503 + Retry-After; a retransmission, a BYE of an answered call and OPTIONS are still served; it clears', async () => {
  const [alice, bob, carol, dave] = [await phone('1001'), await phone('1002'), await phone('1003'), await phone('1004')];
  for (const p of [alice, bob, carol, dave]) assert.is(await p.register(), 200);
  assert.match(await metric('pbx_sip_overload_state'), /pbx_sip_overload_state 0/);

  // An answered call, alice → bob.
  const answered = await alice.call('1002');
  assert.is(answered.status, 200);
  // A call in progress: dave rings and never answers; carol's INVITE transaction stays in Proceeding.
  dave.answer = { kind: 'ring' };
  const ringing = carol.call('1004', { timeoutMs: 20_000 });
  await carol.next((m) => m.kind === 'response' && m.status === 180 && (getHeader(m, 'cseq') ?? '').endsWith('INVITE'), 5000);
  const inProgress = carol.sentInvites[carol.sentInvites.length - 1];
  assert.ok(getHeader(inProgress, 'proxy-authorization'), 'the authenticated INVITE is the one in progress');

  await setShedDelay(0);

  // 1. A new REGISTER: 503 with a Retry-After from the REGISTER range (5..30 s by default).
  const eve = await phone('1005');
  assert.is(await eve.register(), 503);
  const reg503 = lastFinal(eve, 'REGISTER')!;
  const regRetry = Number(getHeader(reg503, 'retry-after'));
  assert.ok(Number.isInteger(regRetry) && regRetry >= 5 && regRetry <= 30, `Retry-After ${getHeader(reg503, 'retry-after')}`);

  // 2. A new INVITE: 503 with the fixed Retry-After, before any challenge.
  const shedCall = await bob.call('1003');
  assert.is(shedCall.status, 503);
  assert.is(getHeader(shedCall, 'retry-after'), '5');

  // 3. A retransmission of the INVITE in progress is absorbed by its transaction: the
  //    server re-sends its last provisional (RFC 3261 §17.2.1), never a 503.
  const raw: Socket = createSocket('udp4');
  await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
  const rawGot: SipMessage[] = [];
  raw.on('message', (b) => {
    const r = parseMessage(b);
    if (r.ok) rawGot.push(r.message);
  });
  try {
    const carolBefore = carol.mark();
    const rawSend = () => raw.send(serializeMessage(inProgress), pbx.ports.udp, '127.0.0.1');
    rawSend();
    // The response goes where the top Via says (carol's port, rport for the source: the raw socket).
    const deadline = Date.now() + 5000;
    const isRepeat = (m: SipMessage) => m.kind === 'response' && getHeader(m, 'call-id') === getHeader(inProgress, 'call-id');
    while (!rawGot.some(isRepeat) && !carol.received.slice(carolBefore).some(isRepeat) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const answers = [...rawGot, ...carol.received.slice(carolBefore)].filter(isRepeat) as SipResponse[];
    assert.ok(answers.length > 0, 'the retransmission was answered');
    assert.ok(answers.every((m) => m.status < 200), `only provisionals, got ${answers.map((m) => m.status).join(',')}`);
  } finally {
    raw.close();
  }

  // 4. In-dialog: alice hangs up the answered call, 200.
  const bye = await alice.inDialog('BYE');
  assert.is(bye.status, 200);

  // 5. OPTIONS to the server is answered 200 (a keep-alive must not make phones fail over).
  const probe: Socket = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
  try {
    const port = probe.address().port;
    const reply = new Promise<SipMessage>((resolve) => probe.once('message', (b) => { const r = parseMessage(b); if (r.ok) resolve(r.message); }));
    const options = [
      'OPTIONS sip:acme.example SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bK-overload-options`,
      'Max-Forwards: 70',
      'From: <sip:probe@acme.example>;tag=probe1',
      'To: <sip:acme.example>',
      'Call-ID: overload-options-probe',
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    probe.send(Buffer.from(options), pbx.ports.udp, '127.0.0.1');
    const res = await Promise.race([reply, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
    assert.ok(res && res.kind === 'response' && res.status === 200, 'OPTIONS answered 200');
  } finally {
    probe.close();
  }

  const shed = await metric('pbx_sip_shed_total');
  assert.match(shed, /pbx_sip_shed_total\{reason="admission"\} [2-9]/);
  // The gauges are written at the control's next tick (every 100 ms): give it a few.
  let st = '';
  for (let i = 0; i < 30 && !/pbx_sip_overload_state 1/.test(st); i++) {
    st = await metric('pbx_sip_overload_state');
    if (!/pbx_sip_overload_state 1/.test(st)) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(st, /pbx_sip_overload_state 1/, st + '\n' + pbx.logs.filter((l) => / (WARN|ERROR|FATAL) |overload|uncaught/i.test(l)).slice(-30).join('\n'));
  assert.match(await metric('pbx_sip_overload_admitted_share'), /pbx_sip_overload_admitted_share 0/);

  // Load drops (the threshold back at 100 ms, no lag): the admitted share climbs back to 1.
  await setShedDelay(100);
  let status = 0;
  for (let i = 0; i < 40 && status !== 200; i++) {
    status = await eve.register();
    if (status !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  assert.is(status, 200, 'registers again once the state cleared');
  let state = '';
  for (let i = 0; i < 40 && !/ 0$/.test(state); i++) {
    state = await metric('pbx_sip_overload_state');
    if (!/ 0$/.test(state)) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(state, /pbx_sip_overload_state 0/);
  // The ringing call is still alive and ends normally.
  carol.cancel(inProgress);
  const ended = await ringing;
  assert.is(ended.status, 487);
});

test.run();
