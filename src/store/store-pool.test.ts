import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StoreError } from '../util/errors.js';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant } from '../tenant/apply-tenant.js';
import type { BindingRow } from './binding-row.js';
import { TenantStorePool } from './store-pool.js';
import { SystemStore } from './system-store.js';
import { InvalidTenantIdError } from '../model/tenant-errors.js';
import { SqliteTenantStore } from './tenant-store.js';

let dir = '';
let clock: FakeClock;
let pool: TenantStorePool;

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-pool-'));
  clock = new FakeClock();
  const sys = SystemStore.open(dir);
  for (const id of ['t1', 't2', 't3']) {
    applyTenant({ system: sys, dataDir: dir }, { id, name: id, domains: [`${id}.example`], limits: {}, extensions: [{ ext: '1001', name: `${id}-alice`, password: 'p-pass-word' }] });
  }
  sys.close();
  pool = new TenantStorePool({ dataDir: dir, clock, idleMs: 60_000, sweepMs: 10_000 });
});
test.after.each(() => {
  pool.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

const b: BindingRow = {
  aor: '1001',
  contact: 'sip:1001@10.0.0.1',
  callId: 'c',
  cseq: 1,
  expiresAt: 2_000_000_000_000,
  source: { protocol: 'udp', address: '10.0.0.1', port: 5060, localAddress: '127.0.0.1', localPort: 5060 },
  updatedAt: 1,
};

test('reopen() makes a handle see extensions changed by an apply', () => {
  const h = pool.get('t1');
  const before = h.getExtension('1001')!;
  const sys = SystemStore.open(dir);
  applyTenant({ system: sys, dataDir: dir }, { id: 't1', name: 't1', domains: ['t1.example'], limits: {}, extensions: [{ ext: '1001', name: 't1-alice', password: 'another-password' }] });
  sys.close();
  assert.is(h.getExtension('1001')!.ha1.MD5, before.ha1.MD5, 'cached until reopened');
  pool.reopen('t1');
  assert.is.not(h.getExtension('1001')!.ha1.MD5, before.ha1.MD5);
  pool.reopen('t3'); // not open: nothing to do
  assert.not.ok(pool.isOpen('t3'));
});

test('opens on first use, not on get()', () => {
  const h = pool.get('t1');
  assert.is(pool.openCount, 0);
  assert.is(clock.timerCount, 0);
  assert.is(h.getExtension('1001')!.name, 't1-alice');
  assert.ok(pool.isOpen('t1'));
  assert.is(clock.timerCount, 1, 'a sweep is armed while something is open');
});

test('closes idle stores with the clock, and the handle reopens on demand', () => {
  const h1 = pool.get('t1');
  const h2 = pool.get('t2');
  h1.replaceBindings('1001', [b]);
  h2.countExtensions();
  clock.advance(40_000);
  h2.countExtensions(); // t2 stays busy
  clock.advance(30_000); // t1 idle 70 s, t2 idle 30 s
  assert.not.ok(pool.isOpen('t1'), 't1 closed by the sweep');
  assert.ok(pool.isOpen('t2'));
  assert.equal(h1.getBindings('1001'), [b], 'same handle, reopened, data intact');
  assert.ok(pool.isOpen('t1'));
  clock.advance(200_000);
  assert.is(pool.openCount, 0);
  assert.is(clock.timerCount, 0, 'no timer left once nothing is open');
});

test('at most maxOpen stores: the least recently used is closed first', () => {
  pool.closeAll();
  pool = new TenantStorePool({ dataDir: dir, clock, maxOpen: 2 });
  pool.get('t1').countExtensions();
  pool.get('t2').countExtensions();
  pool.get('t1').countExtensions(); // t2 is now the least recently used
  pool.get('t3').countExtensions();
  assert.ok(pool.isOpen('t1'));
  assert.not.ok(pool.isOpen('t2'));
  assert.ok(pool.isOpen('t3'));
  assert.is(pool.get('t2').getExtension('1001')!.name, 't2-alice');
  assert.is(pool.openCount, 2);
});

test('handles of different tenants never share data', () => {
  pool.get('t1').replaceBindings('1001', [b]);
  assert.is(pool.get('t2').countBindings(), 0);
  assert.is(pool.get('t1').countBindings(), 1);
});

test('invalid ids are refused before any path is built', () => {
  for (const id of ['../t1', 'T1', '', 't1/../t2']) {
    assert.throws(() => pool.get(id), (e: unknown) => e instanceof InvalidTenantIdError);
  }
  assert.is(pool.openCount, 0);
});

test('a tenant that was never applied has no store: an error, and no folder is created', () => {
  const h = pool.get('nobody');
  assert.throws(() => h.countExtensions(), (e: unknown) => e instanceof StoreError && /no store/.test(e.message));
  assert.not.ok(existsSync(join(dir, 'tenants', 'nobody')));
  assert.is(pool.openCount, 0);
});

test('closeAll closes everything and refuses further use', () => {
  const h = pool.get('t1');
  h.countExtensions();
  pool.get('t2').countExtensions();
  pool.closeAll();
  assert.is(pool.openCount, 0);
  assert.is(clock.timerCount, 0);
  assert.throws(() => h.countExtensions(), (e: unknown) => e instanceof StoreError && /closed/.test(e.message));
});

test('never more than maxOpen open, over many tenants used in turn; each keeps its own data', () => {
  pool.closeAll();
  const sys = SystemStore.open(dir);
  const ids = Array.from({ length: 12 }, (_, i) => `m${i}`);
  for (const id of ids) applyTenant({ system: sys, dataDir: dir }, { id, name: id, domains: [`${id}.example`], limits: {}, extensions: [{ ext: '1001', name: `${id}-alice`, password: 'p-pass-word' }] });
  sys.close();
  // Registration writes are held back (write-behind): an eviction must write them out first.
  pool = new TenantStorePool({ dataDir: dir, clock, maxOpen: 3, bindingWriteDelayMs: 500 });
  const handles = ids.map((id) => pool.get(id));
  let most = 0;
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < ids.length; i++) {
      const k = (i * 5 + round) % ids.length; // not in LRU order
      handles[k]!.replaceBindings('1001', [{ ...b, contact: `sip:1001@${ids[k]}.host`, cseq: round + 1 }]);
      most = Math.max(most, pool.openCount);
      assert.ok(pool.openCount <= 3, `open ${pool.openCount} after writing ${ids[k]}`);
    }
  }
  assert.is(most, 3);
  for (let k = 0; k < ids.length; k++) {
    const rows = handles[k]!.getBindings('1001');
    assert.equal(rows.map((r) => [r.contact, r.cseq]), [[`sip:1001@${ids[k]}.host`, 4]], `${ids[k]} sees its own binding only`);
    assert.is(handles[k]!.getExtension('1001')!.name, `${ids[k]}-alice`);
  }
  pool.closeAll();
  // On disk too: each file holds its tenant's own binding and nothing of the others.
  for (const id of ids) {
    const s = SqliteTenantStore.open(dir, id, { create: false });
    try {
      assert.equal(s.listBindings().map((r) => r.contact), [`sip:1001@${id}.host`]);
    } finally {
      s.close();
    }
  }
});

test('eviction and reopen never hand one tenant the other tenant\'s connection', () => {
  pool.closeAll();
  pool = new TenantStorePool({ dataDir: dir, clock, maxOpen: 1, bindingWriteDelayMs: 500 });
  const a = pool.get('t1');
  const c = pool.get('t2');
  for (let i = 0; i < 5; i++) {
    a.replaceBindings('1001', [{ ...b, contact: `sip:a${i}@10.0.0.1`, cseq: i }]);
    assert.ok(pool.isOpen('t1') && !pool.isOpen('t2'));
    c.replaceBindings('1001', [{ ...b, contact: `sip:c${i}@10.0.0.2`, cseq: i }]);
    assert.ok(pool.isOpen('t2') && !pool.isOpen('t1'));
    assert.is(a.tenantId, 't1');
    assert.equal(a.getBindings('1001').map((r) => r.contact), [`sip:a${i}@10.0.0.1`]);
    assert.equal(c.getBindings('1001').map((r) => r.contact), [`sip:c${i}@10.0.0.2`]);
    assert.is(a.getExtension('1001')!.name, 't1-alice');
    assert.is(c.getExtension('1001')!.name, 't2-alice');
  }
  assert.is(pool.openCount, 1);
});

test('a write after an idle close lands in the tenant\'s file', () => {
  const h = pool.get('t1');
  h.countExtensions();
  clock.advance(80_000);
  assert.not.ok(pool.isOpen('t1'), 'closed while idle');
  h.setSetting('probe', 'after-idle');
  h.replaceBindings('1001', [b]);
  pool.closeAll();
  const s = SqliteTenantStore.open(dir, 't1', { create: false });
  try {
    assert.is(s.getSetting('probe'), 'after-idle');
    assert.equal(s.getBindings('1001'), [b]);
  } finally {
    s.close();
  }
});

test('peek() is not a use: housekeeping does not keep an idle store open', () => {
  const h = pool.get('t1');
  h.countExtensions();
  assert.is(pool.peek('t2'), undefined, 'a closed store is not opened by peek');
  assert.not.ok(pool.isOpen('t2'));
  for (let i = 0; i < 7; i++) {
    clock.advance(10_000);
    pool.peek('t1')?.countBindings(); // a sweep every 10 s, as the binding sweeper does
  }
  assert.not.ok(pool.isOpen('t1'), 'closed after 60 s idle although peeked at meanwhile');
  assert.is(pool.peek('t1'), undefined);
});

test.run();
