// The call-flow routes, handler by handler, with real SQLite stores in a temp dir and a
// fake principal (the server's role and scope checks are tested with the route table).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyTenant } from '../../tenant/apply-tenant.js';
import { CALL_FLOWS_SETTING } from '../../store/call-flows-store.js';
import { TenantStorePool } from '../../store/store-pool.js';
import { SystemStore } from '../../store/system-store.js';
import { FakeClock } from '../../util/fake-clock.js';
import { ApiError, type ApiResult, type Principal, type RouteDef } from '../api-types.js';
import { tenantLookup, tenantResourceRoutes } from './tenant-resources.js';

let dir = '';
let system: SystemStore;
let pool: TenantStorePool;
let routes: RouteDef[];
let managed: 'file' | 'api' = 'api';
// Monday 2026-03-30 10:00 in Berlin (CEST).
const clock = new FakeClock(Date.parse('2026-03-30T08:00:00Z'));
const admin = (tenantId = 'acme'): Principal => ({ role: 'tenant-admin', tokenId: `tok-${tenantId}`, tenantId });

const FLOWS = {
  timezone: 'Europe/Berlin',
  schedules: [{ name: 'office', weekly: [{ days: 'mon-fri', from: '09:00', to: '17:00' }] }],
  timeConditions: [{ name: 'hours', schedule: 'office', open: { ivr: 'main' }, closed: { voicemail: '1001' } }],
  ivrs: [{ name: 'main', greeting: 'welcome', options: { '1': { extension: '1001' }, '2': { ringGroup: 'sales' } } }],
};

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-flow-routes-'));
  system = SystemStore.open(dir);
  managed = 'api';
  applyTenant(
    { system, dataDir: dir },
    {
      id: 'acme',
      name: 'Acme',
      domains: ['acme.example'],
      limits: {},
      extensions: [{ ext: '1001', name: 'Alice', password: 'alice-secret' }, { ext: '1002', name: 'Bob', password: 'bob-secret' }],
      ringGroups: [{ name: 'sales', strategy: 'simultaneous', members: ['1002'], ringSeconds: 20 }],
    },
  );
  applyTenant({ system, dataDir: dir }, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '2001', name: 'Gina', password: 'gina-secret' }] });
  pool = new TenantStorePool({ dataDir: dir, bindingWriteDelayMs: 0 });
  routes = tenantResourceRoutes({
    tenant: tenantLookup(system, pool),
    tenants: () => system.listTenants(),
    dataDir: dir,
    clock,
    calls: { listCalls: () => [], hangup: () => false },
    providerTrunks: () => [],
    onTenantChanged: () => {},
    managedBy: () => managed,
  });
});
test.after.each(() => {
  pool.closeAll();
  system.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, c: { tenantId?: string; params?: Record<string, string>; body?: unknown } = {}): Promise<ApiResult & { status: number }> {
  const r = routes.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`no route ${method} ${path}`);
  const tenantId = c.tenantId ?? 'acme';
  const res = await r.handler({ principal: admin(tenantId), params: { tenantId, ...c.params }, query: {}, body: c.body });
  return { ...res, status: res.status ?? r.response.status };
}

async function fails(p: Promise<unknown>, status: number): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ApiError);
    assert.is((e as ApiError).status, status, (e as ApiError).message);
    return e as ApiError;
  }
  throw new Error(`expected ${status}`);
}

const pointers = (e: ApiError) => (e.details as Array<{ path: string }>).map((d) => d.path);
const stored = () => pool.get('acme').getSetting(CALL_FLOWS_SETTING);

test('PUT then GET the whole document; time conditions show their state now', async () => {
  const put = await call('PUT', '/tenants/{tenantId}/call-flows', { body: FLOWS });
  assert.is((put.body as { timezone: string }).timezone, 'Europe/Berlin');
  const ivrs = await call('GET', '/tenants/{tenantId}/ivrs');
  assert.equal((ivrs.body as { items: Array<{ name: string }> }).items.map((m) => m.name), ['main']);
  const tcs = (await call('GET', '/tenants/{tenantId}/timeConditions')).body as { items: Array<Record<string, unknown>> };
  assert.equal(tcs.items[0]!['state'], 'open');
  assert.equal(tcs.items[0]!['destination'], { type: 'ivr', name: 'main' });
});

test('override: forced closed and back to auto; unknown or another tenant\'s condition is 404', async () => {
  await call('PUT', '/tenants/{tenantId}/call-flows', { body: FLOWS });
  const r = await call('PUT', '/tenants/{tenantId}/timeConditions/{name}/override', { params: { name: 'hours' }, body: { override: 'closed' } });
  assert.equal((r.body as Record<string, unknown>)['destination'], { type: 'voicemail', box: '1001' });
  assert.is((r.body as Record<string, unknown>)['override'], 'closed');
  const back = await call('PUT', '/tenants/{tenantId}/timeConditions/{name}/override', { params: { name: 'hours' }, body: { override: 'auto' } });
  assert.is((back.body as Record<string, unknown>)['state'], 'open');
  await fails(call('PUT', '/tenants/{tenantId}/timeConditions/{name}/override', { params: { name: 'nope' }, body: { override: 'open' } }), 404);
  await fails(call('PUT', '/tenants/{tenantId}/timeConditions/{name}/override', { tenantId: 'globex', params: { name: 'hours' }, body: { override: 'open' } }), 404);
  // A file-managed tenant may still be overridden (it is not configuration)...
  managed = 'file';
  await call('PUT', '/tenants/{tenantId}/timeConditions/{name}/override', { params: { name: 'hours' }, body: { override: 'open' } });
  // ...but not reconfigured, and a bad body is still 409 (not 422).
  await fails(call('PUT', '/tenants/{tenantId}/call-flows', { body: FLOWS }), 409);
  await fails(call('PUT', '/tenants/{tenantId}/ivrs/{name}', { params: { name: 'main' }, body: { greeting: 'nope!' } }), 409);
  await fails(call('DELETE', '/tenants/{tenantId}/ivrs/{name}', { params: { name: 'main' } }), 409);
});

test('bad input is 422 with JSON pointers and changes nothing', async () => {
  await call('PUT', '/tenants/{tenantId}/call-flows', { body: FLOWS });
  const before = stored();
  let e = await fails(
    call('PUT', '/tenants/{tenantId}/call-flows', {
      body: { ...FLOWS, timezone: 'Europe/Nowhere', schedules: [{ name: 'office', weekly: [{ days: ['mon'], from: '18:00', to: '08:00' }] }] },
    }),
    422,
  );
  assert.equal(pointers(e).sort(), ['/schedules/0/weekly/0/to', '/timezone']);
  e = await fails(call('PUT', '/tenants/{tenantId}/ivrs/{name}', { params: { name: 'main' }, body: { greeting: 'welcome', options: { '9': { ivr: 'main' } } } }), 422);
  assert.equal(pointers(e), ['/options/9']);
  assert.match(e.message, /circle: ivr main -> ivr main/);
  e = await fails(call('PUT', '/tenants/{tenantId}/ivrs/{name}', { params: { name: 'main' }, body: { greeting: 'no-such-prompt', options: {} } }), 422);
  assert.equal(pointers(e), ['/greeting']);
  e = await fails(call('PUT', '/tenants/{tenantId}/ivrs', { body: { items: [{ name: 'main', greeting: 'welcome', options: { '1': { extension: 'abc' } } }] } }), 422);
  assert.equal(pointers(e), ['/items/0/options/1/extension']);
  assert.is(stored(), before);
});

test('isolation: an option naming another tenant\'s extension is refused; another tenant\'s menu is 404', async () => {
  await call('PUT', '/tenants/{tenantId}/call-flows', { body: FLOWS });
  const e = await fails(call('PUT', '/tenants/{tenantId}/ivrs/{name}', { params: { name: 'sub' }, body: { greeting: 'welcome', options: { '1': { extension: '2001' } } } }), 422);
  assert.match(e.message, /no extension '2001' in this tenant/);
  await fails(call('GET', '/tenants/{tenantId}/ivrs/{name}', { tenantId: 'globex', params: { name: 'main' } }), 404);
  assert.equal((await call('GET', '/tenants/{tenantId}/ivrs', { tenantId: 'globex' })).body, { items: [] });
});

test('one menu: create, replace, delete; a menu something leads to cannot be deleted', async () => {
  await call('PUT', '/tenants/{tenantId}/call-flows', { body: FLOWS });
  const created = await call('PUT', '/tenants/{tenantId}/ivrs/{name}', { params: { name: 'sub' }, body: { greeting: 'main-menu', options: { '0': { extension: '1002' } }, directDial: '1XXX' } });
  assert.is((created.body as { name: string }).name, 'sub');
  assert.is((created.body as { directDial: string }).directDial, '1XXX');
  await call('PUT', '/tenants/{tenantId}/ivrs/{name}', { params: { name: 'main' }, body: { greeting: 'welcome', options: { '1': { ivr: 'sub' } } } });
  const e = await fails(call('DELETE', '/tenants/{tenantId}/ivrs/{name}', { params: { name: 'sub' } }), 422);
  assert.match(e.message, /no IVR 'sub'/);
  await call('PUT', '/tenants/{tenantId}/ivrs/{name}', { params: { name: 'main' }, body: { greeting: 'welcome', options: {} } });
  assert.is((await call('DELETE', '/tenants/{tenantId}/ivrs/{name}', { params: { name: 'sub' } })).status, 204);
  await fails(call('GET', '/tenants/{tenantId}/ivrs/{name}', { params: { name: 'sub' } }), 404);
});

test.run();
