// If-Match over HTTP: a real ApiServer on loopback with the real tenant routes and real
// SQLite stores in a temp dir (two tenants), driven by fetch with bearer tokens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyTenant } from '../tenant/apply-tenant.js';
import { TenantStorePool } from '../store/store-pool.js';
import { SystemStore } from '../store/system-store.js';
import { FakeClock } from '../util/fake-clock.js';
import { memoryLogger } from '../util/logger.js';
import { ApiServer } from './api-server.js';
import type { Principal } from './api-types.js';
import { openApiDocument } from './openapi.js';
import { tenantLookup, tenantResourceRoutes } from './routes/tenant-resources.js';

let dir = '';
let system: SystemStore;
let pool: TenantStorePool;
let server: ApiServer;
let base = '';

const TOKENS: Record<string, Principal> = {
  acme: { role: 'tenant-admin', tokenId: 'tok-acme', tenantId: 'acme' },
  globex: { role: 'tenant-admin', tokenId: 'tok-globex', tenantId: 'globex' },
  prov: { role: 'provider', tokenId: 'admin' },
};

const SALES = { name: 'sales', strategy: 'simultaneous', members: ['1001'], ringSeconds: 20 } as const;

function routesOf() {
  return tenantResourceRoutes({
    tenant: tenantLookup(system, pool),
    tenants: () => system.listTenants(),
    dataDir: dir,
    clock: new FakeClock(Date.parse('2024-05-10T12:00:00Z')),
    calls: { listCalls: () => [], hangup: () => false },
    providerTrunks: () => [],
    onTenantChanged: () => undefined,
  });
}

test.before.each(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-if-match-'));
  system = SystemStore.open(dir);
  // Two tenants with the same routing document: their tags must still differ.
  for (const id of ['acme', 'globex']) {
    applyTenant(
      { system, dataDir: dir },
      { id, name: id, domains: [`${id}.example`], limits: {}, countryCode: '1', extensions: [{ ext: '1001', name: 'A', password: 'a-secret-1' }, { ext: '1002', name: 'B', password: 'b-secret-1' }], ringGroups: [SALES] },
    );
  }
  pool = new TenantStorePool({ dataDir: dir, bindingWriteDelayMs: 0 });
  server = new ApiServer({ routes: routesOf(), tokens: { verify: (t) => TOKENS[t] }, logger: memoryLogger() });
  const { port } = await server.listen('127.0.0.1', 0);
  base = `http://127.0.0.1:${port}/api/v1`;
});
test.after.each(async () => {
  await server.close();
  pool.closeAll();
  system.close();
  rmSync(dir, { recursive: true, force: true });
});

async function api(method: string, path: string, o: { token?: string; body?: unknown; ifMatch?: string } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${o.token ?? 'acme'}` };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.ifMatch !== undefined) headers['if-match'] = o.ifMatch;
  const res = await fetch(base + path, { method, headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag') ?? undefined, json: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

const routingBody = (doc: Record<string, any>, ringGroups: unknown[]) => {
  const { dids: _d, ...rest } = doc;
  return { ...rest, ringGroups };
};

test('GET of the routing document answers a strong ETag; the same data gives the same tag', async () => {
  const a = await api('GET', '/tenants/acme/routing');
  assert.is(a.status, 200);
  assert.match(a.etag ?? '', /^"[A-Za-z0-9_-]{32}"$/);
  assert.is((await api('GET', '/tenants/acme/routing')).etag, a.etag);
  // A list that cannot be written (CDRs) carries none.
  assert.is((await api('GET', '/tenants/acme/cdrs')).etag, undefined);
});

test('a stale tag is 412 with a JSON problem and nothing is written; a fresh tag is 200 with the new tag; no If-Match: as before', async () => {
  const first = await api('GET', '/tenants/acme/routing');
  const tagA = first.etag!;
  // Admin 1 saves with the tag it read: accepted, and the answer carries the new tag.
  const saved = await api('PUT', '/tenants/acme/routing', { ifMatch: tagA, body: routingBody(first.json!, [{ ...SALES, ringSeconds: 30 }]) });
  assert.is(saved.status, 200, JSON.stringify(saved.json));
  assert.ok(saved.etag && saved.etag !== tagA);
  assert.is((await api('GET', '/tenants/acme/routing')).etag, saved.etag, 'the PUT answers the tag GET now gives');
  // Admin 2 still holds tagA: refused, and the first admin's change stays.
  const stale = await api('PUT', '/tenants/acme/routing', { ifMatch: tagA, body: routingBody(first.json!, [{ ...SALES, members: ['1002'] }]) });
  assert.is(stale.status, 412);
  assert.is(stale.json?.['error']?.code, 'precondition_failed');
  assert.match(stale.json?.['error']?.message, /changed by someone else/);
  assert.is(stale.etag, undefined, 'a refusal does not hand out the current tag to retry blindly');
  const now = await api('GET', '/tenants/acme/routing');
  assert.equal(now.json!['ringGroups'], [{ ...SALES, ringSeconds: 30 }]);
  // One of several tags matching is enough.
  const listed = await api('PUT', '/tenants/acme/routing', { ifMatch: `${tagA}, ${now.etag}`, body: routingBody(now.json!, [{ ...SALES, ringSeconds: 31 }]) });
  assert.is(listed.status, 200);
  // Without If-Match the last write wins, as before (machines and the CLI).
  const blind = await api('PUT', '/tenants/acme/routing', { body: routingBody(now.json!, [{ ...SALES, ringSeconds: 40 }]) });
  assert.is(blind.status, 200);
  assert.equal((await api('GET', '/tenants/acme/routing')).json!['ringGroups'], [{ ...SALES, ringSeconds: 40 }]);
});

test('a write at a path without a GET (a time-condition override) never matches If-Match; without it, it runs as before', async () => {
  const r = await api('PUT', '/tenants/acme/timeConditions/office/override', { ifMatch: '*', body: { override: 'auto' } });
  assert.is(r.status, 412);
  assert.match(r.json?.['error']?.message, /no GET/);
  assert.is.not((await api('PUT', '/tenants/acme/timeConditions/office/override', { body: { override: 'auto' } })).status, 412);
});

test('a weak tag or a malformed If-Match never writes', async () => {
  const doc = await api('GET', '/tenants/acme/routing');
  const body = routingBody(doc.json!, []);
  assert.is((await api('PUT', '/tenants/acme/routing', { ifMatch: `W/${doc.etag}`, body })).status, 412);
  const bad = await api('PUT', '/tenants/acme/routing', { ifMatch: doc.etag!.slice(1, -1), body });
  assert.is(bad.status, 400);
  assert.is(bad.json?.['error']?.code, 'bad_if_match');
  assert.equal((await api('GET', '/tenants/acme/routing')).json!['ringGroups'], [SALES]);
});

test('If-Match: * needs the resource to exist; item routes (IVR menus) and DELETE honour the tag', async () => {
  const flows = await api('GET', '/tenants/acme/call-flows');
  assert.ok(flows.etag);
  const menu = { greeting: 'welcome', options: { '1': { extension: '1001' } } };
  // PUT .../ivrs/main with "*" while there is no menu main: 412, nothing created.
  const none = await api('PUT', '/tenants/acme/ivrs/main', { ifMatch: '*', body: menu });
  assert.is(none.status, 412);
  assert.is((await api('GET', '/tenants/acme/ivrs/main')).status, 404);
  assert.is((await api('PUT', '/tenants/acme/ivrs/main', { body: menu })).status, 200);
  const got = await api('GET', '/tenants/acme/ivrs/main');
  assert.ok(got.etag);
  assert.is((await api('PUT', '/tenants/acme/ivrs/main', { ifMatch: '*', body: { ...menu, timeoutSeconds: 7 } })).status, 200);
  // The tag read before that change is stale now: the DELETE is refused and the menu stays.
  assert.is((await api('DELETE', '/tenants/acme/ivrs/main', { ifMatch: got.etag! })).status, 412);
  assert.is((await api('GET', '/tenants/acme/ivrs/main')).status, 200);
  const fresh = await api('GET', '/tenants/acme/ivrs/main');
  assert.is((await api('DELETE', '/tenants/acme/ivrs/main', { ifMatch: fresh.etag! })).status, 204);
  assert.is((await api('GET', '/tenants/acme/ivrs/main')).status, 404);
  // The call-flow document changed under its old tag.
  const put = await api('PUT', '/tenants/acme/call-flows', { ifMatch: flows.etag!, body: flows.json });
  assert.is(put.status, 200, 'nothing in the call-flow document changed: its tag is the same');
});

test("another tenant's tag never matches, and a tenant admin cannot probe another tenant with If-Match", async () => {
  const a = await api('GET', '/tenants/acme/routing');
  const g = await api('GET', '/tenants/globex/routing', { token: 'globex' });
  assert.equal(routingBody(a.json!, []), routingBody(g.json!, []), 'the two documents are the same');
  assert.is.not(a.etag, g.etag, 'but their tags differ');
  // The provider may write both: acme's tag on globex's document is stale, and nothing is written.
  const cross = await api('PUT', '/tenants/globex/routing', { token: 'prov', ifMatch: a.etag!, body: routingBody(g.json!, []) });
  assert.is(cross.status, 412);
  assert.equal((await api('GET', '/tenants/globex/routing', { token: 'globex' })).json!['ringGroups'], [SALES]);
  // acme's admin gets the same 404 for globex's document with any If-Match (no tag is computed for it).
  for (const ifMatch of [g.etag!, '*', '"nope"']) {
    const r = await api('PUT', '/tenants/globex/routing', { ifMatch, body: routingBody(g.json!, []) });
    assert.is(r.status, 404);
    assert.equal(r.json, { error: { code: 'not_found', message: 'not found' } });
    assert.is(r.etag, undefined);
  }
  assert.is((await api('GET', '/tenants/globex/routing')).status, 404);
  assert.equal((await api('GET', '/tenants/globex/routing', { token: 'globex' })).json!['ringGroups'], [SALES]);
});

test('the OpenAPI document declares the ETag header, If-Match and the 412 where they apply', () => {
  const doc = openApiDocument(routesOf()) as { paths: Record<string, Record<string, any>> };
  const routing = doc.paths['/tenants/{tenantId}/routing']!;
  assert.ok(routing['get'].responses['200'].headers?.ETag, 'GET answers an ETag');
  assert.ok(routing['put'].responses['200'].headers?.ETag, 'PUT answers the new ETag');
  assert.ok(routing['put'].responses['412'], 'PUT may answer 412');
  assert.ok(routing['put'].parameters.some((p: any) => p.in === 'header' && p.name === 'If-Match' && p.required === false));
  const ivr = doc.paths['/tenants/{tenantId}/ivrs/{name}']!;
  assert.ok(ivr['delete'].responses['412']);
  const cdrs = doc.paths['/tenants/{tenantId}/cdrs']!;
  assert.not.ok(cdrs['get'].responses['200'].headers, 'no ETag where nothing can be written');
});

test.run();
