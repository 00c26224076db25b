import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StoreError } from '../util/errors.js';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant } from './apply-tenant.js';
import type { BindingRow } from './binding-row.js';
import { TenantStorePool } from './store-pool.js';
import { SystemStore } from './system-store.js';
import { InvalidTenantIdError } from './tenant-errors.js';

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

test.run();
