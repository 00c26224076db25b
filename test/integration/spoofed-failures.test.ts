// Issue 16 finding 6: failed logins spoofed from a registered phone's address (another
// port) or from a carrier's address must not lock the phone or the carrier out. The
// failing port is refused; the phone keeps registering and receiving calls, the carrier
// keeps delivering them. A source with no binding is still banned (ban.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { freeUdpPortOn } from '../support/carrier.js';
import { UdpPhone } from '../support/udp-phone.js';
import { UdpUa } from '../support/udp-ua.js';

const PHONE_HOST = '127.0.0.20';
const CALLER_HOST = '127.0.0.21';
const OTHER_PHONE_HOST = '127.0.0.22';
const CARRIER_HOST = '127.0.0.30';
const DID = '+14155550100';
let pbx: PbxProcess;
const open: Array<{ close(): void }> = [];

test.before(async () => {
  const carrierPort = await freeUdpPortOn(CARRIER_HOST);
  const acme: TestTenant = {
    id: 'acme',
    domains: ['acme.example'],
    extensions: [
      { ext: '1001', password: 'acme-1001-secret' },
      { ext: '1002', password: 'acme-1002-secret' },
    ],
    extraYaml: [
      'countryCode: "1"',
      'nationalPrefix: "1"',
      `dids: [ "${DID}" ]`,
      'trunks:',
      `  - { name: carrier, kind: ip, host: ${CARRIER_HOST}, port: ${carrierPort}, allowedSources: [ "${CARRIER_HOST}/32" ] }`,
      'inboundRoutes:',
      `  - { did: "${DID}", destination: { extension: "1001" } }`,
    ].join('\n'),
  };
  const base = 44000 + Math.floor(Math.random() * 50) * 100;
  pbx = await PbxProcess.start({
    tenants: [acme],
    transports: ['udp'],
    extraYaml: [
      `rtp: { ports: ${base}-${base + 99}, workers: 1 }`,
      'security: { floodRate: 300, authFailBan: { attempts: 10, windowSeconds: 60, banSeconds: 600 }, tenantTrunkAllowedNetworks: [ "127.0.0.0/8" ] }',
      'registrar: { writeDelayMs: 0 }',
      'calls: { noAnswerSeconds: 8 }',
    ].join('\n'),
  });
});
test.after(async () => {
  for (const o of open) o.close();
  await pbx?.dispose();
});

const server = () => ({ host: '127.0.0.1', port: pbx.ports.udp });

async function phone(user: string, bindAddress: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain: 'acme.example', password: `acme-${user}-secret`, server: server(), bindAddress });
  open.push(p);
  return p;
}

/** `n` REGISTERs with a wrong password from one socket on `host`; how many were answered 403. */
async function guess(host: string, n: number): Promise<{ ua: UdpUa; refused: number; unanswered: number }> {
  const ua = await UdpUa.open(server(), host);
  open.push(ua);
  let refused = 0;
  let unanswered = 0;
  for (let i = 0; i < n; i++) {
    const r = await ua.registerWithAuth({ user: '1002', domain: 'acme.example', password: `guess-${i}`, algorithm: 'MD5' });
    if (r.final?.status === 403) refused++;
    if (!r.challenge || !r.final) unanswered++;
  }
  return { ua, refused, unanswered };
}

async function ring(caller: UdpPhone, callee: UdpPhone, target: string, domain?: string): Promise<void> {
  const from = callee.mark();
  const res = await caller.call(target, { timeoutMs: 10_000, ...(domain ? { domain } : {}) });
  assert.is(res.status, 200, `the call to ${target} was answered`);
  await callee.next((m) => m.kind === 'request' && m.method === 'INVITE', 2000, from);
  const bye = await caller.inDialog('BYE');
  assert.is(bye.status, 200);
}

test('spoofed failures from a registered phone\'s address ban the attacking port only: the phone re-registers and receives a call', async () => {
  const callee = await phone('1001', PHONE_HOST);
  assert.is(await callee.register(), 200);

  const attack = await guess(PHONE_HOST, 12);
  assert.is(attack.refused, 10, 'ten 403s, then the ban');
  await pbx.waitForLog(/source banned address=127\.0\.0\.20 /);
  const again = await attack.ua.registerWithAuth({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret' });
  assert.is(again.challenge, undefined, 'the attacking port gets no answer, even with a right password');
  const otherPort = await UdpUa.open(server(), PHONE_HOST);
  open.push(otherPort);
  assert.is((await otherPort.registerWithAuth({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret' })).challenge, undefined, 'nor does any other unknown port of that address');

  assert.is(await callee.register(), 200, 'the phone re-registers from its own port');
  const caller = await phone('1002', CALLER_HOST);
  await ring(caller, callee, '1001');

  // Finding 10a: the twelve failures wrote one full line, not twelve.
  assert.is(pbx.logs.filter((l) => /authentication failed/.test(l) && l.includes(PHONE_HOST)).length, 1);
});

test('spoofed failures from a trunk\'s address do not lock the carrier out: it still delivers a call', async () => {
  const callee = await phone('1001', OTHER_PHONE_HOST);
  assert.is(await callee.register(), 200);
  const attack = await guess(CARRIER_HOST, 12);
  assert.is(attack.refused, 10, 'ten 403s');
  assert.ok(attack.unanswered >= 1, 'then the attacking port is refused');

  // The carrier calls the DID as itself (From in its own domain), from its own port.
  const carrier = await UdpPhone.open({ user: '+16505550123', domain: 'carrier.example', password: 'unused', server: server(), bindAddress: CARRIER_HOST });
  open.push(carrier);
  await ring(carrier, callee, DID, '127.0.0.1');
});

test.run();
