// GET .../extensions/{ext}/cdrs and /registrations through runRoute (the server's central
// authorisation): a user reads its own, never another extension's or another tenant's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyTenant } from '../../tenant/apply-tenant.js';
import { TenantStorePool } from '../../store/store-pool.js';
import { SystemStore } from '../../store/system-store.js';
import { FakeClock } from '../../util/fake-clock.js';
import { ApiError, type Principal, type RouteDef } from '../api-types.js';
import { runRoute } from '../run-route.js';
import { extensionOwnRoutes } from './extension-own.js';
import { tenantLookup } from './tenant-resources.js';

let dir = '';
let system: SystemStore;
let pool: TenantStorePool;
let routes: RouteDef[];
const clock = new FakeClock(Date.parse('2024-05-10T12:00:00Z'));

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-ext-own-'));
  system = SystemStore.open(dir);
  const ext = (e: string, name: string) => ({ ext: e, name, password: `${name.toLowerCase()}-secret` });
  applyTenant({ system, dataDir: dir }, { id: 'acme', name: 'Acme', domains: ['acme.example'], limits: {}, extensions: [ext('1001', 'Alice'), ext('1002', 'Bob')] });
  applyTenant({ system, dataDir: dir }, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [ext('1001', 'Gina')] });
  pool = new TenantStorePool({ dataDir: dir, bindingWriteDelayMs: 0 });
  routes = extensionOwnRoutes({
    tenant: tenantLookup(system, pool),
    tenants: () => system.listTenants(),
    dataDir: dir,
    clock,
    calls: { listCalls: () => [], hangup: () => false },
    providerTrunks: () => [],
    onTenantChanged: () => {},
  });
  const cdr = (tenant: string, callId: string, from: string, to: string, startedAt: number) =>
    pool.get(tenant).callEnded({ callId, fromUri: `sip:${from}@x`, toUri: `sip:${to}@x`, fromExt: from, toExt: to, direction: 'internal', startedAt, answeredAt: startedAt, endedAt: startedAt + 5000, disposition: 'answered', hangupSide: 'caller' });
  cdr('acme', 'a1', '1001', '1002', clock.now() - 3000_000);
  cdr('acme', 'a2', '1002', '1001', clock.now() - 2000_000);
  cdr('acme', 'b-only', '1002', '1003', clock.now() - 1000_000);
  cdr('globex', 'g1', '1001', '1002', clock.now() - 500_000);
  const binding = (aor: string) => ({ aor, contact: `sip:${aor}@10.0.0.9:5062`, callId: 'c', cseq: 1, expiresAt: clock.now() + 60_000, source: { protocol: 'udp' as const, address: '10.0.0.9', port: 5062, localAddress: '127.0.0.1', localPort: 5060 }, userAgent: `Phone-${aor}`, updatedAt: clock.now() });
  pool.get('acme').replaceBindings('1001', [binding('1001')]);
  pool.get('acme').replaceBindings('1002', [binding('1002')]);
  pool.get('globex').replaceBindings('1001', [binding('1001')]);
});
test.after.each(() => {
  pool.closeAll();
  system.close();
  rmSync(dir, { recursive: true, force: true });
});

const user = (ext: string, tenantId = 'acme'): Principal => ({ role: 'user', tokenId: `u-${tenantId}-${ext}`, tenantId, ext });
const admin = (tenantId: string): Principal => ({ role: 'tenant-admin', tokenId: `a-${tenantId}`, tenantId });

async function get(suffix: 'cdrs' | 'registrations', p: Principal, tenantId: string, ext: string, query: Record<string, string> = {}): Promise<Array<Record<string, unknown>>> {
  const route = routes.find((r) => r.path.endsWith(`/${suffix}`))!;
  const out = await runRoute(route, p, { tenantId, ext }, query, () => undefined);
  return (out.body as { items: Array<Record<string, unknown>> }).items;
}

async function refused(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ApiError);
    assert.is((e as ApiError).status, 404);
    return;
  }
  assert.unreachable('expected 404');
}

test('a user reads its own calls (made and taken), newest first, paged', async () => {
  const items = await get('cdrs', user('1001'), 'acme', '1001');
  assert.equal(items.map((c) => c['callId']), ['a2', 'a1']);
  const route = routes.find((r) => r.path.endsWith('/cdrs'))!;
  const page = (await runRoute(route, user('1001'), { tenantId: 'acme', ext: '1001' }, { limit: '1' }, () => undefined)).body as { items: Array<{ callId: string }>; nextCursor: string };
  assert.equal(page.items.map((c) => c.callId), ['a2']);
  const next = (await runRoute(route, user('1001'), { tenantId: 'acme', ext: '1001' }, { limit: '1', cursor: page.nextCursor }, () => undefined)).body as { items: Array<{ callId: string }> };
  assert.equal(next.items.map((c) => c.callId), ['a1']);
});

test('a user reads its own registered devices only', async () => {
  const items = await get('registrations', user('1001'), 'acme', '1001');
  assert.equal(items.map((r) => [r['ext'], r['userAgent']]), [['1001', 'Phone-1001']]);
});

test("another extension's or another tenant's records and devices are 404, for a user and for a tenant admin", async () => {
  for (const what of ['cdrs', 'registrations'] as const) {
    await refused(get(what, user('1001'), 'acme', '1002'));
    await refused(get(what, user('1001'), 'globex', '1001'));
    await refused(get(what, admin('acme'), 'globex', '1001'));
    await refused(get(what, admin('acme'), 'acme', '9999'));
    // The admin of the tenant reads any of its extensions.
    assert.ok((await get(what, admin('acme'), 'acme', '1002')).length > 0);
  }
  const gina = await get('cdrs', user('1001', 'globex'), 'globex', '1001');
  assert.equal(gina.map((c) => c['callId']), ['g1']);
});

test.run();
