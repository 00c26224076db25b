import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyTenant } from '../tenant/apply-tenant.js';
import { TenantStorePool } from '../store/store-pool.js';
import { SystemStore } from '../store/system-store.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import { ApiError } from './api-types.js';
import { TenantLifecycle } from './tenant-lifecycle.js';

let dir = '';
let sys: SystemStore;
let pool: TenantStorePool;
let clock: FakeClock;
let lc: TenantLifecycle;
let changes: string[];

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-lifecycle-'));
  clock = new FakeClock(1_700_000_000_000);
  sys = SystemStore.open(dir, { clock });
  pool = new TenantStorePool({ dataDir: dir, clock });
  changes = [];
  lc = new TenantLifecycle({ system: sys, dataDir: dir, clock, logger: silentLogger, stores: pool, onChange: (id) => changes.push(id) });
});
test.after.each(() => {
  pool.closeAll();
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

const status = (e: unknown) => (e instanceof ApiError ? `${e.status} ${e.code}` : String(e));
function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return status(e);
  }
  return 'not refused';
}

test('create makes the store, api-managed; delete waits for the grace period; purge removes it', () => {
  lc.create({ id: 'initech', name: 'Initech', domains: ['initech.example'], features: { ivr: true } });
  const dirOf = join(dir, 'tenants', 'initech');
  assert.ok(existsSync(join(dirOf, 'tenant.sqlite')));
  assert.equal([sys.getTenant('initech')!.managedBy, sys.getTenant('initech')!.features], ['api', { ivr: true }]);
  lc.delete('initech', 1);
  assert.equal(lc.purge(), []);
  clock.advance(86_400_000 - 1);
  assert.equal(lc.purge(), []);
  assert.is(refused(() => lc.restoreDeleted('initech')), 'not refused');
  lc.delete('initech', 1);
  clock.advance(86_400_000);
  assert.is(refused(() => lc.restoreDeleted('initech')), '409 grace_expired');
  assert.equal(lc.purge(), ['initech']);
  assert.not.ok(existsSync(dirOf));
  assert.is(sys.getTenant('initech'), undefined);
  assert.is(sys.domainOwner('initech.example'), undefined);
  assert.ok(changes.includes('initech'));
});

test('file-managed tenants refuse delete; transitions that make no sense are 409', () => {
  applyTenant({ system: sys, dataDir: dir }, { id: 'acme', name: 'A', domains: ['acme.example'], limits: {}, extensions: [{ ext: '1', name: 'x', password: 'p-pass-word' }, { ext: '2', name: 'y', password: 'p-pass-word', classOfService: 'international' }] });
  assert.is(refused(() => lc.delete('acme')), '409 managed_by_file');
  assert.is(refused(() => lc.restoreDeleted('acme')), '409 not_deleted');
  assert.is(lc.suspend('acme').status, 'suspended');
  assert.is(lc.suspend('acme').status, 'suspended', 'idempotent');
  assert.is(lc.resume('acme').status, 'active');
  sys.disableTenant('acme');
  assert.is(refused(() => lc.suspend('acme')), '409 tenant_disabled');
  assert.is(refused(() => lc.get('nope')), '404 not_found');
  assert.is(refused(() => lc.get('../x')), '404 not_found');
});

test('limits and features below current use are refused', () => {
  applyTenant({ system: sys, dataDir: dir }, { id: 'acme', name: 'A', domains: ['acme.example'], limits: {}, extensions: [{ ext: '1', name: 'x', password: 'p-pass-word' }, { ext: '2', name: 'y', password: 'p-pass-word', classOfService: 'international' }] });
  // Limits of a file-managed tenant are its file's; taken over, they are the API's.
  assert.is(refused(() => lc.update('acme', { limits: { extensions: 1 } })), '409 managed_by_file');
  assert.is(refused(() => lc.takeOver('acme')), '503 unavailable', 'no file to retire without a server');
  sys.upsertTenant({ id: 'acme', name: 'A', managedBy: 'api' });
  assert.is(refused(() => lc.update('acme', { limits: { extensions: 1 } })), '409 limit_exceeded');
  assert.is(refused(() => lc.update('acme', { features: { international: false } })), '409 limit_exceeded');
  assert.equal(lc.update('acme', { limits: { extensions: 2 }, features: { voicemail: true } }).limits, { extensions: 2 });
  assert.equal(lc.usage('acme').extensions, 2);
});

test('DIDs: one tenant each, in both files, release refused while routed', () => {
  lc.create({ id: 'a', name: 'A', domains: ['a.example'] });
  lc.create({ id: 'b', name: 'B', domains: ['b.example'] });
  assert.is(lc.assignDid('a', '+14155550100'), true);
  assert.is(lc.assignDid('a', '+14155550100'), false);
  assert.is(refused(() => lc.assignDid('b', '+14155550100')), '409 did_taken');
  assert.equal(pool.get('a').getRoutingPlan().dids, ['+14155550100']);
  assert.equal(sys.getTenant('a')!.configRev, Number(pool.get('a').getSetting('config_rev')));
  lc.releaseDid('a', '+14155550100');
  assert.equal([sys.getTenant('a')!.dids, pool.get('a').getRoutingPlan().dids], [[], []]);
  assert.is(refused(() => lc.releaseDid('a', '+14155550100')), '404 not_found');
});

test.run();
