import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqlite } from '../store/sqlite-open.js';
import { SystemStore } from '../store/system-store.js';
import { applyMigrations } from '../store/migrations.js';
import { TENANT_MIGRATIONS } from '../store/tenant-schema.js';
import { tenantDbFile, tenantDir } from '../store/tenant-id.js';
import { StoreError } from '../util/errors.js';
import { checkSqliteFile, randomSuffix } from './data-files.js';
import { systemRowConflicts, writeTenantSystemRows, type TenantSystemRows } from './tenant-system-rows.js';

/** A folder beside the tenant folders to build a tenant in; its name can never be a tenant id. */
export function stagingDir(dataDir: string, id: string, what: string): string {
  const dir = join(dataDir, 'tenants', `.${what}-${id}-${randomSuffix()}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Puts a prepared tenant folder (`staged`, holding tenant.sqlite and the tenant's other
 * files) in place as `<dataDir>/tenants/<id>` and writes the tenant's system rows, all
 * or nothing:
 *
 * 1. the staged tenant.sqlite is checked (quick_check) and migrated to this program's schema;
 * 2. in one IMMEDIATE transaction of system.sqlite: the rows are written (refused if a
 *    domain or DID belongs to another tenant, or with `mustBeNew` if the tenant exists),
 *    the old folder (if any) is moved aside and the staged one renamed into place; then
 *    commit. Any failure rolls the rows back and the folders back;
 * 3. after the commit the old folder is deleted.
 *
 * The caller makes sure no server has this tenant's store open.
 */
export function installTenantDir(dataDir: string, rows: TenantSystemRows, staged: string, opts: { mustBeNew: boolean }): void {
  const id = String(rows.tenant.id);
  const target = tenantDir(dataDir, id);
  const stagedDb = join(staged, 'tenant.sqlite');
  const version = checkSqliteFile(stagedDb, `tenant ${id}'s store`);
  if (version > TENANT_MIGRATIONS.length) {
    throw new StoreError(`tenant ${id}'s store has schema version ${version}, newer than this program knows (${TENANT_MIGRATIONS.length})`);
  }
  {
    const db = openSqlite(stagedDb, { cacheKiB: 256, synchronous: 'FULL' });
    try {
      applyMigrations(db, TENANT_MIGRATIONS, stagedDb);
    } finally {
      db.close();
    }
  }
  // Makes sure system.sqlite exists with the current schema.
  SystemStore.open(dataDir).close();
  const db = openSqlite(join(dataDir, 'system.sqlite'), { cacheKiB: 512, synchronous: 'FULL' });
  const aside = join(dataDir, 'tenants', `.replaced-${id}-${randomSuffix()}`);
  let movedAside = false;
  let movedIn = false;
  try {
    db.transaction(() => {
      if (opts.mustBeNew) {
        if (db.prepare('SELECT 1 FROM tenants WHERE id = ?').get(id)) throw new StoreError(`tenant ${id} exists already on this server`);
        if (existsSync(target)) throw new StoreError(`${target} exists already`);
      }
      const conflicts = systemRowConflicts(db, rows);
      if (conflicts.length > 0) throw new StoreError(`tenant ${id}: ${conflicts.join('; ')}`);
      writeTenantSystemRows(db, rows);
      if (existsSync(target)) {
        renameSync(target, aside);
        movedAside = true;
      }
      renameSync(staged, target);
      movedIn = true;
    }).immediate();
  } catch (e) {
    if (movedIn) renameSync(target, staged);
    if (movedAside) renameSync(aside, target);
    throw e;
  } finally {
    db.close();
  }
  if (movedAside) rmSync(aside, { recursive: true, force: true });
  if (!existsSync(tenantDbFile(dataDir, id))) throw new StoreError(`tenant ${id}: store missing after install`);
}
