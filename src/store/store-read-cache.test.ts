/**
 * The tenant store's in-memory reads (issue 13 point 1): each cache is filled on the first
 * read, answers later reads without SQLite, and every write path is seen by the next read.
 * Real SQLite files; the statements are counted through better-sqlite3's `verbose` hook.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant } from '../tenant/apply-tenant.js';
import type { BindingRow } from './binding-row.js';
import { readOverride, writeOverride } from './call-flows-store.js';
import { featureCodeTableOf } from '../tenant/feature-codes.js';
import { TenantStorePool } from './store-pool.js';
import { SystemStore } from './system-store.js';
import type { TenantSpec } from '../tenant/tenant-spec.js';
import { SqliteTenantStore, type TenantStoreOptions } from './tenant-store.js';

let dir = '';
let sys: SystemStore;
const opened: Array<{ close(): void }> = [];
let statements: string[] = [];
let tickEnds: Array<() => void> = [];
const tickScheduler = (fn: () => void): void => {
  tickEnds.push(fn);
};
/** The event loop moves on: the next read may ask PRAGMA data_version again. */
function endTick(): void {
  const due = tickEnds;
  tickEnds = [];
  for (const fn of due) fn();
}

function spec(over: Partial<TenantSpec> = {}): TenantSpec {
  return {
    id: 'acme',
    name: 'acme',
    domains: ['acme.example'],
    limits: {},
    extensions: [
      { ext: '1001', name: 'one', password: 'acme-pw-1' },
      { ext: '1002', name: 'two', password: 'acme-pw-2' },
    ],
    ...over,
  };
}

function open(opts: TenantStoreOptions = {}): SqliteTenantStore {
  const s = SqliteTenantStore.open(dir, 'acme', { tickScheduler, onStatement: (sql) => statements.push(sql), ...opts });
  opened.push(s);
  return s;
}

/** The statements run by fn, PRAGMA data_version (at most one per tick) left out and counted apart. */
function sqlOf(fn: () => void): { reads: string[]; versionChecks: number } {
  statements = [];
  fn();
  const versionChecks = statements.filter((s) => /data_version/.test(s)).length;
  return { reads: statements.filter((s) => !/data_version/.test(s)), versionChecks };
}

function binding(aor: string, n: number, over: Partial<BindingRow> = {}): BindingRow {
  return {
    aor,
    contact: `sip:${aor}@10.0.0.${n}:5062`,
    callId: `call-${aor}-${n}`,
    cseq: n,
    expiresAt: 1_700_000_000_000 + n * 1000,
    source: { protocol: 'udp', address: `10.0.0.${n}`, port: 5062, localAddress: '127.0.0.1', localPort: 5060 },
    updatedAt: 1_699_999_999_000,
    ...over,
  };
}

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-readcache-'));
  sys = SystemStore.open(dir);
  applyTenant({ system: sys, dataDir: dir }, spec());
  tickEnds = [];
});
test.after.each(() => {
  for (const s of opened.splice(0)) s.close();
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

test('warm: settings, bindings, extension and routing plan cost no SQLite statement, one data_version per tick at most', () => {
  const s = open();
  s.replaceBindings('1001', [binding('1001', 1)]);
  s.setSetting('mwi', '{"1001":"solicited"}');
  // First reads fill the caches.
  s.getSetting('featureCodes.dndOn');
  s.getBindings('1002');
  s.getExtension('1002');
  s.getRoutingPlan();
  endTick();
  const warm = sqlOf(() => {
    for (let i = 0; i < 10; i++) {
      // what one REGISTER refresh and one call between extensions read
      assert.is(s.getSetting('mwi'), '{"1001":"solicited"}');
      assert.is(s.getSetting('featureCodes.dndOn'), undefined, 'absent rows are cached too');
      assert.equal(s.getBindings('1001'), [binding('1001', 1)]);
      assert.equal(s.getBindings('1002'), []);
      assert.is(s.getExtension('1002')!.name, 'two');
      s.getRoutingPlan();
    }
  });
  assert.equal(warm.reads, []);
  assert.is(warm.versionChecks, 1);
});

test('cold: the first read of a setting or an AOR asks SQLite once', () => {
  const s = open();
  const cold = sqlOf(() => {
    s.getSetting('mwi');
    s.getSetting('mwi');
    s.getBindings('1001');
    s.getBindings('1001');
  });
  assert.is(cold.reads.filter((q) => /FROM settings/.test(q)).length, 1);
  assert.is(cold.reads.filter((q) => /FROM bindings/.test(q)).length, 1);
});

test('settings: setSetting (API, service writes such as a time-condition toggle) is seen by the next read', () => {
  const s = open();
  assert.is(readOverride(s, 'office'), 'auto');
  writeOverride(s, 'office', 'closed');
  assert.is(readOverride(s, 'office'), 'closed');
  s.setSetting('recording', 'always');
  assert.is(s.getSetting('recording'), 'always');
  s.setSetting('recording', 'never');
  assert.is(s.getSetting('recording'), 'never');
  // and it is what the file holds
  const other = open();
  assert.is(other.getSetting('recording'), 'never');
});

test('settings: an apply through another connection (another process, the CLI) is seen from the next tick', () => {
  const s = open();
  assert.is(featureCodeTableOf(s).find((f) => f.id === 'dndOn')!.code, '*78');
  applyTenant({ system: sys, dataDir: dir }, spec({ featureCodes: { dndOn: '*55' } }));
  endTick();
  assert.is(featureCodeTableOf(s).find((f) => f.id === 'dndOn')!.code, '*55');
});

test('settings: an apply in this process, then the pool reopens the store: seen at once', () => {
  const pool = new TenantStorePool({ dataDir: dir, store: { tickScheduler } });
  opened.push({ close: () => pool.closeAll() });
  const s = pool.get('acme');
  assert.is(s.getSetting('featureCodes.dndOn'), undefined);
  applyTenant({ system: sys, dataDir: dir }, spec({ featureCodes: { dndOn: '*55' } }));
  pool.reopen('acme');
  assert.is(s.getSetting('featureCodes.dndOn'), '*55');
});

test('settings: replaceRoutingPlan (its settings rows, such as the caller ID) empties the settings cache', () => {
  const s = open();
  const plan = s.getRoutingPlan();
  const before = s.getSetting('caller_id');
  s.replaceRoutingPlan({ ...plan, callerId: '+14155550199' }, { now: 1 });
  const after = s.getSetting('caller_id');
  assert.is.not(after, before);
  assert.ok(after?.includes('+14155550199'), `the settings row written by syncRouting is read back (${String(after)})`);
});

test('bindings: write-through replace, expiry sweep, disable and delete of the extension are seen by the next read', () => {
  const s = open();
  assert.equal(s.getBindings('1001'), []);
  s.replaceBindings('1001', [binding('1001', 1), binding('1001', 2)]);
  assert.equal(s.getBindings('1001'), [binding('1001', 1), binding('1001', 2)]);
  s.replaceBindings('1001', [binding('1001', 2)]);
  assert.equal(s.getBindings('1001'), [binding('1001', 2)]);
  // the expiry sweep
  s.replaceBindings('1002', [binding('1002', 1)]);
  assert.equal(s.getBindings('1002').length, 1);
  assert.equal(s.deleteExpiredBindings(1_700_000_001_500), [{ aor: '1002', contact: 'sip:1002@10.0.0.1:5062' }]);
  assert.equal(s.getBindings('1002'), []);
  assert.equal(s.getBindings('1001'), [binding('1001', 2)]);
  // the admin API disables the extension: its contacts go
  s.updateExtension('1001', { enabled: false }, { now: 1 });
  assert.equal(s.getBindings('1001'), []);
  s.updateExtension('1001', { enabled: true }, { now: 2 });
  s.replaceBindings('1001', [binding('1001', 3)]);
  assert.equal(s.getBindings('1001').length, 1);
  s.deleteExtension('1001', { now: 3 });
  assert.equal(s.getBindings('1001'), []);
});

test('bindings: write-behind; the flush keeps the cache, a flush that finds the extension gone empties it', () => {
  const clock = new FakeClock();
  const s = open({ writeBehind: { clock, delayMs: 100 } });
  s.replaceBindings('1001', [binding('1001', 1)]);
  s.replaceBindings('1002', [binding('1002', 1)]);
  clock.advance(100); // flushed
  endTick();
  const warm = sqlOf(() => assert.equal(s.getBindings('1001'), [binding('1001', 1)]));
  assert.equal(warm.reads, [], 'the flushed rows are the cache: no read after a flush');
  // 1002 pending, then removed by an apply through another connection before the flush
  s.replaceBindings('1002', [binding('1002', 2)]);
  applyTenant({ system: sys, dataDir: dir }, spec({ extensions: [{ ext: '1001', name: 'one', password: 'acme-pw-1' }] }));
  clock.advance(100);
  endTick();
  assert.equal(s.getBindings('1002'), []);
});

test('bindings: an apply that disables an extension (another connection) is seen from the next tick', () => {
  const s = open();
  s.replaceBindings('1002', [binding('1002', 1)]);
  assert.is(s.getBindings('1002').length, 1);
  applyTenant({ system: sys, dataDir: dir }, spec({ extensions: [{ ext: '1001', name: 'one', password: 'acme-pw-1' }, { ext: '1002', name: 'two', password: 'acme-pw-2', enabled: false }] }));
  endTick();
  assert.equal(s.getBindings('1002'), []);
  assert.is(s.getExtension('1002')!.enabled, false, 'the extension cache started over with it');
});

test('bindings handed out are copies: changing them does not change the cache', () => {
  const s = open();
  s.replaceBindings('1001', [binding('1001', 1, { path: ['<sip:edge;lr>'] })]);
  const got = s.getBindings('1001');
  got[0]!.contact = 'sip:evil@203.0.113.1';
  got[0]!.source.address = '203.0.113.1';
  got[0]!.path!.push('<sip:x;lr>');
  assert.equal(s.getBindings('1001'), [binding('1001', 1, { path: ['<sip:edge;lr>'] })]);
});

test('tenants do not share a cache: a setting or binding of one is not read by the other', () => {
  applyTenant({ system: sys, dataDir: dir }, spec({ id: 'globex', domains: ['globex.example'] }));
  const a = open();
  const g = SqliteTenantStore.open(dir, 'globex', { tickScheduler });
  opened.push(g);
  a.setSetting('recording', 'always');
  a.replaceBindings('1001', [binding('1001', 1)]);
  assert.is(g.getSetting('recording'), undefined);
  assert.equal(g.getBindings('1001'), []);
});

test('call handling: read once per extension; set, delete of the extension and another connection\'s apply are seen', () => {
  const s = open();
  assert.is(s.callHandling.get('1002').dnd, false);
  endTick();
  const warm = sqlOf(() => {
    for (let i = 0; i < 5; i++) assert.is(s.callHandling.get('1002').dnd, false);
  });
  assert.equal(warm.reads, []);
  // *78 (the call-handling service writes through set)
  assert.ok(s.callHandling.set('1002', { dnd: true }, 1));
  assert.is(s.callHandling.get('1002').dnd, true);
  const h = s.callHandling.get('1002');
  h.dnd = false; // callers own what they get
  assert.is(s.callHandling.get('1002').dnd, true);
  // an apply from another connection that declares other handling
  applyTenant({ system: sys, dataDir: dir }, spec({ extensions: [{ ext: '1001', name: 'one', password: 'acme-pw-1' }, { ext: '1002', name: 'two', password: 'acme-pw-2', dnd: true, forward: { busy: { type: 'extension', ext: '1001' } } }] }));
  endTick();
  assert.equal(s.callHandling.get('1002').busy, { type: 'extension', ext: '1001' });
  // the admin API deletes the extension: its row went with it
  s.deleteExtension('1002', { now: 2 });
  assert.equal(s.callHandling.get('1002'), { dnd: false });
});

test.run();
