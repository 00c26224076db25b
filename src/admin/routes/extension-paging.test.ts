// GET /tenants/{t}/extensions pages by number with `after` and `limit`, reading only the page
// from the store (the web console lists 10,000 extensions this way), with the tenant's total.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyTenant } from '../../tenant/apply-tenant.js';
import { TenantStorePool } from '../../store/store-pool.js';
import { SystemStore } from '../../store/system-store.js';
import { FakeClock } from '../../util/fake-clock.js';
import type { Principal, RouteDef } from '../api-types.js';
import { runRoute } from '../run-route.js';
import { tenantLookup, tenantResourceRoutes } from './tenant-resources.js';

let dir = '';
let system: SystemStore;
let pool: TenantStorePool;
let list: RouteDef;
const admin: Principal = { role: 'tenant-admin', tokenId: 'a', tenantId: 'acme' };

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-ext-paging-'));
  system = SystemStore.open(dir);
  const exts = Array.from({ length: 120 }, (_, i) => ({ ext: String(2000 + i * 2), name: `User ${i}`, password: `user-${i}-secret-pw` }));
  applyTenant({ system, dataDir: dir }, { id: 'acme', name: 'Acme', domains: ['acme.example'], limits: {}, extensions: exts });
  applyTenant({ system, dataDir: dir }, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '2001', name: 'Gina', password: 'gina-secret-pw' }] });
  pool = new TenantStorePool({ dataDir: dir, bindingWriteDelayMs: 0 });
  list = tenantResourceRoutes({
    tenant: tenantLookup(system, pool),
    tenants: () => system.listTenants(),
    dataDir: dir,
    clock: new FakeClock(0),
    calls: { listCalls: () => [], hangup: () => false },
    providerTrunks: () => [],
    onTenantChanged: () => {},
  }).find((r) => r.method === 'GET' && r.path === '/tenants/{tenantId}/extensions')!;
});
test.after.each(() => {
  pool.closeAll();
  system.close();
  rmSync(dir, { recursive: true, force: true });
});

type Page = { items: Array<{ ext: string }>; total: number; nextAfter: string | null };
const page = async (query: Record<string, string>): Promise<Page> => (await runRoute(list, admin, { tenantId: 'acme' }, query, () => undefined)).body as Page;

test('pages of 50 walk every extension once, in order, and say when there is no next page', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  const sizes: number[] = [];
  do {
    const p: Page = await page({ limit: '50', ...(after !== null ? { after } : {}) });
    assert.is(p.total, 120);
    sizes.push(p.items.length);
    seen.push(...p.items.map((x) => x.ext));
    after = p.nextAfter;
  } while (after !== null);
  assert.equal(sizes, [50, 50, 20]);
  assert.equal(seen, Array.from({ length: 120 }, (_, i) => String(2000 + i * 2)));
});

test('`after` need not exist; a page ending exactly at the last extension has no next one', async () => {
  const p = await page({ limit: '3', after: '2003' });
  assert.equal(p.items.map((x) => x.ext), ['2004', '2006', '2008']);
  const last = await page({ limit: '2', after: '2234' });
  assert.equal(last.items.map((x) => x.ext), ['2236', '2238']);
  assert.is(last.nextAfter, null);
  const none = await page({ after: '9999' });
  assert.equal(none, { items: [], total: 120, nextAfter: null });
});

test.run();
