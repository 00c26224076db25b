import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StoreError } from '../util/errors.js';
import { applyTenant } from '../tenant/apply-tenant.js';
import type { BindingRow } from './binding-row.js';
import { TenantStorePool } from './store-pool.js';
import { SystemStore } from './system-store.js';
import { validateTenantSpec, type TenantSpec } from '../tenant/tenant-spec.js';
import { SqliteTenantStore } from './tenant-store.js';
import { FakeClock } from '../util/fake-clock.js';

let dir = '';
let sys: SystemStore;
const opened: SqliteTenantStore[] = [];

/** The stores' once-per-tick data_version check, driven by hand: endTick() is the event loop moving on. */
let tickEnds: Array<() => void> = [];
const tickScheduler = (fn: () => void): void => {
  tickEnds.push(fn);
};
function endTick(): void {
  const due = tickEnds;
  tickEnds = [];
  for (const fn of due) fn();
}

function open(id: string): SqliteTenantStore {
  const s = SqliteTenantStore.open(dir, id, { tickScheduler });
  opened.push(s);
  return s;
}

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-tstore-'));
  sys = SystemStore.open(dir);
  for (const id of ['acme', 'globex']) {
    applyTenant(
      { system: sys, dataDir: dir },
      {
        id,
        name: id,
        domains: [`${id}.example`],
        limits: {},
        extensions: [
          { ext: '1001', name: `${id} one`, password: `${id}-pw-1` },
          { ext: '1002', name: `${id} two`, password: `${id}-pw-2`, maxContacts: 3 },
        ],
      },
    );
  }
});
test.after.each(() => {
  for (const s of opened.splice(0)) s.close();
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

function binding(aor: string, n: number, over: Partial<BindingRow> = {}): BindingRow {
  return {
    aor,
    contact: `sip:${aor}@10.0.0.${n}:5062;transport=tcp`,
    callId: `call-${aor}-${n}`,
    cseq: n,
    expiresAt: 1_700_000_000_000 + n * 1000,
    source: { protocol: 'tcp', address: `10.0.0.${n}`, port: 5062, localAddress: '127.0.0.1', localPort: 5060 },
    updatedAt: 1_699_999_999_000,
    ...over,
  };
}

test('extensions read back with HA1 digests and optional maxContacts', () => {
  const s = open('acme');
  assert.is(s.countExtensions(), 2);
  const x = s.getExtension('1002')!;
  assert.is(x.name, 'acme two');
  assert.is(x.enabled, true);
  assert.is(x.maxContacts, 3);
  assert.is(x.realm, 'acme.example');
  assert.match(x.ha1.MD5, /^[0-9a-f]{32}$/);
  assert.match(x.ha1['SHA-256'], /^[0-9a-f]{64}$/);
  assert.not.ok('maxContacts' in s.getExtension('1001')!);
  assert.is(s.getExtension('9999'), undefined);
  assert.is(s.getExtension("1001' OR '1'='1"), undefined);
  assert.equal(s.listExtensions().map((e) => e.ext), ['1001', '1002']);
});

test('replaceBindings stores the whole set in order and round-trips every field', () => {
  const s = open('acme');
  const full = binding('1001', 1, {
    instance: 'urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF',
    regId: 1,
    q: 0.7,
    path: ['<sip:edge1.example;lr>', '<sip:edge2.example;lr>'],
    userAgent: 'Phone/1.0',
    source: { protocol: 'tls', address: '198.51.100.7', port: 40000, connectionId: 'c-17', localAddress: '127.0.0.1', localPort: 5061 },
  });
  const plain = binding('1001', 2);
  s.replaceBindings('1001', [plain, full]);
  assert.equal(s.getBindings('1001'), [plain, full], 'same order, same fields, no extras');
  s.replaceBindings('1001', [full]);
  assert.equal(s.getBindings('1001'), [full]);
  assert.is(s.countBindings(), 1);
});

test('replaceBindings touches only its AOR; an empty set removes all', () => {
  const s = open('acme');
  s.replaceBindings('1001', [binding('1001', 1), binding('1001', 2)]);
  s.replaceBindings('1002', [binding('1002', 3)]);
  s.replaceBindings('1001', []);
  assert.equal(s.getBindings('1001'), []);
  assert.equal(s.getBindings('1002'), [binding('1002', 3)]);
  assert.equal(s.listBindings().map((b) => b.contact), ['sip:1002@10.0.0.3:5062;transport=tcp']);
});

test('RFC 5626: the same Contact over two flows (reg-id 1 and 2) is two bindings', () => {
  const s = open('acme');
  const a = binding('1001', 1, { instance: 'urn:uuid:x', regId: 1 });
  const b = { ...a, regId: 2, source: { ...a.source, port: 5070 } };
  s.replaceBindings('1001', [a, b]);
  assert.is(s.getBindings('1001').length, 2);
});

test('replaceBindings refuses rows of another AOR, unknown extensions and absurd sets, changing nothing', () => {
  const s = open('acme');
  s.replaceBindings('1001', [binding('1001', 1)]);
  assert.throws(() => s.replaceBindings('1001', [binding('1002', 2)]), (e: unknown) => e instanceof StoreError);
  assert.throws(() => s.replaceBindings('7777', [binding('7777', 2)]), (e: unknown) => e instanceof StoreError && /no extension 7777/.test(e.message));
  const many = Array.from({ length: 1001 }, (_, i) => binding('1001', i));
  assert.throws(() => s.replaceBindings('1001', many), (e: unknown) => e instanceof StoreError);
  // a failure in the middle of the set rolls the whole replace back
  const dup = [binding('1001', 5), { ...binding('1001', 6), cseq: 'x' as unknown as number }];
  assert.throws(() => s.replaceBindings('1001', dup), (e: unknown) => e instanceof StoreError);
  assert.equal(s.getBindings('1001'), [binding('1001', 1)]);
});

test('deleteExpiredBindings removes expiresAt <= now and says which', () => {
  const s = open('acme');
  s.replaceBindings('1001', [binding('1001', 1), binding('1001', 5)]);
  s.replaceBindings('1002', [binding('1002', 3)]);
  const gone = s.deleteExpiredBindings(1_700_000_000_000 + 3000);
  assert.equal(
    gone.sort((x, y) => x.contact.localeCompare(y.contact)),
    [
      { aor: '1001', contact: 'sip:1001@10.0.0.1:5062;transport=tcp' },
      { aor: '1002', contact: 'sip:1002@10.0.0.3:5062;transport=tcp' },
    ],
  );
  assert.equal(s.getBindings('1001'), [binding('1001', 5)]);
  assert.equal(s.deleteExpiredBindings(1_700_000_000_000 + 3000), []);
  assert.is(s.countBindings(), 1);
});

test('isolation: tenant stores see only their own extensions and bindings; 1001 exists in both', () => {
  const a = open('acme');
  const g = open('globex');
  a.replaceBindings('1001', [binding('1001', 1)]);
  assert.equal(g.getBindings('1001'), []);
  assert.is(g.countBindings(), 0);
  assert.is(a.getExtension('1001')!.name, 'acme one');
  assert.is(g.getExtension('1001')!.name, 'globex one');
  assert.is.not(a.getExtension('1001')!.ha1.MD5, g.getExtension('1001')!.ha1.MD5);
  assert.is(g.getExtension('1001')!.realm, 'globex.example');
  g.replaceBindings('1001', [binding('1001', 9)]);
  assert.equal(a.getBindings('1001'), [binding('1001', 1)]);
});

test('data persists across close and reopen', () => {
  let s = open('acme');
  s.replaceBindings('1002', [binding('1002', 4, { q: 0.5 })]);
  s.setSetting('greeting', 'hello');
  s.close();
  assert.throws(() => s.getBindings('1002'), (e: unknown) => e instanceof StoreError, 'a closed store fails typed');
  s = open('acme');
  assert.equal(s.getBindings('1002'), [binding('1002', 4, { q: 0.5 })]);
  assert.is(s.getSetting('greeting'), 'hello');
  assert.is(s.getSetting('nothing'), undefined);
});

test('the tenant file is WAL, in its own folder, with the schema and no password column', () => {
  const s = open('acme');
  assert.is(s.file, join(dir, 'tenants', 'acme', 'tenant.sqlite'));
  const raw = new Database(s.file, { readonly: true });
  assert.is(raw.pragma('journal_mode', { simple: true }), 'wal');
  const cols = (raw.prepare("SELECT name FROM pragma_table_info('extensions')").pluck().all() as string[]).join(',');
  assert.is(cols, 'ext,name,enabled,max_contacts,ha1_md5,ha1_sha256,realm,updated_at,class_of_service,caller_id,auth_algorithms,recording');
  assert.not.match(cols, /pass/);
  raw.close();
});

test('a database from a newer program is refused', () => {
  const s = open('acme');
  s.close();
  const raw = new Database(join(dir, 'tenants', 'acme', 'tenant.sqlite'));
  raw.pragma('user_version = 99');
  raw.close();
  assert.throws(() => SqliteTenantStore.open(dir, 'acme'), (e: unknown) => e instanceof StoreError && /newer/.test(e.message));
});

test('write-behind: reads see a write at once, the file gets it after the delay, in one batch', () => {
  const clock = new FakeClock();
  const s = SqliteTenantStore.open(dir, 'acme', { writeBehind: { clock, delayMs: 500 } });
  opened.push(s);
  const other = open('acme'); // another connection sees only what is committed
  s.replaceBindings('1001', [binding('1001', 1)]);
  s.replaceBindings('1002', [binding('1002', 2)]);
  assert.equal(s.getBindings('1001'), [binding('1001', 1)]);
  assert.is(other.getBindings('1001').length, 0, 'not committed yet');
  assert.is(s.pendingWrites, 2);
  clock.advance(499);
  endTick();
  assert.is(other.getBindings('1001').length, 0);
  clock.advance(1);
  assert.equal(other.getBindings('1001').length, 0, 'the other connection reads its cache until its next tick');
  endTick();
  assert.equal(other.getBindings('1001'), [binding('1001', 1)]);
  assert.equal(other.getBindings('1002'), [binding('1002', 2)]);
  assert.is(s.pendingWrites, 0);
});

test('write-behind: the latest write of an AOR wins; reads hand out copies', () => {
  const clock = new FakeClock();
  const s = SqliteTenantStore.open(dir, 'acme', { writeBehind: { clock, delayMs: 100 } });
  opened.push(s);
  s.replaceBindings('1001', [binding('1001', 1)]);
  s.replaceBindings('1001', [binding('1001', 2), binding('1001', 3)]);
  const got = s.getBindings('1001');
  got[0]!.source.port = 1; // must not reach the pending row
  assert.equal(s.getBindings('1001'), [binding('1001', 2), binding('1001', 3)]);
  s.replaceBindings('1001', []);
  clock.advance(100);
  assert.is(open('acme').getBindings('1001').length, 0);
});

test('write-behind: close() and lists write out what is pending; a count includes it without committing', () => {
  const clock = new FakeClock();
  const s = SqliteTenantStore.open(dir, 'acme', { writeBehind: { clock, delayMs: 60_000 } });
  s.replaceBindings('1001', [binding('1001', 1)]);
  assert.is(s.countBindings(), 1);
  // Issue 13: the registration limit counts at every new contact; a commit each time made
  // an avalanche of first registrations far dearer than refreshes.
  assert.is(s.pendingWrites, 1, 'countBindings committed nothing');
  assert.is(open('acme').countBindings(), 0);
  s.listBindings();
  assert.is(open('acme').countBindings(), 1, 'listBindings committed first');
  s.replaceBindings('1002', [binding('1002', 4)]);
  s.close();
  assert.equal(open('acme').getBindings('1002'), [binding('1002', 4)], 'close() committed it');
});

test('write-behind: the count stays exact through adds, replacements and removals, pending or committed', () => {
  const clock = new FakeClock();
  const s = SqliteTenantStore.open(dir, 'acme', { writeBehind: { clock, delayMs: 500 } });
  opened.push(s);
  s.replaceBindings('1001', [binding('1001', 1), binding('1001', 2)]);
  s.flush();
  assert.is(s.countBindings(), 2);
  s.replaceBindings('1001', [binding('1001', 3)]); // 2 committed -> 1 pending
  s.replaceBindings('1002', [binding('1002', 1)]); // new
  s.replaceBindings('1002', [binding('1002', 1), binding('1002', 2)]); // again before the flush
  assert.is(s.countBindings(), 3);
  assert.is(s.pendingWrites, 2);
  clock.advance(500);
  assert.is(s.pendingWrites, 0);
  assert.is(s.countBindings(), 3);
  assert.is(open('acme').countBindings(), 3);
  s.replaceBindings('1001', []);
  s.replaceBindings('1002', [binding('1002', 9)]);
  assert.is(s.countBindings(), 1);
  clock.advance(500);
  assert.is(s.countBindings(), 1);
  assert.is(open('acme').countBindings(), 1);
});

test('write-behind: when the pending writes cannot be committed (disk full), lists and counts still answer, with the pending rows laid over the committed ones', () => {
  const clock = new FakeClock();
  const s = SqliteTenantStore.open(dir, 'acme', { writeBehind: { clock, delayMs: 500 } });
  opened.push(s);
  s.replaceBindings('1001', [binding('1001', 1)]);
  s.flush();
  // A real SQLITE_FULL: the file may not grow by one more page (as on a full disk).
  const db = (s as unknown as { db: Database.Database }).db;
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  const big = (aor: string, n: number) => binding(aor, n, { userAgent: 'x'.repeat(200), contact: `sip:${aor}-${n}-${'y'.repeat(150)}@10.0.0.${n}` });
  s.replaceBindings('1002', Array.from({ length: 20 }, (_, i) => big('1002', i + 1)));
  s.replaceBindings('1001', [binding('1001', 7)]);
  assert.throws(() => s.flush(), (e: unknown) => e instanceof StoreError && /full/.test(e.message));
  const all = s.listBindings();
  assert.equal(all.map((b) => `${b.aor}/${b.cseq}`), ['1001/7', ...Array.from({ length: 20 }, (_, i) => `1002/${i + 1}`)]);
  assert.is(s.countBindings(), 21);
  assert.is(s.pendingWrites, 2, 'still pending, to be retried');
  db.pragma('max_page_count = 1073741823');
  clock.advance(500);
  assert.is(s.pendingWrites, 0, 'the retry committed them');
  assert.is(open('acme').countBindings(), 21);
});

test('write-behind: a pending AOR whose extension was removed meanwhile is dropped alone', () => {
  const clock = new FakeClock();
  const s = SqliteTenantStore.open(dir, 'acme', { writeBehind: { clock, delayMs: 500 } });
  opened.push(s);
  s.replaceBindings('1001', [binding('1001', 1)]);
  s.replaceBindings('1002', [binding('1002', 2)]);
  applyTenant(
    { system: sys, dataDir: dir },
    { id: 'acme', name: 'acme', domains: ['acme.example'], limits: {}, extensions: [{ ext: '1001', name: 'acme one', password: 'acme-pw-1' }] },
  );
  clock.advance(500);
  const fresh = open('acme');
  assert.equal(fresh.getBindings('1001'), [binding('1001', 1)]);
  assert.is(fresh.getBindings('1002').length, 0);
  assert.is(s.pendingWrites, 0);
  assert.throws(() => s.replaceBindings('9999', [binding('9999', 1)]), (e: unknown) => e instanceof StoreError, 'an unknown extension is refused at once');
});

function routed(over: Partial<TenantSpec> = {}): TenantSpec {
  return {
    id: 'acme',
    name: 'acme',
    domains: ['acme.example'],
    limits: {},
    extensions: [
      { ext: '1001', name: 'acme one', password: 'acme-pw-1', classOfService: 'local', callerId: '+14155550101' },
      { ext: '1002', name: 'acme two', password: 'acme-pw-2', maxContacts: 3 },
    ],
    countryCode: '1',
    dids: ['+14155550100'],
    trunks: [{ name: 'carrier', kind: 'ip', host: '198.51.100.7', allowedSources: ['198.51.100.0/28'] }],
    ringGroups: [{ name: 'all', strategy: 'simultaneous', members: ['1001', '1002'], ringSeconds: 30 }],
    inboundRoutes: [{ did: '*', destination: { type: 'ringGroup', name: 'all' } }],
    outboundRoutes: [{ name: 'out', patterns: ['NXXNXXXXXX'], prepend: '+1', trunks: ['carrier'] }],
    ...over,
  };
}

test('extensions carry class of service and caller ID; the default class is national', () => {
  applyTenant({ system: sys, dataDir: dir }, routed());
  const s = open('acme');
  assert.equal({ cos: s.getExtension('1001')!.classOfService, cid: s.getExtension('1001')!.callerId }, { cos: 'local', cid: '+14155550101' });
  assert.is(s.getExtension('1002')!.classOfService, 'national');
  assert.not.ok('callerId' in s.getExtension('1002')!);
  assert.equal(s.listExtensions().map((x) => [x.ext, x.classOfService, x.callerId]), [['1001', 'local', '+14155550101'], ['1002', 'national', undefined]]);
  assert.is(open('globex').getExtension('1001')!.classOfService, 'national', 'the other tenant is not affected');
});

test('getRoutingPlan: read once, frozen, the same object until another connection commits', () => {
  applyTenant({ system: sys, dataDir: dir }, routed());
  const s = open('acme');
  const p = s.getRoutingPlan();
  assert.equal(p, validateTenantSpec(routed()).routing);
  assert.is(s.getRoutingPlan(), p, 'cached');
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.trunks[0]!.allowedSources) && Object.isFrozen(p.ringGroups[0]!.members));
  assert.throws(() => (p.dids as string[]).push('+1'));
  // This connection's own writes do not drop the cache.
  s.replaceBindings('1001', [binding('1001', 1)]);
  s.callEnded({ callId: 'c', fromUri: 'f', toUri: 't', startedAt: 1, endedAt: 2, disposition: 'failed', hangupSide: 'system' });
  s.setSetting('greeting', 'x');
  assert.is(s.getRoutingPlan(), p);
  // An apply (another connection) is seen from the next tick on, without a reopen.
  const next = routed({ outboundRoutes: [], callerId: '+14155550100' });
  applyTenant({ system: sys, dataDir: dir }, next);
  assert.is(s.getRoutingPlan(), p, 'data_version is asked once per tick');
  endTick();
  const q = s.getRoutingPlan();
  assert.is.not(q, p);
  assert.equal(q, validateTenantSpec(next).routing);
  assert.is(s.getRoutingPlan(), q);
  // A re-apply that changes nothing writes nothing: the cache stays.
  assert.not.ok(applyTenant({ system: sys, dataDir: dir }, next).changed);
  assert.is(s.getRoutingPlan(), q);
});

test('getRoutingPlan: a change seen also empties the extension cache, so plan and extensions agree', () => {
  applyTenant({ system: sys, dataDir: dir }, routed());
  const s = open('acme');
  const before = s.getRoutingPlan();
  assert.is(s.getExtension('1003'), undefined); // now cached as unknown
  applyTenant(
    { system: sys, dataDir: dir },
    routed({
      extensions: [...routed().extensions, { ext: '1003', name: 'three', password: 'pw-3-pass-word' }],
      ringGroups: [{ name: 'all', strategy: 'sequential', members: ['1003', '1001'], ringSeconds: 10 }],
    }),
  );
  assert.is(s.getExtension('1003'), undefined, 'cached until the next tick (per request: no query)');
  endTick();
  const after = s.getRoutingPlan();
  assert.is.not(after, before);
  assert.equal(after.ringGroups, [{ name: 'all', strategy: 'sequential', members: ['1003', '1001'], ringSeconds: 10 }]);
  assert.is(s.getExtension('1003')!.name, 'three', 'the cache was emptied with the plan');
  assert.is(s.getRoutingPlan(), after);
});

test('through the pool: getRoutingPlan and outboundSecondsSince, fresh after an apply and a reopen', () => {
  applyTenant({ system: sys, dataDir: dir }, routed());
  const pool = new TenantStorePool({ dataDir: dir, clock: new FakeClock() });
  try {
    const h = pool.get('acme');
    assert.equal(h.getRoutingPlan(), validateTenantSpec(routed()).routing);
    assert.equal(pool.get('globex').getRoutingPlan().dids, [], 'each tenant its own plan');
    const next = routed({ dids: ['+14155550100', '+14155550111'], countryCode: '44', nationalPrefix: '0' });
    const r = applyTenant({ system: sys, dataDir: dir }, next);
    assert.ok(r.changed);
    pool.reopen('acme');
    assert.equal(h.getRoutingPlan(), validateTenantSpec(next).routing);
    h.callEnded({ callId: 'o', fromUri: 'f', toUri: 't', direction: 'outbound', startedAt: 10, answeredAt: 10, endedAt: 5010, disposition: 'answered', hangupSide: 'caller' });
    assert.is(h.outboundSecondsSince(0), 5);
    assert.is(pool.get('globex').outboundSecondsSince(0), 0);
  } finally {
    pool.closeAll();
  }
});

test.run();
