// Calls across a restart of the real server process: a callee registered before the
// restart is reachable after it, and a call that was up when the process was killed is
// recorded as crashed at the next start.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { PbxProcess } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

const ACME = { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }, { ext: '1002', password: 'acme-1002-secret' }] };
let pbx: PbxProcess;
const phones: UdpPhone[] = [];

test.before(async () => {
  pbx = await PbxProcess.start({ tenants: [ACME], transports: ['udp'], extraYaml: 'registrar: { writeDelayMs: 0 }\nrtp: { workers: 1 }' });
});
test.after(async () => {
  for (const p of phones) p.close();
  await pbx?.dispose();
});

async function phone(user: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain: 'acme.example', password: `acme-${user}-secret`, server: { host: '127.0.0.1', port: pbx.ports.udp } });
  phones.push(p);
  return p;
}

function cdrs() {
  const s = SqliteTenantStore.open(join(pbx.dir, 'data'), 'acme');
  try {
    return s.listCdrs({ newestFirst: true });
  } finally {
    s.close();
  }
}

test('a callee registered before a restart is still reachable after it', async () => {
  const callee = await phone('1002');
  assert.is(await callee.register(), 200);
  await pbx.restart();
  const caller = await phone('1001');
  const res = await caller.call('1002');
  assert.is(res.status, 200, `${res.status} ${res.reason}`);
  assert.is((await caller.inDialog('BYE')).status, 200);
});

test('a call that was up when the process was killed is recorded as crashed at the next start', async () => {
  const caller = await phone('1001');
  assert.is((await caller.call('1002')).status, 200);
  const killed = await pbx.stop('SIGKILL');
  assert.is(killed.signal, 'SIGKILL');
  assert.is(cdrs().filter((c) => c.disposition === 'crashed').length, 0, 'nothing recorded yet');
  await pbx.start();
  // The tenant's store is opened on first use, which records what the dead process left.
  const probe = await phone('1001');
  assert.is(await probe.register(), 200);
  const crashed = cdrs().filter((c) => c.disposition === 'crashed');
  assert.is(crashed.length, 1);
  assert.is(crashed[0]!.fromExt, '1001');
  assert.is(crashed[0]!.hangupSide, 'system');
});

test('issue 16 10e: a call killed ~3.5 s after its answer is billed close to that, not 0 s', async () => {
  const before = new Set(cdrs().map((c) => c.callId));
  const caller = await phone('1001');
  const answered = Date.now();
  assert.is((await caller.call('1002')).status, 200);
  await new Promise((r) => setTimeout(r, 3_500));
  const killed = await pbx.stop('SIGKILL');
  const realSeconds = (Date.now() - answered) / 1000;
  assert.is(killed.signal, 'SIGKILL');
  await pbx.start();
  const probe = await phone('1001');
  assert.is(await probe.register(), 200);
  const crashed = cdrs().filter((c) => c.disposition === 'crashed' && !before.has(c.callId));
  assert.is(crashed.length, 1);
  const billed = crashed[0]!.billableS;
  // calls.checkpointSeconds is 2 by default: at most that much (plus rounding up) is lost.
  assert.ok(billed > 0, 'billed seconds survive the crash');
  assert.ok(billed <= Math.ceil(realSeconds) && billed >= realSeconds - 3, `billed ${billed} s of a ${realSeconds.toFixed(1)} s call`);
});

test.run();
