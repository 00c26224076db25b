// Calls through the real server process, driven from outside by SIPp (Debian's
// sip-tester) with RTP, the audio checked on the wire (tcpdump on loopback), and each
// call's record read from the tenant's SQLite file.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { pbxServer, runCall, type Party } from '../support/call-harness.js';
import { PbxProcess } from '../support/pbx-process.js';
import { requireTools } from '../support/tools.js';

const secret = (t: string, e: string) => `${t}-${e}-secret`;
const party = (t: string, e: string): Party => ({ user: e, domain: `${t}.example`, password: secret(t, e) });
// These tests check what a caller gets when nobody answers: the extensions have no voicemail box
// (by default every extension has one, and an unanswered call goes there).
const NO_VM = 'voicemail: { enabled: false }';
const ACME = { id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002', '1003'].map((e) => ({ ext: e, password: secret('acme', e), extraKeys: NO_VM })) };
const GLOBEX = { id: 'globex', domains: ['globex.example'], extensions: ['1001'].map((e) => ({ ext: e, password: secret('globex', e) })) };
// A tenant allowed one call at a time.
const ONE = { id: 'one', domains: ['one.example'], limits: { calls: 1 }, extensions: ['3001', '3002', '3003', '3004'].map((e) => ({ ext: e, password: secret('one', e), extraKeys: NO_VM })) };

const s = suite('calls through the PBX, with SIPp and RTP');
const enabled = requireTools('calls with SIPp and RTP', 'sipp', 'tcpdump');
const run = enabled ? s : s.skip;
let pbx: PbxProcess;

s.before(async () => {
  if (!enabled) return;
  const base = 41000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({
    tenants: [ACME, GLOBEX, ONE],
    transports: ['udp'],
    extraYaml: [`rtp: { ports: ${base}-${base + 99}, workers: 1 }`, 'security: { trusted: [ "127.0.0.0/8" ] }', 'registrar: { writeDelayMs: 0 }', 'calls: { noAnswerSeconds: 3 }'].join('\n'),
  });
});
s.after(async () => {
  await pbx?.dispose();
});

function lastCdr(tenant: string, match: (c: ReturnType<SqliteTenantStore['listCdrs']>[number]) => boolean) {
  const st = SqliteTenantStore.open(join(pbx.dir, 'data'), tenant);
  try {
    return st.listCdrs({ newestFirst: true }).find(match);
  } finally {
    st.close();
  }
}

async function cdrOf(tenant: string, match: (c: ReturnType<SqliteTenantStore['listCdrs']>[number]) => boolean) {
  for (let i = 0; i < 50; i++) {
    const c = lastCdr(tenant, match);
    if (c) return c;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

run('answered: RTP flows both ways through the PBX (never end to end) and the CDR says answered', async () => {
  const r = await runCall({ server: pbxServer(pbx), caller: party('acme', '1001'), callee: party('acme', '1002'), seconds: 3 });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 1, r.callee.output);
  const m = r.media!;
  assert.ok(m.callerSent >= 100, `caller sent ${m.callerSent}`);
  assert.ok(m.calleeReceived >= 0.9 * m.callerSent, `callee got ${m.calleeReceived} of ${m.callerSent}`);
  assert.ok(m.callerReceived >= 0.8 * m.callerSent, `caller got ${m.callerReceived} back`);
  assert.is(m.direct, 0, 'media went through the PBX, not end to end');
  const cdr = await cdrOf('acme', (c) => c.toExt === '1002' && c.disposition === 'answered');
  assert.ok(cdr, 'an answered CDR');
  assert.ok((cdr!.media?.caller?.packets ?? 0) > 0 && (cdr!.media?.callee?.packets ?? 0) > 0, 'media stats in the CDR');
});

run('busy: 486 to the caller, CDR busy', async () => {
  const r = await runCall({ server: pbxServer(pbx), caller: party('acme', '1001'), callee: party('acme', '1002'), callerScenario: 'call-uac-busy.xml', calleeScenario: 'call-uas-busy.xml', capture: false });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.ok(await cdrOf('acme', (c) => c.toExt === '1002' && c.disposition === 'busy'));
});

run('no answer: 480 after calls.noAnswerSeconds, CDR no_answer', async () => {
  const r = await runCall({ server: pbxServer(pbx), caller: party('acme', '1001'), callee: party('acme', '1002'), callerScenario: 'call-uac-unavailable.xml', calleeScenario: 'call-uas-no-answer.xml', capture: false });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.ok(await cdrOf('acme', (c) => c.toExt === '1002' && c.disposition === 'no_answer'));
});

run('cancelled while ringing: 487, CDR cancelled', async () => {
  const r = await runCall({ server: pbxServer(pbx), caller: party('acme', '1001'), callee: party('acme', '1002'), callerScenario: 'call-uac-cancel.xml', calleeScenario: 'call-uas-no-answer.xml', capture: false });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.ok(await cdrOf('acme', (c) => c.toExt === '1002' && c.disposition === 'cancelled'));
});

run('callee not registered: 480, CDR failed', async () => {
  const r = await runCall({ server: pbxServer(pbx), caller: party('acme', '1001'), callee: party('acme', '1003'), callerScenario: 'call-uac-unavailable.xml', registerCallee: false, capture: false });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.ok(await cdrOf('acme', (c) => c.toExt === '1003' && c.disposition === 'failed' && /^480/.test(c.hangupCause ?? '')));
});

run('cross-tenant attempt: 403, never delivered, recorded in the caller’s tenant only', async () => {
  const r = await runCall({ server: pbxServer(pbx), caller: party('acme', '1001'), callee: party('globex', '1001'), dial: '1001@globex.example', callerScenario: 'call-uac-forbidden.xml', capture: false });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 0, 'the globex phone was never reached');
  assert.ok(await cdrOf('acme', (c) => c.disposition === 'failed' && /^403/.test(c.hangupCause ?? '')));
  assert.is(lastCdr('globex', () => true), undefined);
});

run('tenant limit exceeded: while one call is up, the next gets 503 with a Reason header, CDR failed', async () => {
  const up = runCall({ server: pbxServer(pbx), caller: party('one', '3001'), callee: party('one', '3002'), seconds: 6, capture: false });
  await new Promise((r) => setTimeout(r, 2500));
  const r = await runCall({ server: pbxServer(pbx), caller: party('one', '3003'), callee: party('one', '3004'), callerScenario: 'call-uac-limit.xml', capture: false });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 0, 'the second callee was never reached');
  assert.ok(await cdrOf('one', (c) => c.fromExt === '3003' && c.disposition === 'failed' && /^503/.test(c.hangupCause ?? '')));
  const first = await up;
  assert.is(first.caller.successful, 1, 'the call in progress went on: ' + first.caller.output);
});

run('NAT: the caller’s SDP names an address it does not send from; latching gives two-way audio; a third address is not relayed', async () => {
  const r = await runCall({ server: pbxServer(pbx), caller: party('acme', '1001'), callee: party('acme', '1002'), callerScenario: 'call-uac-nat.xml', seconds: 4, stray: true, strayDelayMs: 1000 });
  assert.is(r.caller.successful, 1, r.caller.output);
  const m = r.media!;
  assert.ok(m.calleeReceived >= 0.9 * m.callerSent, `callee got ${m.calleeReceived} of ${m.callerSent}`);
  assert.ok(m.callerReceived >= 0.5 * m.callerSent, `caller got ${m.callerReceived} back (latching)`);
  assert.ok(r.strays > 0, 'stray RTP was sent');
  assert.is(m.strayDelivered, 0, 'RTP from a third address was not relayed: ' + JSON.stringify(m));
});

run('a callee registered before a restart of the PBX is still reachable after it', async () => {
  // register once, restart, then call without registering again
  const first = await runCall({ server: pbxServer(pbx), caller: party('acme', '1001'), callee: party('acme', '1002'), seconds: 1, capture: false });
  assert.is(first.caller.successful, 1);
  await pbx.restart();
  const r = await runCall({ server: pbxServer(pbx), caller: party('acme', '1001'), callee: party('acme', '1002'), seconds: 1, capture: false });
  assert.is(r.caller.successful, 1, r.caller.output);
});

s.run();
