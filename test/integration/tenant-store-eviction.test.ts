// Tenant stores under a cap of one open SQLite file (pbx.yaml tenantStores): a call in
// progress on one tenant, with its registration and call records written while API reads
// of two other tenants keep evicting its store, goes on and ends with its record in its
// own tenant's file; no tenant ever reads another's data.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { pbxServer, runCall, type Party } from '../support/call-harness.js';
import { PbxProcess } from '../support/pbx-process.js';
import { requireTools } from '../support/tools.js';

const TOKEN = 'eviction-test-admin-token-0123456789';
const secret = (t: string, e: string) => `${t}-${e}-secret`;
const party = (t: string, e: string): Party => ({ user: e, domain: `${t}.example`, password: secret(t, e) });
const NO_VM = 'voicemail: { enabled: false }';
const tenant = (id: string, name: string) => ({ id, domains: [`${id}.example`], extensions: ['1001', '1002'].map((e) => ({ ext: e, name: `${name}-${e}`, password: secret(id, e), extraKeys: NO_VM })) });

const s = suite('tenant stores evicted under a call');
const enabled = requireTools('calls with SIPp', 'sipp', 'tcpdump');
const run = enabled ? s : s.skip;
let pbx: PbxProcess;

s.before(async () => {
  if (!enabled) return;
  const base = 43000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({
    tenants: [tenant('acme', 'Acme'), tenant('globex', 'Globex'), tenant('initech', 'Initech')],
    transports: ['udp'],
    adminToken: TOKEN,
    extraYaml: [`rtp: { ports: ${base}-${base + 99}, workers: 1 }`, 'security: { trusted: [ "127.0.0.0/8" ] }', 'tenantStores: { maxOpen: 1, idleSeconds: 1 }'].join('\n'),
  });
});
s.after(async () => {
  await pbx?.dispose();
});

async function extensionName(t: string, ext: string): Promise<string | undefined> {
  const r = await fetch(`${pbx.apiUrl}/tenants/${t}/extensions/${ext}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (r.status !== 200) return undefined;
  return ((await r.json()) as { name?: string }).name;
}

function cdrs(t: string) {
  const st = SqliteTenantStore.open(join(pbx.dir, 'data'), t, { create: false });
  try {
    return st.listCdrs({ newestFirst: true });
  } finally {
    st.close();
  }
}

run('a call on acme goes on while reads of globex and initech evict its store; its record lands in acme only', async () => {
  let reading = true;
  const names: Array<string | undefined> = [];
  const reads = (async () => {
    await new Promise((r) => setTimeout(r, 1500));
    while (reading) {
      // Each read opens that tenant's store: with maxOpen 1 the other stores are closed.
      names.push(await extensionName('globex', '1001'), await extensionName('initech', '1002'));
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  const call = await runCall({ server: pbxServer(pbx), caller: party('acme', '1001'), callee: party('acme', '1002'), seconds: 5, capture: false });
  reading = false;
  await reads;
  assert.is(call.caller.successful, 1, call.caller.output);
  assert.is(call.callee.successful, 1, call.callee.output);
  assert.ok(names.length >= 4, `reads of the other tenants during the call: ${names.length}`);
  for (let i = 0; i < names.length; i += 2) {
    assert.is(names[i], 'Globex-1001', 'globex reads its own extension');
    assert.is(names[i + 1], 'Initech-1002', 'initech reads its own extension');
  }
  let mine: ReturnType<typeof cdrs> = [];
  for (let i = 0; i < 50 && mine.length === 0; i++) {
    mine = cdrs('acme').filter((c) => c.toExt === '1002' && c.disposition === 'answered');
    if (mine.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  assert.is(mine.length, 1, 'the answered call is recorded in acme');
  assert.is(cdrs('globex').length, 0, 'nothing of acme in globex');
  assert.is(cdrs('initech').length, 0, 'nothing of acme in initech');
  // The API still answers for acme from its (reopened) store, with acme's data.
  assert.is(await extensionName('acme', '1002'), 'Acme-1002');
});

s.run();
