import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant, disableTenantsNotIn, type ApplyDeps } from './apply-tenant.js';
import { TenantStorePool } from '../store/store-pool.js';
import { SystemStore } from '../store/system-store.js';
import { TenantResolver } from './tenant-resolver.js';
import type { TenantSpec } from './tenant-spec.js';

// Issue 5: suspended, deleted and API-managed tenants as the resolver and the file sync see them.

let dir = '';
let sys: SystemStore;
let pool: TenantStorePool;
let resolver: TenantResolver;
let deps: ApplyDeps;

const spec = (id: string, did: string): TenantSpec => ({
  id,
  name: id,
  domains: [`${id}.example`],
  limits: {},
  extensions: [{ ext: '1001', name: 'a', password: 'pw-1001-pass-word' }],
  dids: [did],
});

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-status-'));
  sys = SystemStore.open(dir);
  pool = new TenantStorePool({ dataDir: dir, clock: new FakeClock() });
  resolver = new TenantResolver({ system: sys, pool, recheckMs: 0 });
  deps = { system: sys, dataDir: dir };
  applyTenant(deps, spec('acme', '+14155550100'));
  applyTenant({ ...deps, managedBy: 'api' }, spec('globex', '+14155550200'));
});
test.after.each(() => {
  pool.closeAll();
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a suspended tenant still resolves, by domain and DID, with its status', () => {
  assert.is(resolver.resolveDomain('acme.example')?.status, 'active');
  sys.setTenantStatus('acme', 'suspended');
  resolver.refresh();
  assert.is(resolver.resolveDomain('acme.example')?.status, 'suspended');
  assert.is(resolver.resolveDid('+14155550100')?.status, 'suspended');
  assert.is(resolver.getTenant('acme')?.status, 'suspended');
});

test('deleted and disabled tenants resolve to nothing', () => {
  sys.setTenantStatus('globex', 'deleted', Date.now() + 1000);
  sys.disableTenant('acme');
  resolver.refresh();
  assert.is(resolver.resolveDomain('globex.example'), undefined);
  assert.is(resolver.resolveDid('+14155550200'), undefined);
  assert.is(resolver.resolveDomain('acme.example'), undefined);
  assert.is(sys.domainOwner('globex.example'), 'globex', 'a deleted tenant keeps its domains reserved for a restore');
});

test('re-applying the file keeps a suspension; a file applies as file-managed', () => {
  sys.setTenantStatus('acme', 'suspended');
  applyTenant(deps, { ...spec('acme', '+14155550100'), name: 'Acme 2' });
  assert.equal([sys.getTenant('acme')!.status, sys.getTenant('acme')!.name], ['suspended', 'Acme 2']);
  assert.is(sys.getTenant('globex')!.managedBy, 'api');
  assert.is(sys.getTenant('acme')!.managedBy, 'file');
});

test('disableTenantsNotIn touches only file-managed tenants (a suspended one too)', () => {
  assert.equal(disableTenantsNotIn(sys, []), ['acme']);
  assert.is(sys.getTenant('globex')!.status, 'active');
  applyTenant(deps, spec('acme', '+14155550100'));
  sys.setTenantStatus('acme', 'suspended');
  assert.equal(disableTenantsNotIn(sys, []), ['acme']);
});

test.run();
