/**
 * What the tenant store costs the SIP path per request (issue 13 point 1; a probe, not a test):
 * the reads a REGISTER refresh and a call between two extensions make of one tenant's store
 * (routing plan for auth.algorithms, the MWI and feature-code settings, both AORs' bindings,
 * the callee's call handling, the extensions), over a real SQLite file. Each iteration runs in
 * its own event-loop tick (one message per tick: the worst case for the once-per-tick
 * data_version check). Prints µs of this process's CPU per iteration.
 *
 *   node --import tsx bench/sip-cost/store-reads.probe.ts [iterations=20000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyTenant } from '../../src/tenant/apply-tenant.js';
import { FEATURE_CODE_IDS } from '../../src/tenant/feature-codes.js';
import { SystemStore } from '../../src/store/system-store.js';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';

const n = Number(process.argv[2] ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), 'pbx-store-reads-'));
const sys = SystemStore.open(dir);
applyTenant({ system: sys, dataDir: dir }, {
  id: 'acme',
  name: 'acme',
  domains: ['acme.example'],
  limits: {},
  extensions: [
    { ext: '1001', name: 'one', password: 'acme-pw-1' },
    { ext: '1002', name: 'two', password: 'acme-pw-2' },
  ],
});
const s = SqliteTenantStore.open(dir, 'acme');
for (const aor of ['1001', '1002']) {
  s.replaceBindings(aor, [{ aor, contact: `sip:${aor}@10.0.0.1:5062`, callId: `c-${aor}`, cseq: 1, expiresAt: Date.now() + 3_600_000, source: { protocol: 'udp', address: '10.0.0.1', port: 5062, localAddress: '127.0.0.1', localPort: 5060 }, updatedAt: Date.now() }]);
}

function requestReads(): void {
  // REGISTER refresh
  s.getRoutingPlan().auth;
  s.getExtension('1001');
  s.getBindings('1001');
  s.getSetting('mwi');
  // INVITE 1001 -> 1002
  s.getRoutingPlan().auth;
  s.getExtension('1001');
  for (const id of FEATURE_CODE_IDS) s.getSetting('featureCodes.' + id);
  s.getRoutingPlan();
  s.getExtension('1002');
  s.callHandling.get('1002');
  s.getBindings('1002');
}

const tick = () => new Promise<void>((r) => setImmediate(r));
for (let i = 0; i < 2000; i++) {
  requestReads();
  await tick();
}
const c0 = process.cpuUsage();
for (let i = 0; i < n; i++) {
  requestReads();
  await tick();
}
const c = process.cpuUsage(c0);
const us = (c.user + c.system) / n;
s.close();
sys.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ storeReadsPerRegisterAndCallUs: Math.round(us * 10) / 10, iterations: n }));
