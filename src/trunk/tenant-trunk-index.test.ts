import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyTenant } from '../tenant/apply-tenant.js';
import { TenantStorePool } from '../store/store-pool.js';
import { SystemStore } from '../store/system-store.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import { TenantTrunkIndex } from './tenant-trunk-index.js';

let dir = '';
let sys: SystemStore;
let pool: TenantStorePool;

const spec = (id: string, host: string) => ({
  id,
  name: id,
  domains: [`${id}.example`],
  countryCode: '1',
  limits: {},
  extensions: [{ ext: '1001', name: 'Alice', password: 'p-pass-word' }],
  trunks: [{ name: 'carrier', kind: 'ip' as const, host, allowedSources: [`${host}/32`] }],
});

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-trunk-index-'));
  sys = SystemStore.open(dir);
  applyTenant({ system: sys, dataDir: dir }, spec('acme', '203.0.113.10'));
  applyTenant({ system: sys, dataDir: dir }, spec('globex', '203.0.113.20'));
  pool = new TenantStorePool({ dataDir: dir, clock: new FakeClock() });
});
test.after.each(() => {
  pool.closeAll();
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

const hosts = (list: ReturnType<TenantTrunkIndex['trunksOf']>) => list.map((x) => [x.tenantId, x.trunks.map((t) => t.host)]);

test('the trunks of every tenant come from system.sqlite: no tenant store is opened', () => {
  const index = new TenantTrunkIndex({ system: sys, pool, logger: silentLogger });
  assert.equal(hosts(index.trunksOf(sys.listTenants())), [['acme', ['203.0.113.10']], ['globex', ['203.0.113.20']]]);
  assert.is(pool.openCount, 0);
  // What apply copied is what the store holds.
  assert.equal(index.trunksOf(sys.listTenants())[0]!.trunks, pool.get('acme').getRoutingPlan().trunks);
});

test('a stale or missing copy is read from the tenant store once, then kept', () => {
  sys.tenantTrunks.forget('acme');
  sys.bumpConfigRev('globex'); // something wrote globex since its copy was made
  const index = new TenantTrunkIndex({ system: sys, pool, logger: silentLogger });
  assert.equal(hosts(index.trunksOf(sys.listTenants())), [['acme', ['203.0.113.10']], ['globex', ['203.0.113.20']]]);
  assert.ok(pool.isOpen('acme') && pool.isOpen('globex'), 'both read from their stores');
  pool.closeAll();
  pool = new TenantStorePool({ dataDir: dir, clock: new FakeClock() });
  const next = new TenantTrunkIndex({ system: sys, pool, logger: silentLogger });
  next.trunksOf(sys.listTenants());
  assert.is(pool.openCount, 0, 'the copies were written back: the next start opens nothing');
});

test('forget(): a change made through the API is read from the store; each tenant gets only its own trunks', () => {
  const index = new TenantTrunkIndex({ system: sys, pool, logger: silentLogger });
  index.trunksOf(sys.listTenants());
  const plan = pool.get('acme').getRoutingPlan();
  pool.get('acme').replaceRoutingPlan({ ...plan, trunks: plan.trunks.map((t) => ({ ...t, host: '203.0.113.99', allowedSources: ['203.0.113.99/32'] })) }, { now: 1, audit: { actor: 'test', action: 'trunks.replace', target: 'acme' } });
  assert.equal(hosts(index.trunksOf(sys.listTenants()))[0], ['acme', ['203.0.113.10']], 'not seen before forget()');
  index.forget('acme');
  assert.equal(hosts(index.trunksOf(sys.listTenants())), [['acme', ['203.0.113.99']], ['globex', ['203.0.113.20']]]);
});

test.run();
