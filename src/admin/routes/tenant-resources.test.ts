// The tenant resource routes, handler by handler, with real SQLite stores in a temp dir
// and a fake principal (the server's role and scope checks are not part of this).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LiveCall } from '../../b2bua/b2bua.js';
import { applyTenant } from '../../tenant/apply-tenant.js';
import { computeHa1Set } from '../../model/ha1.js';
import { TenantStorePool } from '../../store/store-pool.js';
import { SystemStore } from '../../store/system-store.js';
import { FakeClock } from '../../util/fake-clock.js';
import { ApiError, type ApiResult, type Principal, type RouteDef } from '../api-types.js';
import { tenantLookup, tenantResourceRoutes } from './tenant-resources.js';
import type { TenantChange, TenantResourceDeps } from './tenant-resource-kit.js';

let dir = '';
let system: SystemStore;
let pool: TenantStorePool;
let routes: RouteDef[];
let changes: Array<[string, TenantChange]>;
let live: Map<string, LiveCall & { tenantId: string }>;
const clock = new FakeClock(Date.parse('2024-05-10T12:00:00Z'));

const admin = (tenantId = 'acme'): Principal => ({ role: 'tenant-admin', tokenId: `tok-${tenantId}`, tenantId });
const user = (ext: string, tenantId = 'acme'): Principal => ({ role: 'user', tokenId: `tok-user-${ext}`, tenantId, ext });
const provider: Principal = { role: 'provider', tokenId: 'admin' };

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-admin-routes-'));
  system = SystemStore.open(dir);
  applyTenant(
    { system, dataDir: dir },
    {
      id: 'acme',
      name: 'Acme',
      domains: ['acme.example'],
      limits: { extensions: 3 },
      countryCode: '1',
      dids: ['+14155550100'],
      extensions: [
        { ext: '1001', name: 'Alice', password: 'alice-secret' },
        { ext: '1002', name: 'Bob', password: 'bob-secret' },
      ],
      ringGroups: [{ name: 'sales', strategy: 'simultaneous', members: ['1002'], ringSeconds: 20 }],
    },
  );
  applyTenant({ system, dataDir: dir }, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '1001', name: 'Gina', password: 'gina-secret' }] });
  pool = new TenantStorePool({ dataDir: dir, bindingWriteDelayMs: 0 });
  changes = [];
  live = new Map();
  const deps: TenantResourceDeps = {
    tenant: tenantLookup(system, pool),
    tenants: () => system.listTenants(),
    dataDir: dir,
    clock,
    calls: {
      listCalls: (tenantId) => [...live.values()].filter((c) => c.tenantId === tenantId).map(({ tenantId: _t, ...c }) => c),
      hangup: (tenantId, callId) => {
        const c = live.get(callId);
        if (!c || c.tenantId !== tenantId) return false;
        live.delete(callId);
        return true;
      },
    },
    providerTrunks: () => [
      { name: 'shared', tenants: ['*'] },
      { name: 'globex-only', tenants: ['globex'] },
    ],
    onTenantChanged: (id, what) => changes.push([id, what]),
  };
  routes = tenantResourceRoutes(deps);
});
test.after.each(() => {
  pool.closeAll();
  system.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Call {
  principal?: Principal;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

async function call(method: string, path: string, c: Call = {}): Promise<ApiResult & { status: number }> {
  const r = routes.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`no route ${method} ${path}`);
  const res = await r.handler({ principal: c.principal ?? admin(), params: { tenantId: 'acme', ...c.params }, query: c.query ?? {}, body: c.body });
  return { ...res, status: res.status ?? r.response.status };
}

async function fails(p: Promise<unknown>, status: number, code?: string): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ApiError);
    assert.is((e as ApiError).status, status, (e as ApiError).message);
    if (code) assert.is((e as ApiError).code, code);
    return e as ApiError;
  }
  throw new Error(`expected ${status}`);
}

const EXT = '/tenants/{tenantId}/extensions';
const EXT1 = '/tenants/{tenantId}/extensions/{ext}';

test('every route has a tag, a summary, roles and a response; paths are unique', () => {
  const seen = new Set<string>();
  for (const r of routes) {
    assert.ok(r.tag && r.summary && r.roles.length > 0 && r.response.status, `${r.method} ${r.path}`);
    const key = `${r.method} ${r.path}`;
    assert.not.ok(seen.has(key), key);
    seen.add(key);
    if (r.path.startsWith('/tenants/{tenantId}')) assert.ok(r.roles.includes('tenant-admin'), key);
    if (r.roles.includes('user')) assert.ok(r.path.includes('{ext}'), `${key}: a user route is scoped by {ext}`);
  }
  const usage = routes.find((r) => r.path === '/usage')!;
  assert.equal([...usage.roles], ['provider']);
});

test('extensions: list, create (generated password once), get never shows digests', async () => {
  const list = await call('GET', EXT);
  assert.equal((list.body as { items: Array<{ ext: string }> }).items.map((x) => x.ext), ['1001', '1002']);
  const created = await call('POST', EXT, { body: { ext: '1003', name: 'Carol', classOfService: 'international' } });
  assert.is(created.status, 201);
  const b = created.body as Record<string, unknown>;
  assert.type(b['password'], 'string');
  assert.is((b['password'] as string).length, 20);
  const store = pool.get('acme');
  assert.is(store.getExtension('1003')!.ha1.MD5, computeHa1Set('1003', 'acme.example', b['password'] as string).MD5);
  const got = await call('GET', EXT1, { params: { ext: '1003' } });
  assert.equal(got.body, { ext: '1003', name: 'Carol', enabled: true, maxContacts: null, classOfService: 'international', callerId: null, algorithms: null });
  assert.not.ok(JSON.stringify(got.body).includes('ha1'));
  assert.equal(changes, [['acme', 'extensions']]);
  const log = store.listAudit();
  assert.is(log[0]!.action, 'extension.create');
  assert.is(log[0]!.actor, 'tok-acme');
  assert.not.ok(JSON.stringify(log).includes(b['password'] as string), 'no password in the audit log');
});

test('extensions: checked like the YAML (422 with paths), 409 on a duplicate and over limits.extensions', async () => {
  const e = await fails(call('POST', EXT, { body: { ext: 'bad:ext', name: 'x', password: '', callerId: '555' } }), 422, 'validation_failed');
  assert.equal(
    (e.details as Array<{ path: string }>).map((p) => p.path),
    ['/ext', '/password', '/callerId'],
  );
  await fails(call('POST', EXT, { body: { ext: '1001', name: 'Dup', password: 'pass-word' } }), 409, 'conflict');
  await call('POST', EXT, { body: { ext: '1003', name: 'Carol', password: 'pass-word' } });
  await fails(call('POST', EXT, { body: { ext: '1004', name: 'Dan', password: 'pass-word' } }), 409, 'limit_exceeded');
  assert.is(pool.get('acme').countExtensions(), 3);
});

test('extensions: PATCH by an admin, by the user itself (name only: else 403), and the caches follow', async () => {
  const store = pool.get('acme');
  assert.is(store.getExtension('1001')!.classOfService, 'national'); // cached now
  await call('PATCH', EXT1, { params: { ext: '1001' }, body: { classOfService: 'internal', callerId: '+14155550100' } });
  assert.is(store.getExtension('1001')!.classOfService, 'internal');
  const mine = await call('PATCH', EXT1, { principal: user('1001'), params: { ext: '1001' }, body: { name: 'Alice Cooper' } });
  assert.is((mine.body as { name: string }).name, 'Alice Cooper');
  await fails(call('PATCH', EXT1, { principal: user('1001'), params: { ext: '1001' }, body: { classOfService: 'premium' } }), 403, 'forbidden');
  await fails(call('PATCH', EXT1, { principal: user('1001'), params: { ext: '1001' }, body: { name: 'x', callerId: null } }), 403);
  await fails(call('PATCH', EXT1, { params: { ext: '1001' }, body: { maxContacts: 0 } }), 422);
  await fails(call('PATCH', EXT1, { params: { ext: '7777' }, body: { name: 'x' } }), 404, 'not_found');
  assert.is(store.getExtension('1001')!.name, 'Alice Cooper');
});

test('extensions: password reset (given or generated) by an admin and by the user itself', async () => {
  const store = pool.get('acme');
  const given = await call('POST', `${EXT1}/password`, { principal: user('1002'), params: { ext: '1002' }, body: { password: 'new-bob-secret' } });
  assert.equal(given.body, { ext: '1002', generated: false });
  assert.is(store.getExtension('1002')!.ha1.MD5, computeHa1Set('1002', 'acme.example', 'new-bob-secret').MD5);
  const gen = await call('POST', `${EXT1}/password`, { params: { ext: '1002' }, body: {} });
  const pw = (gen.body as { password: string }).password;
  assert.is(store.getExtension('1002')!.ha1['SHA-256'], computeHa1Set('1002', 'acme.example', pw)['SHA-256']);
  await fails(call('POST', `${EXT1}/password`, { params: { ext: '1002' }, body: { password: '' } }), 422);
  assert.equal(store.listAudit().map((e) => [e.action, e.details]), [['extension.password', { generated: true }], ['extension.password', { generated: false }]]);
});

test('extensions: delete refuses one that routing names (409 in_use), removes others with their bindings', async () => {
  const e = await fails(call('DELETE', EXT1, { params: { ext: '1002' } }), 409, 'in_use');
  assert.equal((e.details as { references: string[] }).references, ['ringGroups[0].members[0]']);
  const r = await call('DELETE', EXT1, { params: { ext: '1001' } });
  assert.is(r.status, 204);
  assert.is(pool.get('acme').getExtension('1001'), undefined);
  await fails(call('DELETE', EXT1, { params: { ext: '1001' } }), 404);
});

test("cross-tenant: acme's routes never reach globex's data", async () => {
  // Same extension number in both tenants: a PATCH through acme changes acme's only.
  await call('PATCH', EXT1, { params: { ext: '1001' }, body: { name: 'Acme Alice' } });
  assert.is(pool.get('globex').getExtension('1001')!.name, 'Gina');
  assert.equal(pool.get('globex').listAudit(), []);
  // A tenant that does not exist (or is disabled) is the same 404.
  await fails(call('GET', EXT, { params: { tenantId: 'nope' } }), 404, 'not_found');
  system.disableTenant('globex');
  await fails(call('GET', EXT, { params: { tenantId: 'globex' } }), 404, 'not_found');
});

const TRUNKS = '/tenants/{tenantId}/trunks';
const TRUNK = '/tenants/{tenantId}/trunks/{name}';
const ROUTING = '/tenants/{tenantId}/routing';

test("routing: every kind of destination; one naming another tenant's box, an unknown IVR, or looping with a forward: 422 with pointers", async () => {
  const store = pool.get('acme');
  const ok = await call('PUT', ROUTING, {
    body: {
      countryCode: '1',
      ringGroups: [{ name: 'sales', strategy: 'simultaneous', members: ['1002'], ringSeconds: 20, fallback: { type: 'voicemail', box: '1002' } }],
      inboundRoutes: [{ did: '+14155550100', destination: { type: 'number', number: '+14155550123' } }],
    },
  });
  assert.is(ok.status, 200);
  assert.equal(store.getRoutingPlan().ringGroups[0]!.fallback, { type: 'voicemail', box: '1002' });
  store.callHandling.set('1001', { dnd: false, busy: { type: 'ringGroup', name: 'sales' } }, clock.now());
  const e = await fails(
    call('PUT', ROUTING, {
      body: {
        countryCode: '1',
        ringGroups: [{ name: 'sales', strategy: 'simultaneous', members: ['1002'], ringSeconds: 20, fallback: { type: 'extension', ext: '1001' } }],
        inboundRoutes: [{ did: '+14155550100', destination: { type: 'ivr', name: 'main' } }, { did: '*', destination: { type: 'voicemail', box: '2001' } }],
      },
    }),
    422,
  );
  assert.equal(e.details, [
    { path: '/ringGroups/0/fallback', message: 'the destinations loop: ringGroup:sales -> ext:1001 -> ringGroup:sales' },
    { path: '/inboundRoutes/0/destination/name', message: 'main is not an IVR menu of this tenant' },
    { path: '/inboundRoutes/1/destination/box', message: '2001 is not a voicemail box of this tenant' },
  ]);
  assert.equal(store.getRoutingPlan().ringGroups[0]!.fallback, { type: 'voicemail', box: '1002' }, 'nothing written');
});

test('trunks: PUT one, password write-only and kept when omitted; list, delete; the server is told', async () => {
  const created = await call('PUT', TRUNK, { params: { name: 'carrier' }, body: { kind: 'register', host: 'sip.carrier.example', username: 'acct', password: 's3cret' } });
  assert.is(created.status, 201);
  assert.is((created.body as { hasPassword: boolean }).hasPassword, true);
  assert.not.ok(JSON.stringify(created.body).includes('s3cret'));
  const store = pool.get('acme');
  assert.is(store.getRoutingPlan().trunks[0]!.password, 's3cret', 'the running plan has it at once');
  const replaced = await call('PUT', TRUNK, { params: { name: 'carrier' }, body: { kind: 'register', host: 'sip2.carrier.example', username: 'acct' } });
  assert.is(replaced.status, 200);
  assert.is(store.getRoutingPlan().trunks[0]!.host, 'sip2.carrier.example');
  assert.is(store.getRoutingPlan().trunks[0]!.password, 's3cret', 'omitted: kept');
  const list = await call('GET', TRUNKS);
  assert.not.ok(JSON.stringify(list.body).includes('s3cret'));
  assert.equal(changes.at(-1), ['acme', 'routing']);
  assert.is(store.listAudit()[0]!.action, 'trunk.update');
  assert.equal(store.listAudit()[0]!.details, { trunks: { added: [], updated: ['carrier'], removed: [] } });
  assert.is((await call('DELETE', TRUNK, { params: { name: 'carrier' } })).status, 204);
  assert.equal(store.getRoutingPlan().trunks, []);
  await fails(call('GET', TRUNK, { params: { name: 'carrier' } }), 404);
});

test('trunks: 422 with the YAML paths and messages', async () => {
  const e = await fails(call('PUT', TRUNKS, { body: { trunks: [{ name: 'ok', kind: 'ip', host: '192.0.2.1', allowedSources: ['192.0.2.1'] }, { name: 'Bad Name', kind: 'register', host: 'x..y' }] } }), 422);
  const problems = e.details as Array<{ path: string; message: string }>;
  assert.ok(problems.some((p) => p.path === '/trunks/1/name' && p.message === 'must be 1-63 characters of a-z 0-9 -'));
  assert.ok(problems.some((p) => p.path === '/trunks/1/username' && p.message === 'a register trunk needs credentials'));
  assert.equal(pool.get('acme').getRoutingPlan().trunks, [], 'nothing written');
});

test('routing: GET, PUT validated like the YAML (extensions, DIDs, trunks open to the tenant); DIDs stay', async () => {
  const got = (await call('GET', ROUTING)).body as { dids: string[]; ringGroups: unknown[] };
  assert.equal(got.dids, ['+14155550100']);
  assert.is(got.ringGroups.length, 1);
  const body = {
    countryCode: '1',
    ringGroups: [{ name: 'support', strategy: 'sequential', members: ['1001', '1002'], ringSeconds: 15 }],
    inboundRoutes: [{ did: '+14155550100', destination: { type: 'ringGroup', name: 'support' } }],
    outboundRoutes: [{ name: 'all', patterns: ['NXXNXXXXXX'], trunks: ['shared'] }],
  };
  const put = (await call('PUT', ROUTING, { body })).body as { countryCode: string; dids: string[]; outboundRoutes: Array<{ trunks: string[] }> };
  assert.is(put.countryCode, '1');
  assert.equal(put.dids, ['+14155550100']);
  assert.equal(pool.get('acme').getRoutingPlan().inboundRoutes[0]!.destination, { type: 'ringGroup', name: 'support' });
  const e = await fails(
    call('PUT', ROUTING, {
      body: {
        countryCode: '1',
        ringGroups: [{ name: 'x', strategy: 'simultaneous', members: ['9999'], ringSeconds: 10 }],
        inboundRoutes: [{ did: '+14155550199', destination: { type: 'hangup' } }],
        outboundRoutes: [{ name: 'o', patterns: ['X.'], trunks: ['globex-only'] }],
      },
    }),
    422,
  );
  const paths = (e.details as Array<{ path: string }>).map((p) => p.path);
  assert.equal(paths, ['/ringGroups/0/members/0', '/inboundRoutes/0/did']);
  const e2 = await fails(call('PUT', ROUTING, { body: { countryCode: '1', outboundRoutes: [{ name: 'o', patterns: ['X.'], trunks: ['globex-only'] }] } }), 422);
  assert.equal(e2.details, [
    { path: '/outboundRoutes/0/trunks/0', message: 'provider trunk globex-only is not open to tenant acme (its tenants: list in pbx.yaml)' },
  ]);
  // Numbers need the country code, as in the YAML: a tenant with DIDs cannot drop it.
  const e3 = await fails(call('PUT', ROUTING, { body: { ringGroups: [] } }), 422);
  assert.equal(e3.details, [{ path: '/countryCode', message: 'required because the tenant has dids: the country calling code, e.g. 1 or 44 ("" for none: every outside number then counts as international)' }]);
  assert.is(pool.get('acme').getRoutingPlan().countryCode, '1', 'unchanged by the refused PUTs');
});

test('registrations: live bindings of the tenant only, expired ones left out', async () => {
  const b = (aor: string, expiresAt: number) => ({
    aor,
    contact: `sip:${aor}@10.0.0.9:5062`,
    callId: 'c',
    cseq: 1,
    expiresAt,
    source: { protocol: 'udp' as const, address: '10.0.0.9', port: 5062, localAddress: '127.0.0.1', localPort: 5060 },
    userAgent: 'Phone/1.0',
    updatedAt: clock.now(),
  });
  pool.get('acme').replaceBindings('1001', [b('1001', clock.now() + 60_000)]);
  pool.get('acme').replaceBindings('1002', [b('1002', clock.now() - 1)]);
  pool.get('globex').replaceBindings('1001', [b('1001', clock.now() + 60_000)]);
  const r = (await call('GET', '/tenants/{tenantId}/registrations')).body as { items: Array<Record<string, unknown>> };
  assert.equal(r.items.map((x) => [x['ext'], x['expiresIn'], x['userAgent']]), [['1001', 60, 'Phone/1.0']]);
});

test('calls: list and hang up only the tenant\'s own; a call id of another tenant is 404', async () => {
  const base = { aLegCallId: 'a', state: 'answered' as const, direction: 'internal' as const, to: '1002', startedAt: clock.now() };
  live.set('acme-call', { ...base, callId: 'acme-call', tenantId: 'acme' });
  live.set('globex-call', { ...base, callId: 'globex-call', tenantId: 'globex' });
  const list = (await call('GET', '/tenants/{tenantId}/calls')).body as { items: Array<{ callId: string; startedAt: string }> };
  assert.equal(list.items.map((c) => c.callId), ['acme-call']);
  assert.is(list.items[0]!.startedAt, '2024-05-10T12:00:00.000Z');
  await fails(call('DELETE', '/tenants/{tenantId}/calls/{callId}', { params: { callId: 'globex-call' } }), 404, 'not_found');
  assert.ok(live.has('globex-call'));
  assert.is((await call('DELETE', '/tenants/{tenantId}/calls/{callId}', { params: { callId: 'acme-call' } })).status, 204);
  assert.is(pool.get('acme').listAudit()[0]!.action, 'call.hangup');
});

function record(tenant: string, id: string, startedAt: number, o: { fromExt?: string; disposition?: 'answered' | 'failed'; direction?: 'internal' | 'outbound'; fromUri?: string } = {}) {
  pool.get(tenant).callEnded({
    callId: id,
    fromUri: o.fromUri ?? 'sip:1001@acme.example',
    toUri: 'sip:1002@acme.example',
    ...(o.fromExt ? { fromExt: o.fromExt } : {}),
    direction: o.direction ?? 'internal',
    startedAt,
    answeredAt: startedAt,
    endedAt: startedAt + 90_000,
    disposition: o.disposition ?? 'answered',
    hangupSide: 'caller',
  });
}

test('CDRs: filters, ISO or ms times, pages with a cursor, 400 on a bad cursor; CSV export escapes', async () => {
  const t0 = Date.parse('2024-05-01T00:00:00Z');
  for (let i = 0; i < 5; i++) record('acme', `c${i}`, t0 + i * 60_000, { fromExt: i % 2 ? '1001' : '1002', ...(i === 4 ? { disposition: 'failed' as const } : {}) });
  record('acme', 'evil', t0 + 10 * 60_000, { fromUri: '=cmd|"/c calc"!A1', direction: 'outbound' });
  record('globex', 'g1', t0);
  const CDRS = '/tenants/{tenantId}/cdrs';
  const page1 = (await call('GET', CDRS, { query: { limit: '2' } })).body as { items: Array<{ callId: string }>; nextCursor: string };
  assert.equal(page1.items.map((c) => c.callId), ['evil', 'c4']);
  const page2 = (await call('GET', CDRS, { query: { limit: '2', cursor: page1.nextCursor } })).body as { items: Array<{ callId: string }>; nextCursor: string | null };
  assert.equal(page2.items.map((c) => c.callId), ['c3', 'c2']);
  const f = (q: Record<string, string>) => call('GET', CDRS, { query: q }).then((r) => (r.body as { items: Array<{ callId: string }> }).items.map((c) => c.callId));
  assert.equal(await f({ ext: '1001', order: 'asc' }), ['c1', 'c3']);
  assert.equal(await f({ disposition: 'failed' }), ['c4']);
  assert.equal(await f({ direction: 'outbound' }), ['evil']);
  assert.equal(await f({ from: '2024-05-01T00:02:00Z', to: String(t0 + 4 * 60_000), order: 'asc' }), ['c2', 'c3']);
  await fails(f({ from: 'yesterday' }), 400, 'bad_request');
  await fails(f({ cursor: 'garbage' }), 400, 'bad_request');
  const csv = await call('GET', '/tenants/{tenantId}/cdrs.csv', { query: { direction: 'outbound' } });
  assert.match(csv.contentType ?? '', /^text\/csv/);
  const lines = csv.text!.split('\r\n');
  assert.ok(lines[0]!.startsWith('id,callId,startedAt'));
  assert.is(lines.length, 3, 'header, one record, and the final CRLF');
  assert.ok(lines[1]!.includes(`"'=cmd|""/c calc""!A1"`), lines[1]);
  assert.not.ok(csv.text!.includes('g1'));
});

test('usage: per day with minutes by direction and peak concurrency; /usage for every tenant', async () => {
  const d = Date.parse('2024-05-09T00:00:00Z');
  record('acme', 'u1', d + 1000, { direction: 'outbound' });
  record('acme', 'u2', d + 2000);
  record('acme', 'u3', d + 86_400_000 + 5000);
  const r = (await call('GET', '/tenants/{tenantId}/usage', { query: { period: 'day', from: '2024-05-09', to: '2024-05-11' } })).body as {
    storageBytes: number;
    buckets: Array<{ start: string; calls: number; peakConcurrency: number; minutes: Record<string, number> }>;
  };
  assert.ok(r.storageBytes > 0);
  assert.equal(r.buckets.map((b) => [b.start, b.calls, b.peakConcurrency, b.minutes['outbound'], b.minutes['internal']]), [
    ['2024-05-09T00:00:00.000Z', 2, 2, 1.5, 1.5],
    ['2024-05-10T00:00:00.000Z', 1, 1, 0, 1.5],
  ]);
  const month = (await call('GET', '/tenants/{tenantId}/usage', { query: { period: 'month' } })).body as { buckets: unknown[] };
  assert.is(month.buckets.length, 12);
  const all = (await call('GET', '/usage', { principal: provider, params: {} })).body as { tenants: Array<{ tenantId: string; calls: number; storageBytes: number }> };
  assert.equal(all.tenants.map((t) => [t.tenantId, t.calls]), [['acme', 3], ['globex', 0]]);
  await fails(call('GET', '/tenants/{tenantId}/usage', { query: { period: 'day', from: '2020-01-01', to: '2024-01-01' } }), 400);
});

test('audit: every change through the routes, newest first, paged', async () => {
  await call('PATCH', EXT1, { params: { ext: '1001' }, body: { name: 'A' } });
  await call('PATCH', EXT1, { params: { ext: '1001' }, body: { name: 'B' } });
  await call('PUT', ROUTING, { body: { countryCode: '44' } });
  const AUDIT = '/tenants/{tenantId}/audit';
  const p1 = (await call('GET', AUDIT, { query: { limit: '2' } })).body as { items: Array<{ action: string; details: unknown }>; nextCursor: string };
  assert.equal(p1.items.map((e) => e.action), ['routing.replace', 'extension.update']);
  const p2 = (await call('GET', AUDIT, { query: { limit: '2', cursor: p1.nextCursor } })).body as { items: Array<{ action: string; details: unknown }>; nextCursor: string | null };
  assert.equal(p2.items.map((e) => e.details), [{ name: 'A' }]);
  assert.is(p2.nextCursor, null);
  assert.equal(((await call('GET', AUDIT, { params: { tenantId: 'globex' } })).body as { items: unknown[] }).items, []);
});

test('extensions: digest algorithms are set, refused when unknown, repeated or empty, and removed with null', async () => {
  const store = pool.get('acme');
  // Digest algorithms per extension: set, refused when unknown or repeated, removed with null.
  const sha = await call('PATCH', EXT1, { params: { ext: '1002' }, body: { algorithms: ['SHA-256'] } });
  assert.is(sha.status, 200);
  assert.equal((sha.body as Record<string, unknown>)['algorithms'], ['SHA-256']);
  assert.equal(store.getExtension('1002')!.algorithms, ['SHA-256']);
  await fails(call('PATCH', EXT1, { params: { ext: '1002' }, body: { algorithms: ['SHA-1'] } }), 422);
  await fails(call('PATCH', EXT1, { params: { ext: '1002' }, body: { algorithms: ['MD5', 'MD5'] } }), 422);
  await fails(call('PATCH', EXT1, { params: { ext: '1002' }, body: { algorithms: [] } }), 422);
  assert.equal(store.getExtension('1002')!.algorithms, ['SHA-256'], 'a refused change leaves it');
  const cleared = await call('PATCH', EXT1, { params: { ext: '1002' }, body: { algorithms: null } });
  assert.is((cleared.body as Record<string, unknown>)['algorithms'], null);
  assert.is(store.getExtension('1002')!.algorithms, undefined);
});

test("routing: the tenant's digest algorithms (auth) are set with PUT, checked like the YAML, and go back to the server's when left out", async () => {
  const store = pool.get('acme');
  assert.is(((await call('GET', ROUTING)).body as { auth: unknown }).auth, null);
  const cur = (await call('GET', ROUTING)).body as Record<string, unknown>;
  const { dids: _dids, auth: _auth, ...doc } = cur;
  const put = await call('PUT', ROUTING, { body: { ...doc, auth: { algorithms: ['SHA-256', 'MD5'] } } });
  assert.equal((put.body as { auth: unknown }).auth, { algorithms: ['SHA-256', 'MD5'] });
  assert.equal(store.getRoutingPlan().auth, { algorithms: ['SHA-256', 'MD5'] }, 'the running plan has it at once');
  const e = await fails(call('PUT', ROUTING, { body: { ...doc, auth: { algorithms: ['MD5', 'MD5'] } } }), 422);
  assert.ok((e.details as Array<{ path: string }>).some((p) => p.path === '/auth/algorithms/1'));
  assert.equal(store.getRoutingPlan().auth, { algorithms: ['SHA-256', 'MD5'] }, 'a refused PUT leaves it');
  await call('PUT', ROUTING, { body: { ...doc, auth: null } });
  assert.is(store.getRoutingPlan().auth, undefined);
});

test.run();
