// Trunks and routing (issue 4) through the real server process: outbound calls from an extension to
// a carrier (number format, caller ID, failover, the carrier's digest challenge), a register trunk
// against a carrier registrar, inbound calls from a carrier to the DIDs of two tenants, and toll
// fraud: what must never leave through a trunk. The carriers are SIPp (and, where SIPp cannot play
// the part, a plain UDP socket) on loopback addresses of their own: 127.0.0.10 (the provider's
// carrier), 127.0.0.11 (acme's backup and challenging carriers), 127.0.0.12 (acme's registrar),
// 127.0.0.14 (a carrier whose challenge an attacker on 127.0.0.13 answers first). The records are
// read from each tenant's SQLite file.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { Callee, Caller, pbxServer, type Party } from '../support/call-harness.js';
import {
  CarrierCaller,
  CarrierUas,
  digestResponseOk,
  freeUdpPortOn,
  headerValues,
  RawUdpPeer,
  responseTo,
  tracedMessages,
  uriUser,
  type CarrierCallerScenario,
  type TracedMessage,
} from '../support/carrier.js';
import { PbxProcess, REPO, type TestTenant } from '../support/pbx-process.js';
import { SippProcess } from '../support/sipp-process.js';
import { requireTools } from '../support/tools.js';
import { UdpPhone } from '../support/udp-phone.js';

const CARRIER = '127.0.0.10';
const BACKUP = '127.0.0.11';
const REGISTRAR = '127.0.0.12';
const ATTACKER = '127.0.0.13';
const SPOOFED = '127.0.0.14';
const STRANGER = '127.0.0.20';

const secret = (t: string, e: string) => `${t}-${e}-secret`;
const party = (t: string, e: string): Party => ({ user: e, domain: `${t}.example`, password: secret(t, e) });

const TRUNK_AUTH = { username: 'acme-trunk', password: 'trunk-secret-1', realm: 'carrier.example' };
const SPOOF_AUTH = { username: 'acme-spoof', password: 'spoof-secret-1' };
const REG_AUTH = { username: 'acme-reg', password: 'reg-secret-1', realm: 'registrar.example' };

/** Where nothing may arrive in a toll-fraud case: how long we watch. */
const QUIET_MS = 3000;

const s = suite('trunks and routing: carriers played by SIPp on other loopback addresses');
const enabled = requireTools('trunks with SIPp', 'sipp');
const run = enabled ? s : s.skip;

let pbx: PbxProcess;
let ports: { carrier: number; backup: number; authed: number; spoofed: number; registrar: number };
let registrar: SippProcess | undefined;
const REGISTRAR_SCENARIO = join(REPO, 'test/sipp/carrier-registrar.xml');

function tenants(): TestTenant[] {
  const acme: TestTenant = {
    id: 'acme',
    domains: ['acme.example'],
    extensions: [
      { ext: '1001', password: secret('acme', '1001'), classOfService: 'international', callerId: '+14155550111' },
      { ext: '1002', password: secret('acme', '1002'), classOfService: 'national' },
      { ext: '1003', password: secret('acme', '1003') },
    ],
    extraYaml: [
      'countryCode: "1"',
      'nationalPrefix: "1"',
      'callerId: "+14155550100"',
      'dids: [ "+14155550100", "+14155550101" ]',
      'trunks:',
      `  - { name: backup, kind: ip, host: ${BACKUP}, port: ${ports.backup}, allowedSources: [ "${BACKUP}/32" ] }`,
      `  - { name: authed, kind: ip, host: ${BACKUP}, port: ${ports.authed}, allowedSources: [ "${BACKUP}/32" ], username: ${TRUNK_AUTH.username}, password: "${TRUNK_AUTH.password}" }`,
      `  - { name: spoofable, kind: ip, host: ${SPOOFED}, port: ${ports.spoofed}, allowedSources: [ "${SPOOFED}/32" ], username: ${SPOOF_AUTH.username}, password: "${SPOOF_AUTH.password}" }`,
      `  - { name: reg, kind: register, host: ${REGISTRAR}, port: ${ports.registrar}, username: ${REG_AUTH.username}, password: "${REG_AUTH.password}", registerExpires: 60 }`,
      'ringGroups:',
      '  - { name: sales, strategy: simultaneous, members: [ "1002", "1003" ], ringSeconds: 10 }',
      'inboundRoutes:',
      '  - { did: "+14155550100", destination: { extension: "1001" } }',
      '  - { did: "+14155550101", destination: { ringGroup: sales } }',
      'outboundRoutes:',
      '  - { name: failover, patterns: [ "1303NXXXXXX" ], prepend: "+", trunks: [ carrier, backup ] }',
      '  - { name: authed, patterns: [ "1212NXXXXXX" ], prepend: "+", trunks: [ authed ] }',
      '  - { name: spoof, patterns: [ "1646NXXXXXX" ], prepend: "+", trunks: [ spoofable ] }',
      '  - { name: local, patterns: [ "NXXNXXXXXX" ], prepend: "+1", trunks: [ carrier ] }',
      '  - { name: national, patterns: [ "1NXXNXXXXXX" ], prepend: "+", trunks: [ carrier ] }',
      '  - { name: international, patterns: [ "011." ], strip: 3, prepend: "+", trunks: [ carrier ] }',
    ].join('\n'),
  };
  const globex: TestTenant = {
    id: 'globex',
    domains: ['globex.example'],
    extensions: [{ ext: '2001', password: secret('globex', '2001') }],
    extraYaml: [
      'countryCode: "1"',
      'nationalPrefix: "1"',
      'callerId: "+13125550100"',
      'dids: [ "+13125550100" ]',
      'inboundRoutes:',
      '  - { did: "*", destination: { extension: "2001" } }',
      'outboundRoutes:',
      '  - { name: local, patterns: [ "NXXNXXXXXX" ], prepend: "+1", trunks: [ carrier ] }',
    ].join('\n'),
  };
  return [acme, globex];
}

s.before(async () => {
  if (!enabled) return;
  ports = {
    carrier: await freeUdpPortOn(CARRIER),
    backup: await freeUdpPortOn(BACKUP),
    authed: await freeUdpPortOn(BACKUP),
    spoofed: await freeUdpPortOn(SPOOFED),
    registrar: await freeUdpPortOn(REGISTRAR),
  };
  const base = 43000 + Math.floor(Math.random() * 50) * 200;
  pbx = await PbxProcess.create({
    tenants: tenants(),
    transports: ['udp'],
    extraYaml: [
      `rtp: { ports: ${base}-${base + 199}, workers: 1 }`,
      'security: { trusted: [ "127.0.0.0/8" ], tenantTrunkAllowedNetworks: [ "127.0.0.0/8" ] }',
      'registrar: { writeDelayMs: 0 }',
      'calls: { noAnswerSeconds: 8 }',
      'trunks:',
      `  - { name: carrier, kind: ip, host: ${CARRIER}, port: ${ports.carrier}, allowedSources: [ "${CARRIER}/32" ], tenants: [ "*" ] }`,
    ].join('\n'),
  });
  // The register trunk registers as the server starts: its registrar is up first.
  if (existsSync(REGISTRAR_SCENARIO)) {
    registrar = SippProcess.start({
      scenario: REGISTRAR_SCENARIO,
      remote: pbxServer(pbx),
      inject: Array.from({ length: 20 }, () => [REG_AUTH.username, REG_AUTH.password, REG_AUTH.realm]),
      calls: 20,
      localIp: REGISTRAR,
      localPort: ports.registrar,
      timeoutSeconds: 240,
      traceMessages: true,
    });
  }
  await pbx.start();
});

s.after(async () => {
  await registrar?.dispose();
  await pbx?.dispose();
});

// ---- helpers ------------------------------------------------------------------------------

type Cdr = ReturnType<SqliteTenantStore['listCdrs']>[number];

function cdrs(tenant: string): Cdr[] {
  const st = SqliteTenantStore.open(join(pbx.dir, 'data'), tenant);
  try {
    return st.listCdrs({ newestFirst: true, limit: 1000 });
  } finally {
    st.close();
  }
}

async function cdrOf(tenant: string, match: (c: Cdr) => boolean): Promise<Cdr | undefined> {
  for (let i = 0; i < 50; i++) {
    const c = cdrs(tenant).find(match);
    if (c) return c;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

const show = (x: unknown) => JSON.stringify(x);

/** The outbound record of the call to this number (found by toNumber or, failing that, by the Request-URI sent). */
async function outboundCdr(tenant: string, number: string): Promise<Cdr> {
  const cdr = await cdrOf(tenant, (c) => c.direction === 'outbound' && (c.toNumber === number || c.toUri.includes(`:${number}@`)));
  assert.ok(cdr, `an outbound record in ${tenant} for ${number}: ${show(cdrs(tenant).slice(0, 3))}`);
  return cdr!;
}

/** The inbound record of the call from this caller number (found by fromNumber or by the From URI). */
async function inboundCdr(tenant: string, from: string): Promise<Cdr> {
  const cdr = await cdrOf(tenant, (c) => c.direction === 'inbound' && (c.fromNumber === from || c.fromUri.includes(`:${from}@`)));
  assert.ok(cdr, `an inbound record in ${tenant} from ${from}: ${show(cdrs(tenant).slice(0, 3))}`);
  return cdr!;
}

/** The part of a SIPp outcome worth reading in an assertion message: its errors log, else its tail. */
function brief(o: { output: string }): string {
  const i = o.output.indexOf('--- errors log ---');
  return i >= 0 ? o.output.slice(i, i + 3000) : o.output.slice(-1500);
}

/** The server's log lines since `from`, for assertion messages. */
function logSince(from: number): string {
  return pbx.logs.slice(from).slice(-60).join('\n');
}

function header(m: TracedMessage | undefined, name: string): string | undefined {
  return m ? headerValues(m.text, name)[0] : undefined;
}

function hasCredentials(text: string): boolean {
  return headerValues(text, 'authorization').length > 0 || headerValues(text, 'proxy-authorization').length > 0;
}

/** One outbound call from an extension (SIPp call-uac.xml, which answers the PBX's 407) to a carrier. */
async function outboundCall(o: { caller: Party; dial: string; carrier: CarrierUas; seconds?: number }) {
  const caller = await Caller.start({ server: pbxServer(pbx), party: o.caller, callee: o.dial, seconds: o.seconds ?? 1, timeoutSeconds: 40 });
  try {
    const callerOut = await caller.finished();
    const carrierOut = (await o.carrier.finishedWithin(8000)) ?? (await o.carrier.dispose());
    return { caller: callerOut, carrier: carrierOut };
  } finally {
    await caller.dispose();
  }
}

/** A carrier UAS that must receive nothing: listening on the trunk, to be asked afterwards. */
async function watcher(address: string, port: number): Promise<CarrierUas> {
  return CarrierUas.start({ address, port, server: pbxServer(pbx), timeoutSeconds: 60 });
}

/** Raw sockets on every other trunk address of the config, for the same purpose. */
async function rawWatchers(): Promise<RawUdpPeer[]> {
  return Promise.all([
    RawUdpPeer.open(BACKUP, ports.backup),
    RawUdpPeer.open(BACKUP, ports.authed),
    RawUdpPeer.open(SPOOFED, ports.spoofed),
  ]);
}

function invitesAt(peers: RawUdpPeer[]): string[] {
  return peers.flatMap((p) => p.received.filter((d) => /^INVITE /.test(d.text)).map((d) => `${p.address}:${p.port} got ${d.text.split('\r\n', 1)[0]}`));
}

/** A plain INVITE from a socket, as an attacker sends it: no credentials. */
function rawInvite(o: { from: RawUdpPeer; ruri: string; fromUri: string; callId: string; branch: string; cseq?: number; extra?: string[] }): string {
  const sdp = `v=0\r\no=- 1 1 IN IP4 ${o.from.address}\r\ns=-\r\nc=IN IP4 ${o.from.address}\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=sendrecv\r\n`;
  return [
    `INVITE ${o.ruri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${o.from.address}:${o.from.port};branch=${o.branch};rport`,
    'Max-Forwards: 70',
    `From: <${o.fromUri}>;tag=fraud-${o.branch}`,
    `To: <${o.ruri}>`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq ?? 1} INVITE`,
    `Contact: <sip:x@${o.from.address}:${o.from.port}>`,
    ...(o.extra ?? []),
    'Content-Type: application/sdp',
    `Content-Length: ${sdp.length}`,
    '',
    sdp,
  ].join('\r\n');
}

function ackFor(invite: string, response: string): string {
  const via = headerValues(invite, 'via')[0]!;
  const ruri = invite.split('\r\n', 1)[0]!.split(' ')[1]!;
  const cseq = headerValues(invite, 'cseq')[0]!.split(' ')[0];
  return [
    `ACK ${ruri} SIP/2.0`,
    `Via: ${via}`,
    'Max-Forwards: 70',
    `From: ${headerValues(invite, 'from')[0]}`,
    `To: ${headerValues(response, 'to')[0]}`,
    `Call-ID: ${headerValues(invite, 'call-id')[0]}`,
    `CSeq: ${cseq} ACK`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

const pbxAddr = () => ({ host: '127.0.0.1', port: pbx.ports.udp });

// ---- trunk registration ----------------------------------------------------------------------

run('register trunk: REGISTERs to the carrier registrar, answers its 401 with the trunk credentials, and refreshes', async () => {
  assert.ok(registrar, `test/sipp/carrier-registrar.xml is not there yet: the registrar on ${REGISTRAR} cannot be played`);
  // The registrar grants a short expiry; the refresh comes at half of it at the latest.
  const deadline = Date.now() + 45_000;
  let msgs: TracedMessage[] = [];
  let registers: TracedMessage[] = [];
  let authed: TracedMessage[] = [];
  for (;;) {
    msgs = tracedMessages(registrar!.messages());
    registers = msgs.filter((m) => m.direction === 'received' && /^REGISTER /.test(m.startLine));
    authed = registers.filter((m) => headerValues(m.text, 'authorization').length > 0);
    // registered once, then at least one refresh that was accepted again
    const oks = msgs.filter((m) => m.direction === 'sent' && /^SIP\/2\.0 200 /.test(m.startLine));
    if ((authed.length >= 2 && oks.length >= 2) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const trace = msgs.map((m) => `${m.direction === 'received' ? '<-' : '->'} ${m.startLine}`).join('\n');
  assert.ok(registers.length > 0, `the registrar on ${REGISTRAR}:${ports.registrar} got no REGISTER;\nserver log:\n${logSince(0)}`);
  const first = registers[0]!;
  assert.is(uriUser(header(first, 'to')), REG_AUTH.username, 'To carries the trunk account: ' + header(first, 'to'));
  assert.ok(msgs.some((m) => m.direction === 'sent' && /^SIP\/2\.0 401 /.test(m.startLine)), 'the registrar challenged:\n' + trace);
  assert.ok(authed.length >= 1, 'a REGISTER came back with Authorization:\n' + trace + '\nserver log:\n' + logSince(0));
  for (const r of authed) {
    const a = headerValues(r.text, 'authorization')[0]!;
    assert.ok(/username="acme-reg"/.test(a), 'username of the trunk: ' + a);
    assert.ok(digestResponseOk(a, REG_AUTH.password, 'REGISTER'), 'a digest response right for the trunk password: ' + a);
  }
  assert.ok(authed.length >= 2, `at least one refresh, authorised, within the granted expiry (REGISTERs seen: ${registers.length}):\n${trace}\nserver log:\n${logSince(0)}`);
  assert.ok(
    registers.every((r) => !/^REGISTER sips?:[^ ]*@127\.0\.0\.1/.test(r.startLine)),
    'the Request-URI is the registrar (the trunk host), not ours',
  );
});

// ---- outbound -----------------------------------------------------------------------------

run('outbound: 4155550199 from 1001 reaches the carrier as +14155550199 with the extension caller ID in From and P-Asserted-Identity; CDR outbound', async () => {
  const carrier = await CarrierUas.start({ address: CARRIER, port: ports.carrier, server: pbxServer(pbx), expectUser: '+14155550199', expectCallerId: '+14155550111', timeoutSeconds: 40 });
  const mark = pbx.logs.length;
  try {
    const r = await outboundCall({ caller: party('acme', '1001'), dial: '4155550199', carrier });
    const inv = carrier.invites()[0];
    assert.ok(inv, `the carrier got no INVITE; caller:\n${brief(r.caller)}\nserver log:\n${logSince(mark)}`);
    assert.is(inv!.startLine, `INVITE sip:+14155550199@${CARRIER} SIP/2.0`, 'Request-URI: the E.164 number at the trunk host');
    assert.is(uriUser(header(inv, 'from')), '+14155550111', 'From: ' + header(inv, 'from'));
    assert.is(uriUser(header(inv, 'p-asserted-identity')), '+14155550111', 'P-Asserted-Identity: ' + header(inv, 'p-asserted-identity'));
    assert.not.ok(hasCredentials(inv!.text), 'the extension’s credentials are not passed on to the carrier');
    assert.is(r.caller.successful, 1, 'caller: ' + brief(r.caller) + '\nserver log:\n' + logSince(mark));
    assert.is(r.carrier.successful, 1, 'carrier checks (number, caller ID): ' + brief(r.carrier));
    const cdr = await outboundCdr('acme', '+14155550199');
    assert.is(cdr.disposition, 'answered');
    assert.is(cdr.fromExt, '1001');
    assert.is(cdr.toNumber, '+14155550199', 'toNumber (E.164): ' + show(cdr));
    assert.is(cdr.trunk, 'carrier', 'trunk: ' + show(cdr));
    assert.is(cdr.fromNumber, '+14155550111', 'fromNumber (the caller ID sent): ' + show(cdr));
  } finally {
    await carrier.dispose();
  }
});

run('outbound: 14155550198 from 1002 (no caller ID of its own) goes out as +14155550198 with the tenant caller ID', async () => {
  const carrier = await CarrierUas.start({ address: CARRIER, port: ports.carrier, server: pbxServer(pbx), expectUser: '+14155550198', expectCallerId: '+14155550100', timeoutSeconds: 40 });
  const mark = pbx.logs.length;
  try {
    const r = await outboundCall({ caller: party('acme', '1002'), dial: '14155550198', carrier });
    const inv = carrier.invites()[0];
    assert.ok(inv, `the carrier got no INVITE; caller:\n${brief(r.caller)}\nserver log:\n${logSince(mark)}`);
    assert.is(inv!.startLine, `INVITE sip:+14155550198@${CARRIER} SIP/2.0`);
    assert.is(uriUser(header(inv, 'from')), '+14155550100', 'From: ' + header(inv, 'from'));
    assert.is(uriUser(header(inv, 'p-asserted-identity')), '+14155550100', 'P-Asserted-Identity: ' + header(inv, 'p-asserted-identity'));
    assert.is(r.caller.successful, 1, 'caller: ' + brief(r.caller));
    assert.is(r.carrier.successful, 1, 'carrier: ' + brief(r.carrier));
  } finally {
    await carrier.dispose();
  }
});

run('outbound: 011442079460123 from 1001 (international) goes out with 011 stripped and + prepended: +442079460123', async () => {
  const carrier = await CarrierUas.start({ address: CARRIER, port: ports.carrier, server: pbxServer(pbx), expectUser: '+442079460123', expectCallerId: '+14155550111', timeoutSeconds: 40 });
  const mark = pbx.logs.length;
  try {
    const r = await outboundCall({ caller: party('acme', '1001'), dial: '011442079460123', carrier });
    const inv = carrier.invites()[0];
    assert.ok(inv, `the carrier got no INVITE; caller:\n${brief(r.caller)}\nserver log:\n${logSince(mark)}`);
    assert.is(inv!.startLine, `INVITE sip:+442079460123@${CARRIER} SIP/2.0`);
    assert.is(r.caller.successful, 1, 'caller: ' + brief(r.caller));
    assert.is(r.carrier.successful, 1, 'carrier: ' + brief(r.carrier));
    const cdr = await outboundCdr('acme', '+442079460123');
    assert.is(cdr.toNumber, '+442079460123', 'toNumber (E.164): ' + show(cdr));
    assert.is(cdr.trunk, 'carrier', 'trunk: ' + show(cdr));
  } finally {
    await carrier.dispose();
  }
});

run('failover: the first trunk answers 503, the call completes on the second; CDR names the second', async () => {
  const down = await CarrierUas.start({ address: CARRIER, port: ports.carrier, server: pbxServer(pbx), scenario: 'carrier-uas-503.xml', timeoutSeconds: 40 });
  const backup = await CarrierUas.start({ address: BACKUP, port: ports.backup, server: pbxServer(pbx), expectUser: '+13035550123', expectCallerId: '+14155550111', timeoutSeconds: 40 });
  const mark = pbx.logs.length;
  try {
    const r = await outboundCall({ caller: party('acme', '1001'), dial: '13035550123', carrier: backup });
    const first = down.invites()[0];
    assert.ok(first, `the first trunk got no INVITE:\n${down.summary()}\nserver log:\n${logSince(mark)}`);
    assert.is(first!.startLine, `INVITE sip:+13035550123@${CARRIER} SIP/2.0`);
    assert.ok(down.received().some((m) => /^ACK /.test(m.startLine)), 'the 503 was acknowledged:\n' + down.summary());
    const second = backup.invites()[0];
    assert.ok(second, `the second trunk got no INVITE after the 503:\n${backup.summary()}\ncaller:\n${brief(r.caller)}\nserver log:\n${logSince(mark)}`);
    assert.is(second!.startLine, `INVITE sip:+13035550123@${BACKUP} SIP/2.0`);
    assert.is(r.caller.successful, 1, 'the caller got the answer of the second trunk: ' + brief(r.caller) + '\nserver log:\n' + logSince(mark));
    assert.is(r.carrier.successful, 1, 'second carrier: ' + brief(r.carrier));
    const cdr = await outboundCdr('acme', '+13035550123');
    assert.is(cdr.disposition, 'answered');
    assert.is(cdr.trunk, 'backup', 'trunk: the one that answered: ' + show(cdr));
  } finally {
    await down.dispose();
    await backup.dispose();
  }
});

for (const challenge of [407, 401] as const) {
  run(`carrier auth: the trunk answers ${challenge}; the INVITE comes again with ${challenge === 407 ? 'Proxy-Authorization' : 'Authorization'} for the trunk credentials, and the call completes`, async () => {
    const carrier = await CarrierUas.start({
      address: BACKUP,
      port: ports.authed,
      server: pbxServer(pbx),
      scenario: 'carrier-uas-auth.xml',
      expectUser: '+12125550123',
      expectCallerId: '+14155550111',
      auth: { ...TRUNK_AUTH, challenge },
      timeoutSeconds: 40,
    });
    const mark = pbx.logs.length;
    try {
      const r = await outboundCall({ caller: party('acme', '1001'), dial: '12125550123', carrier });
      const invites = carrier.invites();
      const cseqs = [...new Set(invites.map((m) => header(m, 'cseq')))];
      assert.ok(invites.length >= 1, `the carrier got no INVITE:\n${carrier.summary()}\nserver log:\n${logSince(mark)}`);
      assert.not.ok(hasCredentials(invites[0]!.text), 'no credentials before the challenge');
      assert.is(cseqs.length, 2, `one challenged INVITE and one with credentials (CSeqs ${show(cseqs)}):\n${carrier.summary()}\nserver log:\n${logSince(mark)}`);
      const again = invites.find((m) => hasCredentials(m.text))!;
      const name = challenge === 407 ? 'proxy-authorization' : 'authorization';
      const cred = headerValues(again.text, name)[0];
      assert.ok(cred, `the INVITE again carries ${name}:\n${again.text}`);
      assert.ok(/username="acme-trunk"/.test(cred!), cred);
      assert.ok(/realm="carrier\.example"/.test(cred!), cred);
      assert.ok(digestResponseOk(cred!, TRUNK_AUTH.password, 'INVITE'), 'a digest response right for the trunk password: ' + cred);
      assert.is(r.carrier.successful, 1, 'carrier checks: ' + brief(r.carrier));
      assert.is(r.caller.successful, 1, 'caller: ' + brief(r.caller) + '\nserver log:\n' + logSince(mark));
      const cdr = await outboundCdr('acme', '+12125550123');
      assert.is(cdr.disposition, 'answered');
      assert.is(cdr.trunk, 'authed', 'trunk: ' + show(cdr));
    } finally {
      await carrier.dispose();
    }
  });
}

// ---- inbound ------------------------------------------------------------------------------

run('inbound: the carrier calls a DID of each tenant; each reaches that tenant’s extension, and the record is in that tenant only', async () => {
  const acme1001 = await Callee.start({ server: pbxServer(pbx), party: party('acme', '1001'), timeoutSeconds: 60 });
  const globex2001 = await Callee.start({ server: pbxServer(pbx), party: party('globex', '2001'), timeoutSeconds: 60 });
  const mark = pbx.logs.length;
  try {
    const calls = [
      { did: '+14155550100', from: '+16505550123', reached: acme1001, other: globex2001, tenant: 'acme', otherTenant: 'globex' },
      { did: '+13125550100', from: '+16505550133', reached: globex2001, other: acme1001, tenant: 'globex', otherTenant: 'acme' },
    ] as const;
    const invitesOf = (c: Callee) => tracedMessages(c.uas.messages()).filter((m) => m.direction === 'received' && /^INVITE /.test(m.startLine)).length;
    // first the calls themselves, for both tenants
    for (const c of calls) {
      const before = invitesOf(c.other);
      const call = await CarrierCaller.start({ address: CARRIER, server: pbxServer(pbx), to: c.did, from: c.from, seconds: 1 });
      const out = await call.finished();
      await call.dispose();
      assert.is(out.successful, 1, `carrier call to ${c.did}: ${brief(out)}\nserver log:\n${logSince(mark)}`);
      assert.ok(invitesOf(c.reached) >= 1, `${c.tenant}'s extension got the call to ${c.did}`);
      assert.is(invitesOf(c.other), before, `${c.otherTenant}'s extension got nothing of the call to ${c.did}`);
    }
    // then the records
    for (const c of calls) {
      const cdr = await inboundCdr(c.tenant, c.from);
      assert.is(cdr.disposition, 'answered');
      assert.not.ok(
        cdrs(c.otherTenant).some((x) => x.did === c.did || x.fromUri.includes(c.from)),
        `no record of the call to ${c.did} in ${c.otherTenant}: ${show(cdrs(c.otherTenant).filter((x) => x.did === c.did || x.fromUri.includes(c.from)))}`,
      );
      assert.is(cdr.did, c.did, 'did: ' + show(cdr));
      assert.is(cdr.trunk, 'carrier', 'trunk: ' + show(cdr));
      assert.is(cdr.fromNumber, c.from, 'fromNumber: ' + show(cdr));
    }
    assert.is((await acme1001.finished()).successful, 1);
    assert.is((await globex2001.finished()).successful, 1);
  } finally {
    await acme1001.unregister().catch(() => undefined);
    await globex2001.unregister().catch(() => undefined);
    await acme1001.stop();
    await globex2001.stop();
  }
});

run('inbound: a DID routed to a ring group reaches the member that is registered', async () => {
  const member = await Callee.start({ server: pbxServer(pbx), party: party('acme', '1003'), timeoutSeconds: 40 });
  const mark = pbx.logs.length;
  try {
    const call = await CarrierCaller.start({ address: CARRIER, server: pbxServer(pbx), to: '+14155550101', from: '+16505550124', seconds: 1 });
    const out = await call.finished();
    await call.dispose();
    assert.is(out.successful, 1, `carrier call to the ring group: ${brief(out)}\nserver log:\n${logSince(mark)}`);
    assert.is((await member.finished()).successful, 1, 'the member 1003 answered');
    const cdr = await inboundCdr('acme', '+16505550124');
    assert.is(cdr.did, '+14155550101', 'did: ' + show(cdr));
    assert.is(cdr.trunk, 'carrier', 'trunk: ' + show(cdr));
  } finally {
    await member.unregister().catch(() => undefined);
    await member.stop();
  }
});

async function refusedInbound(to: string, scenario: CarrierCallerScenario = 'carrier-uac-not-found.xml') {
  const call = await CarrierCaller.start({ address: CARRIER, server: pbxServer(pbx), to, from: '+16505550125', scenario, timeoutSeconds: 20 });
  const out = await call.finished();
  const finals = call.finals();
  await call.dispose();
  return { out, finals };
}

run('inbound: a number that is no DID of any tenant gets 404, and nothing goes out through a trunk', async () => {
  const carrier = await watcher(CARRIER, ports.carrier);
  const raw = await rawWatchers();
  const mark = pbx.logs.length;
  try {
    const r = await refusedInbound('+14155559999');
    assert.is(r.out.successful, 1, `404 expected, got ${show(r.finals)}: ${brief(r.out)}\nserver log:\n${logSince(mark)}`);
    await new Promise((res) => setTimeout(res, QUIET_MS));
    assert.is(carrier.invites().length, 0, 'the carrier trunk got nothing:\n' + carrier.summary());
    assert.equal(invitesAt(raw), []);
  } finally {
    await carrier.dispose();
    raw.forEach((p) => p.close());
  }
});

// ---- toll fraud ---------------------------------------------------------------------------

run('toll fraud: an INVITE from the carrier to an external number (no DID) is refused with 404, never relayed out through a trunk', async () => {
  const carrier = await watcher(CARRIER, ports.carrier);
  const raw = await rawWatchers();
  const mark = pbx.logs.length;
  try {
    for (const to of ['+14155550199', '4155550199', '011442079460123']) {
      const r = await refusedInbound(to);
      assert.is(r.out.successful, 1, `${to}: 404 expected, got ${show(r.finals)}: ${brief(r.out)}\nserver log:\n${logSince(mark)}`);
    }
    await new Promise((res) => setTimeout(res, QUIET_MS));
    assert.is(carrier.invites().length, 0, 'the carrier trunk got nothing:\n' + carrier.summary() + '\nserver log:\n' + logSince(mark));
    assert.equal(invitesAt(raw), []);
  } finally {
    await carrier.dispose();
    raw.forEach((p) => p.close());
  }
});

run('toll fraud: an unauthenticated INVITE from a stranger to an external number is challenged or refused, never forwarded', async () => {
  const carrier = await watcher(CARRIER, ports.carrier);
  const raw = await rawWatchers();
  const stranger = await RawUdpPeer.open(STRANGER);
  const mark = pbx.logs.length;
  try {
    const cases = [
      { ruri: 'sip:4155550199@acme.example', fromUri: 'sip:1001@acme.example' },
      { ruri: 'sip:+14155550199@acme.example', fromUri: 'sip:1001@acme.example' },
      { ruri: `sip:011442079460123@127.0.0.1:${pbx.ports.udp}`, fromUri: 'sip:+14155550100@acme.example' },
      // pretending to be the carrier in From does not make one the carrier
      { ruri: `sip:+14155550199@127.0.0.1:${pbx.ports.udp}`, fromUri: `sip:+16505550123@${CARRIER}` },
    ];
    for (const [i, c] of cases.entries()) {
      const at = stranger.received.length;
      const inv = rawInvite({ from: stranger, ruri: c.ruri, fromUri: c.fromUri, callId: `fraud-${i}-${Date.now()}@${STRANGER}`, branch: `z9hG4bK-fraud-${i}-${Date.now()}` });
      await stranger.send(inv, pbxAddr());
      const res = await stranger.next((d) => /^SIP\/2\.0 [2-6]\d\d /.test(d.text), 5000, at);
      assert.ok(res, `${c.ruri}: no final answer;\nserver log:\n${logSince(mark)}`);
      const status = Number(res!.text.slice(8, 11));
      assert.ok([401, 403, 404, 407].includes(status), `${c.ruri}: challenged or refused, got ${res!.text.split('\r\n', 1)[0]}`);
      await stranger.send(ackFor(inv, res!.text), pbxAddr());
    }
    await new Promise((res) => setTimeout(res, QUIET_MS));
    assert.is(carrier.invites().length, 0, 'the carrier trunk got nothing:\n' + carrier.summary() + '\nserver log:\n' + logSince(mark));
    assert.equal(invitesAt(raw), []);
  } finally {
    stranger.close();
    await carrier.dispose();
    raw.forEach((p) => p.close());
  }
});

run('toll fraud: an extension of class national dialling 011… gets 403 and nothing reaches the carrier', async () => {
  const carrier = await watcher(CARRIER, ports.carrier);
  const p = party('acme', '1002');
  const phone = await UdpPhone.open({ ...p, server: pbxAddr() });
  const mark = pbx.logs.length;
  try {
    const res = await phone.call('011442079460123', { timeoutMs: 10_000 });
    assert.is(res.status, 403, `403 for an international number from a national extension; got ${res.status}\nserver log:\n${logSince(mark)}`);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.is(carrier.invites().length, 0, 'the carrier got nothing:\n' + carrier.summary());
  } finally {
    phone.close();
    await carrier.dispose();
  }
});

run('toll fraud: a 401 for our INVITE to a trunk sent from another address is never answered with the trunk credentials', async () => {
  const fake = await RawUdpPeer.open(SPOOFED, ports.spoofed);
  const attacker = await RawUdpPeer.open(ATTACKER);
  const p = party('acme', '1001');
  const phone = await UdpPhone.open({ ...p, server: pbxAddr() });
  const mark = pbx.logs.length;
  try {
    const calling = phone.call('16465550123', { timeoutMs: 40_000 });
    const inv = await fake.next((d) => /^INVITE /.test(d.text), 10_000);
    assert.ok(inv, `the trunk at ${SPOOFED} got no INVITE;\nserver log:\n${logSince(mark)}`);
    assert.not.ok(hasCredentials(inv!.text), 'no credentials in the first INVITE');
    // The attacker, who can see (or guess) the transaction, answers it first, from its own address.
    const challenge = responseTo(inv!.text, 401, 'Unauthorized', [`WWW-Authenticate: Digest realm="carrier.example", nonce="attacker-nonce-1", qop="auth", algorithm=MD5`]);
    const challenge407 = responseTo(inv!.text, 407, 'Proxy Authentication Required', [`Proxy-Authenticate: Digest realm="carrier.example", nonce="attacker-nonce-2", qop="auth", algorithm=MD5`]);
    await attacker.send(challenge, { host: inv!.from.address, port: inv!.from.port });
    await attacker.send(challenge407, { host: inv!.from.address, port: inv!.from.port });
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const leaked = [...fake.received, ...attacker.received].filter((d) => hasCredentials(d.text));
    assert.equal(
      leaked.map((d) => d.text.split('\r\n\r\n')[0]),
      [],
      'no request with the trunk credentials, to anyone',
    );
    // The real carrier then refuses; the caller gets a final answer and no credentials went anywhere.
    await fake.send(responseTo(inv!.text, 503, 'Service Unavailable'), { host: inv!.from.address, port: inv!.from.port });
    const res = await calling;
    assert.ok(res.status >= 400, `the call failed (got ${res.status})`);
    await new Promise((r) => setTimeout(r, 500));
    assert.not.ok([...fake.received, ...attacker.received].some((d) => hasCredentials(d.text)), 'still no credentials after the call ended');
  } finally {
    phone.close();
    fake.close();
    attacker.close();
  }
});

run('toll fraud: a transfer (REFER) to an international number from a national extension is refused with 403 and never reaches the carrier; one to a national number passes', async () => {
  const carrier = await RawUdpPeer.open(SPOOFED, ports.spoofed);
  const phone = await UdpPhone.open({ ...party('acme', '1002'), server: pbxAddr() });
  const mark = pbx.logs.length;
  try {
    const calling = phone.call('16465550124', { timeoutMs: 20_000 });
    const inv = await carrier.next((d) => /^INVITE /.test(d.text), 10_000);
    assert.ok(inv, `the trunk got no INVITE;\nserver log:\n${logSince(mark)}`);
    const to = { host: inv!.from.address, port: inv!.from.port };
    const sdp = ['v=0', `o=carrier 1 1 IN IP4 ${SPOOFED}`, 's=-', `c=IN IP4 ${SPOOFED}`, 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
    const ok = responseTo(inv!.text, 200, 'OK', [`Contact: <sip:carrier@${SPOOFED}:${ports.spoofed}>`, 'Content-Type: application/sdp'], 'carrier-refer-1').replace('Content-Length: 0', `Content-Length: ${Buffer.byteLength(sdp)}`) + sdp;
    await carrier.send(ok, to);
    const answered = await calling;
    assert.is(answered.status, 200, `the call is up; server log:\n${logSince(mark)}`);
    await carrier.next((d) => /^ACK /.test(d.text), 5000);

    const refused = await phone.inDialog('REFER', undefined, [{ name: 'refer-to', value: '<sip:011442079460123@acme.example>' }]);
    assert.is(refused.status, 403, `REFER to an international number from a national extension: ${refused.status} ${refused.reason}`);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.equal(carrier.received.filter((d) => /^REFER /.test(d.text)).map((d) => d.text.split('\r\n', 1)[0]), [], 'the carrier got no REFER');

    // A number the extension may dial: the PBX places the new leg itself, out through the
    // trunk (a new INVITE); the carrier never sees a REFER (issue 12).
    const passing = await phone.inDialog('REFER', undefined, [{ name: 'refer-to', value: '<sip:16465550177@acme.example>' }]);
    assert.is(passing.status, 202, `a transfer to a national number is accepted: ${passing.status} ${passing.reason}`);
    const second = await carrier.next((d) => /^INVITE /.test(d.text) && /6465550177/.test(d.text.split('\r\n', 1)[0] ?? ''), 5000);
    assert.ok(second, `the PBX calls the transfer target through the trunk; server log:\n${logSince(mark)}`);
    await carrier.send(responseTo(second!.text, 486, 'Busy Here', [], 'carrier-refer-2'), { host: second!.from.address, port: second!.from.port });
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.equal(carrier.received.filter((d) => /^REFER /.test(d.text)).length, 0, 'the carrier never got a REFER');

    const bye = phone.inDialog('BYE');
    const byeAtCarrier = await carrier.next((d) => /^BYE /.test(d.text), 5000);
    if (byeAtCarrier) await carrier.send(responseTo(byeAtCarrier.text, 200, 'OK', [], 'carrier-refer-1'), to);
    assert.is((await bye).status, 200);
  } finally {
    phone.close();
    carrier.close();
  }
});

// ---- isolation ----------------------------------------------------------------------------

run('isolation: globex’s outbound call through the provider trunk is recorded in globex only; acme’s records never show globex’s trunk calls', async () => {
  const carrier = await CarrierUas.start({ address: CARRIER, port: ports.carrier, server: pbxServer(pbx), expectUser: '+13125550199', expectCallerId: '+13125550100', timeoutSeconds: 40 });
  const mark = pbx.logs.length;
  try {
    const r = await outboundCall({ caller: party('globex', '2001'), dial: '3125550199', carrier });
    assert.is(r.caller.successful, 1, 'caller: ' + brief(r.caller) + '\nserver log:\n' + logSince(mark));
    assert.is(r.carrier.successful, 1, 'carrier: ' + brief(r.carrier));
  } finally {
    await carrier.dispose();
  }
  const cdr = await outboundCdr('globex', '+13125550199');
  const acme = cdrs('acme');
  const globex = cdrs('globex');
  const mentions = (c: Cdr, numbers: Set<string>) =>
    [c.toNumber, c.did, c.fromNumber].some((n) => numbers.has(n ?? '')) || [...numbers].some((n) => c.toUri.includes(`:${n}@`) || c.fromUri.includes(`:${n}@`));
  const globexNumbers = new Set(['+13125550199', '+13125550100', '+16505550133']);
  const acmeNumbers = new Set(['+14155550199', '+14155550198', '+442079460123', '+13035550123', '+12125550123', '+14155550100', '+14155550101', '+16505550123', '+16505550124']);
  assert.equal(
    acme.filter((c) => mentions(c, globexNumbers) || /globex\.example/.test(c.fromUri + c.toUri)),
    [],
    'acme shows none of globex’s trunk calls',
  );
  assert.equal(
    globex.filter((c) => mentions(c, acmeNumbers) || /acme\.example/.test(c.fromUri + c.toUri)),
    [],
    'globex shows none of acme’s trunk calls',
  );
  assert.ok(globex.every((c) => c.direction !== 'internal' || c.fromExt === '2001'), 'globex has no internal calls of others');
  assert.is(cdr.trunk, 'carrier', 'trunk: ' + show(cdr));
  assert.is(cdr.toNumber, '+13125550199', 'toNumber: ' + show(cdr));
});

s.run();
