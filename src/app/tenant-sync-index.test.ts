import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TenantStorePool } from '../store/store-pool.js';
import { SystemStore } from '../store/system-store.js';
import { tenantDbFile } from '../store/tenant-id.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import type { Env } from './config-files.js';
import { TenantSync } from './tenant-sync.js';

let dir = '';
let tenantsDir = '';
let clock: FakeClock;
let sys: SystemStore;
let pool: TenantStorePool;

/** A server's life: its own system connection, pool and TenantSync (what a restart makes anew). */
function boot(env: Env = {}): TenantSync {
  sys = SystemStore.open(dir, { clock });
  pool = new TenantStorePool({ dataDir: dir, clock });
  return new TenantSync({ system: sys, pool, dataDir: dir, tenantsDir, clock, logger: silentLogger, env });
}
function shutdown(): void {
  pool.closeAll();
  sys.close();
}

const yaml = (id: string, password = 'alice-1001-secret', name = 'Alice') => `id: ${id}
domains: [ ${id}.example ]
limits: {}
extensions:
  - { ext: "1001", name: ${name}, password: "${password}" }
`;

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-sync-index-'));
  tenantsDir = join(dir, 'tenants-yaml');
  mkdirSync(tenantsDir);
  clock = new FakeClock();
  writeFileSync(join(tenantsDir, 'acme.yaml'), yaml('acme'));
  writeFileSync(join(tenantsDir, 'globex.yaml'), yaml('globex'));
});
test.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

const rev = (id: string) => sys.getTenant(id)!.configRev;

test('a restart applies nothing when no file changed; a changed file is applied, the others are not', () => {
  let sync = boot();
  assert.equal(sync.sync().applied, ['acme', 'globex']);
  const acmeRev = rev('acme');
  shutdown();

  sync = boot();
  const again = sync.sync();
  assert.equal(again.applied, []);
  assert.equal(again.unchanged, ['acme', 'globex']);
  assert.is(rev('acme'), acmeRev);
  assert.is(pool.openCount, 0, 'no tenant store opened to find that out');

  writeFileSync(join(tenantsDir, 'globex.yaml'), yaml('globex', 'alice-1001-secret', 'Alicia'));
  const changed = sync.sync();
  assert.equal(changed.applied, ['globex']);
  assert.equal(changed.unchanged, ['acme']);
  assert.is(pool.get('globex').getExtension('1001')!.name, 'Alicia');
  shutdown();
});

test('a file touched but not changed is read again, not applied', () => {
  let sync = boot();
  sync.sync();
  const before = rev('acme');
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(tenantsDir, 'acme.yaml'), later, later);
  const r = sync.sync();
  assert.equal(r.applied, []);
  assert.is(rev('acme'), before);
  shutdown();
  sync = boot();
  assert.equal(sync.sync().applied, [], 'the new stamp was recorded');
  shutdown();
});

test('a change of an environment variable the file names is applied, without the file changing', () => {
  writeFileSync(join(tenantsDir, 'acme.yaml'), yaml('acme', '${ACME_PW}'));
  let sync = boot({ ACME_PW: 'first-secret-1' });
  sync.sync();
  const ha1 = pool.get('acme').getExtension('1001')!.ha1.MD5;
  shutdown();
  sync = boot({ ACME_PW: 'first-secret-1' });
  assert.equal(sync.sync().applied, []);
  shutdown();
  sync = boot({ ACME_PW: 'second-secret-2' });
  assert.equal(sync.sync().applied, ['acme']);
  assert.is.not(pool.get('acme').getExtension('1001')!.ha1.MD5, ha1);
  shutdown();
});

test('a record that no longer proves the state is not trusted: another writer, a lost store, a disabled tenant', () => {
  let sync = boot();
  sync.sync();
  // Another writer moved the revision (the CLI applied the file, or a crash split an apply's commit).
  sys.bumpConfigRev('acme');
  assert.equal(sync.sync().applied, ['acme']);
  assert.equal(sync.sync().applied, []);
  shutdown();

  // The tenant's SQLite file is gone: applying the file makes it anew.
  rmSync(tenantDbFile(dir, 'globex'));
  sync = boot();
  assert.equal(sync.sync().applied, ['globex']);
  assert.is(pool.get('globex').getExtension('1001')!.name, 'Alice');

  // The file goes (tenant disabled), then comes back unchanged: applied again, active again.
  rmSync(join(tenantsDir, 'acme.yaml'));
  assert.equal(sync.sync().disabled, ['acme']);
  writeFileSync(join(tenantsDir, 'acme.yaml'), yaml('acme'));
  assert.equal(sync.sync().applied, ['acme']);
  assert.is(sys.getTenant('acme')!.status, 'active');
  shutdown();
});

test('a broken file is reported on every sync and keeps what was applied', () => {
  let sync = boot();
  sync.sync();
  writeFileSync(join(tenantsDir, 'acme.yaml'), 'id: acme\ndomains: [ acme.example\n');
  assert.is(sync.sync().failed.length, 1);
  assert.is(sync.sync().failed.length, 1, 'reported again: no record is written for it');
  shutdown();
  sync = boot();
  const r = sync.sync();
  assert.is(r.failed.length, 1);
  assert.equal(r.unchanged, ['globex']);
  assert.is(pool.get('acme').getExtension('1001')!.name, 'Alice');
  shutdown();
});

test.run();
