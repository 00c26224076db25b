// The admin API's writes on a tenant store: extensions, the routing plan, the audit log,
// CDR filters with keyset pages, and the rows usage statistics read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyTenant } from '../tenant/apply-tenant.js';
import type { BindingRow } from './binding-row.js';
import { computeHa1Set } from '../model/ha1.js';
import { validateRoutingSpec } from '../tenant/routing-spec.js';
import { TenantStorePool } from './store-pool.js';
import { SystemStore } from './system-store.js';
import type { TenantStore } from './tenant-store.js';

let dir = '';
let pool: TenantStorePool;
let store: TenantStore;

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-store-admin-'));
  const sys = SystemStore.open(dir);
  applyTenant({ system: sys, dataDir: dir }, { id: 'acme', name: 'Acme', domains: ['acme.example'], limits: {}, extensions: [{ ext: '1001', name: 'Alice', password: 'alice-secret' }] });
  sys.close();
  pool = new TenantStorePool({ dataDir: dir, bindingWriteDelayMs: 0 });
  store = pool.get('acme');
});
test.after.each(() => {
  pool.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

const ha1 = (ext: string, pw: string) => computeHa1Set(ext, 'acme.example', pw);
const binding = (aor: string): BindingRow => ({
  aor,
  contact: `sip:${aor}@10.0.0.1`,
  callId: 'c',
  cseq: 1,
  expiresAt: 2_000_000_000_000,
  source: { protocol: 'udp', address: '10.0.0.1', port: 5060, localAddress: '127.0.0.1', localPort: 5060 },
  updatedAt: 1,
});
const audit = (action: string, target: string) => ({ actor: 'tok1', action, target });

test('createExtension writes the row and its audit entry together, and the cache sees it at once', () => {
  assert.is(store.getExtension('1002'), undefined, 'cached as absent');
  const ok = store.createExtension({ ext: '1002', name: 'Bob', enabled: true, classOfService: 'local', realm: 'acme.example', ha1: ha1('1002', 'pw') }, { now: 5, audit: audit('extension.create', '1002') });
  assert.ok(ok);
  const x = store.getExtension('1002')!;
  assert.is(x.name, 'Bob');
  assert.is(x.classOfService, 'local');
  assert.is(x.ha1.MD5, ha1('1002', 'pw').MD5);
  assert.not.ok(store.createExtension({ ext: '1002', name: 'Again', enabled: true, classOfService: 'local', realm: 'acme.example', ha1: ha1('1002', 'x') }, { now: 6, audit: audit('extension.create', '1002') }));
  const log = store.listAudit();
  assert.is(log.length, 1, 'no entry for the refused second create');
  assert.equal({ at: log[0]!.at, actor: log[0]!.actor, action: log[0]!.action, target: log[0]!.target }, { at: 5, actor: 'tok1', action: 'extension.create', target: '1002' });
});

test('updateExtension: fields, null removes, new credentials, disabling drops bindings', () => {
  store.replaceBindings('1001', [binding('1001')]);
  const x = store.updateExtension('1001', { name: 'Alice B', callerId: '+14155550100', maxContacts: 3 }, { now: 7 })!;
  assert.is(x.name, 'Alice B');
  assert.is(x.callerId, '+14155550100');
  assert.is(store.getExtension('1001')!.maxContacts, 3, 'cache follows');
  assert.is(store.updateExtension('1001', { callerId: null }, { now: 8 })!.callerId, undefined);
  store.updateExtension('1001', { credentials: { realm: 'acme.example', ha1: ha1('1001', 'new') } }, { now: 9 });
  assert.is(store.getExtension('1001')!.ha1['SHA-256'], ha1('1001', 'new')['SHA-256']);
  assert.is(store.countBindings(), 1, 'a new password keeps the registrations');
  store.updateExtension('1001', { enabled: false }, { now: 10, audit: audit('extension.update', '1001') });
  assert.is(store.getExtension('1001')!.enabled, false);
  assert.is(store.countBindings(), 0);
  assert.is(store.updateExtension('9999', { name: 'x' }, { now: 11 }), undefined);
  assert.is(store.listAudit().length, 1);
});

test('deleteExtension removes bindings, ring group memberships and refreshes the plan', () => {
  store.createExtension({ ext: '1002', name: 'Bob', enabled: true, classOfService: 'national', realm: 'acme.example', ha1: ha1('1002', 'pw') }, { now: 1 });
  const plan = validateRoutingSpec({ ringGroups: [{ name: 'sales', strategy: 'simultaneous', members: ['1001', '1002'], ringSeconds: 20 }] }, new Set(['1001', '1002']), () => assert.unreachable());
  store.replaceRoutingPlan(plan, { now: 2 });
  assert.equal(store.getRoutingPlan().ringGroups[0]!.members, ['1001', '1002']);
  store.replaceBindings('1002', [binding('1002')]);
  assert.ok(store.deleteExtension('1002', { now: 3, audit: audit('extension.delete', '1002') }));
  assert.is(store.getExtension('1002'), undefined);
  assert.equal(store.getBindings('1002'), []);
  assert.equal(store.getRoutingPlan().ringGroups[0]!.members, ['1001'], 'the plan cache was dropped');
  assert.not.ok(store.deleteExtension('1002', { now: 4 }));
});

test('write-behind: pending bindings of a deleted extension are dropped, not flushed', () => {
  pool.closeAll();
  pool = new TenantStorePool({ dataDir: dir, bindingWriteDelayMs: 60_000 });
  store = pool.get('acme');
  store.replaceBindings('1001', [binding('1001')]);
  assert.is(store.getBindings('1001').length, 1, 'pending');
  store.deleteExtension('1001', { now: 1 });
  assert.equal(store.getBindings('1001'), []);
  assert.is(store.countBindings(), 0);
});

test('replaceRoutingPlan: the plan is seen at once; audit details from the changes, same transaction', () => {
  const plan = validateRoutingSpec(
    { countryCode: '1', trunks: [{ name: 'carrier', kind: 'ip', host: '192.0.2.1', allowedSources: ['192.0.2.0/24'] }], outboundRoutes: [{ name: 'all', patterns: ['.'], trunks: ['carrier'] }] },
    new Set(['1001']),
    () => assert.unreachable(),
  );
  assert.is(store.getRoutingPlan().trunks.length, 0);
  const changes = store.replaceRoutingPlan(plan, { now: 5, audit: audit('routing.replace', 'routing'), describe: (c) => ({ trunks: c.trunks.added }) });
  assert.equal(changes.trunks.added, ['carrier']);
  assert.is(store.getRoutingPlan().trunks[0]!.name, 'carrier');
  assert.is(store.getRoutingPlan().countryCode, '1');
  assert.equal(store.listAudit()[0]!.details, { trunks: ['carrier'] });
  // A failing describe rolls the change back.
  const other = { ...plan, countryCode: '44' };
  assert.throws(() => store.replaceRoutingPlan(other, { now: 6, audit: audit('routing.replace', 'routing'), describe: () => { throw new Error('boom'); } }));
  assert.is(store.getRoutingPlan().countryCode, '1');
  assert.is(store.listAudit().length, 1);
});

test('audit: newest first, paged by id, filtered by time and action', () => {
  for (let i = 0; i < 5; i++) store.appendAudit({ at: 100 + i, actor: 'a', action: i % 2 ? 'x.odd' : 'x.even', target: String(i), details: { i } });
  const all = store.listAudit();
  assert.equal(all.map((e) => e.target), ['4', '3', '2', '1', '0']);
  assert.equal(all[0]!.details, { i: 4 });
  assert.equal(store.listAudit({ limit: 2 }).map((e) => e.target), ['4', '3']);
  assert.equal(store.listAudit({ beforeId: all[1]!.id, limit: 2 }).map((e) => e.target), ['2', '1']);
  assert.equal(store.listAudit({ since: 101, until: 104 }).map((e) => e.target), ['3', '2', '1']);
  assert.equal(store.listAudit({ action: 'x.odd' }).map((e) => e.target), ['3', '1']);
  assert.throws(() => store.appendAudit({ at: 1, actor: '', action: 'a', target: 't' }));
});

function cdr(id: string, startedAt: number, o: Partial<{ fromExt: string; toExt: string; direction: 'internal' | 'inbound' | 'outbound'; disposition: 'answered' | 'failed'; endedAt: number; answeredAt: number }> = {}) {
  store.callEnded({
    callId: id,
    fromUri: 'sip:x@acme.example',
    toUri: 'sip:y@acme.example',
    startedAt,
    endedAt: o.endedAt ?? startedAt + 60_000,
    ...(o.answeredAt !== undefined ? { answeredAt: o.answeredAt } : {}),
    disposition: o.disposition ?? 'answered',
    hangupSide: 'caller',
    ...(o.fromExt ? { fromExt: o.fromExt } : {}),
    ...(o.toExt ? { toExt: o.toExt } : {}),
    direction: o.direction ?? 'internal',
  });
}

test('listCdrs: filters by extension, disposition and direction; keyset pages never repeat or skip', () => {
  cdr('a', 1000, { fromExt: '1001', toExt: '1002' });
  cdr('b', 1000, { fromExt: '1003', toExt: '1001', disposition: 'failed' });
  cdr('c', 2000, { fromExt: '1002', direction: 'outbound' });
  cdr('d', 3000, { fromExt: '1001', direction: 'outbound' });
  assert.equal(store.listCdrs({ ext: '1001' }).map((c) => c.callId), ['a', 'b', 'd']);
  assert.equal(store.listCdrs({ disposition: 'failed' }).map((c) => c.callId), ['b']);
  assert.equal(store.listCdrs({ direction: 'outbound', newestFirst: true }).map((c) => c.callId), ['d', 'c']);
  const seen: string[] = [];
  let after: { startedAt: number; id: number } | undefined;
  for (;;) {
    const page = store.listCdrs({ newestFirst: true, limit: 1, ...(after ? { after } : {}) });
    if (page.length === 0) break;
    seen.push(page[0]!.callId);
    after = { startedAt: page[0]!.startedAt, id: page[0]!.id };
  }
  assert.equal(seen, ['d', 'c', 'b', 'a']);
  const asc = store.listCdrs({ limit: 2 });
  assert.equal(store.listCdrs({ after: { startedAt: asc[1]!.startedAt, id: asc[1]!.id } }).map((c) => c.callId), ['c', 'd']);
});

test('cdrUsageRows: records overlapping the range, within the look-back', () => {
  cdr('early', 0, { endedAt: 500 });
  cdr('across', 900, { endedAt: 1500, answeredAt: 900 });
  cdr('inside', 1200, { endedAt: 1300 });
  cdr('after', 2000, { endedAt: 2100 });
  const rows = store.cdrUsageRows(1000, 2000, 1000);
  assert.equal(rows.map((r) => [r.startedAt, r.endedAt]), [[900, 1500], [1200, 1300]]);
  assert.is(rows[0]!.billableS, 1);
  assert.equal(store.cdrUsageRows(1000, 2000, 0).map((r) => r.startedAt), [1200], 'no look-back: only calls started in range');
});

test.run();
