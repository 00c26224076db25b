import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { applyMigrations } from './migrations.js';
import { SYSTEM_MIGRATIONS } from './system-schema.js';
import { SystemStore } from './system-store.js';

let dir = '';
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-sysschema-'));
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

/** A system.sqlite as issue 4 left it (schema version 2), with data. */
function v2Database(): void {
  const db = new Database(join(dir, 'system.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  applyMigrations(db, SYSTEM_MIGRATIONS.slice(0, 2));
  db.exec(`
    INSERT INTO tenants (id, name, status, limits, config_rev, created_at, updated_at) VALUES
      ('acme', 'Acme', 'active', '{"calls":10}', 3, 1000, 2000),
      ('globex', 'Globex', 'disabled', '{}', 1, 1500, 2500);
    INSERT INTO domains (domain, tenant_id, position) VALUES ('acme.example', 'acme', 0), ('acme.test', 'acme', 1);
    INSERT INTO dids (number, tenant_id, position) VALUES ('+14155550100', 'acme', 0);
  `);
  assert.is(db.pragma('user_version', { simple: true }), 2);
  db.close();
}

test('migration 3 rebuilds tenants on a v2 database keeping rows, domains, DIDs and foreign keys', () => {
  v2Database();
  const clock = new FakeClock(5000);
  const sys = SystemStore.open(dir, { clock });
  const acme = sys.getTenant('acme')!;
  assert.equal(
    { ...acme },
    {
      id: 'acme',
      name: 'Acme',
      status: 'active',
      limits: { calls: 10 },
      features: {},
      managedBy: 'file',
      domains: ['acme.example', 'acme.test'],
      dids: ['+14155550100'],
      configRev: 3,
      createdAt: 1000,
      updatedAt: 2000,
    },
  );
  assert.is(sys.getTenant('globex')!.status, 'disabled');
  // The new statuses are accepted.
  sys.setTenantStatus('acme', 'suspended');
  assert.is(sys.getTenant('acme')!.status, 'suspended');
  sys.setTenantStatus('acme', 'deleted', 9999);
  assert.equal([sys.getTenant('acme')!.status, sys.getTenant('acme')!.deleteAfter], ['deleted', 9999]);
  // The foreign keys of domains and dids still point at the (new) tenants table.
  sys.removeTenant('acme');
  assert.is(sys.domainOwner('acme.example'), undefined, 'domains cascaded');
  assert.is(sys.didOwner('+14155550100'), undefined, 'DIDs cascaded');
  sys.close();

  const db = new Database(join(dir, 'system.sqlite'));
  db.pragma('foreign_keys = ON');
  assert.is(db.pragma('user_version', { simple: true }), SYSTEM_MIGRATIONS.length);
  assert.equal(db.pragma('foreign_key_check'), []);
  assert.throws(() => db.prepare("INSERT INTO domains (domain, tenant_id, position) VALUES ('x.example', 'nobody', 0)").run(), /FOREIGN KEY/);
  assert.throws(() => db.prepare("UPDATE tenants SET status = 'bogus' WHERE id = 'globex'").run(), /CHECK/);
  assert.is(db.pragma('foreign_keys', { simple: true }), 1);
  const fks = db.prepare("SELECT \"table\" FROM pragma_foreign_key_list('domains')").pluck().all();
  assert.equal(fks, ['tenants']);
  db.close();
});

test('the connection has foreign keys on again after the migration', () => {
  v2Database();
  const sys = SystemStore.open(dir);
  sys.upsertTenant({ id: 'a', name: 'A' });
  assert.throws(() => sys.setTenantDids('nobody', ['+14155550199']));
  sys.close();
});

test('upsertTenant keeps managedBy and features unless given; leaving deleted clears delete_after', () => {
  const sys = SystemStore.open(dir, { clock: new FakeClock(1) });
  sys.upsertTenant({ id: 'a', name: 'A', managedBy: 'api', features: { voicemail: true } });
  sys.upsertTenant({ id: 'a', name: 'A2' });
  assert.equal([sys.getTenant('a')!.managedBy, sys.getTenant('a')!.features], ['api', { voicemail: true }]);
  sys.setTenantStatus('a', 'deleted', 100);
  sys.upsertTenant({ id: 'a', name: 'A2', status: 'active' });
  assert.is(sys.getTenant('a')!.deleteAfter, undefined);
  assert.equal(sys.listTenants({ status: ['active', 'suspended'] }).map((t) => t.id), ['a']);
  sys.close();
});

test.run();
