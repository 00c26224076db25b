import type Database from 'better-sqlite3';
import { StoreError } from '../util/errors.js';

type Row = Record<string, unknown>;

/**
 * A tenant's rows of system.sqlite, column by column as they are stored: its `tenants`
 * row (name, status, limits and whatever columns later schemas add, such as features)
 * and its `domains` and `dids`. Backups and packs carry these so that a tenant can be
 * put back, or moved, with exactly the provider-side state it had.
 */
export interface TenantSystemRows {
  tenant: Row;
  domains: Row[];
  dids: Row[];
}

export function readTenantSystemRows(db: Database.Database, id: string): TenantSystemRows | undefined {
  const tenant = db.prepare<[string], Row>('SELECT * FROM tenants WHERE id = ?').get(id);
  if (!tenant) return undefined;
  return {
    tenant,
    domains: db.prepare<[string], Row>('SELECT * FROM domains WHERE tenant_id = ? ORDER BY position').all(id),
    dids: db.prepare<[string], Row>('SELECT * FROM dids WHERE tenant_id = ? ORDER BY position').all(id),
  };
}

/** The domains and DIDs of `rows` that another tenant of `db` owns now, as readable problems. */
export function systemRowConflicts(db: Database.Database, rows: TenantSystemRows): string[] {
  const id = String(rows.tenant.id);
  const out: string[] = [];
  const domainOwner = db.prepare<[string], string>('SELECT tenant_id FROM domains WHERE domain = ?').pluck();
  const didOwner = db.prepare<[string], string>('SELECT tenant_id FROM dids WHERE number = ?').pluck();
  for (const d of rows.domains) {
    const owner = domainOwner.get(String(d.domain));
    if (owner !== undefined && owner !== id) out.push(`domain ${String(d.domain)} belongs to tenant ${owner}`);
  }
  for (const d of rows.dids) {
    const owner = didOwner.get(String(d.number));
    if (owner !== undefined && owner !== id) out.push(`DID ${String(d.number)} belongs to tenant ${owner}`);
  }
  return out;
}

function columnsOf(db: Database.Database, table: string): string[] {
  return db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((c) => c.name);
}

function insertRow(db: Database.Database, table: string, row: Row, live: string[], upsertKey?: string): void {
  const cols = live.filter((c) => c in row);
  const values = cols.map((c) => row[c]);
  const quoted = cols.map((c) => `"${c}"`);
  let sql = `INSERT INTO ${table} (${quoted.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
  if (upsertKey) {
    const set = cols.filter((c) => c !== upsertKey).map((c) => `"${c}" = excluded."${c}"`);
    if (set.length > 0) sql += ` ON CONFLICT ("${upsertKey}") DO UPDATE SET ${set.join(', ')}`;
  }
  db.prepare(sql).run(...(values as unknown[]));
}

/**
 * Writes a tenant's system rows into `db`, inside the caller's transaction: the tenant
 * row is inserted or, when it exists, updated in place (rows that refer to it, such as
 * API tokens, stay); its domains and DIDs become exactly the given ones. Only the
 * columns both schemas know are written (a backup of an older schema restores into a
 * newer one; new columns take their defaults). A domain or DID of another tenant
 * throws StoreError: nothing of another tenant is ever taken.
 */
export function writeTenantSystemRows(db: Database.Database, rows: TenantSystemRows): void {
  const id = String(rows.tenant.id);
  const conflicts = systemRowConflicts(db, rows);
  if (conflicts.length > 0) throw new StoreError(`tenant ${id}: ${conflicts.join('; ')}`);
  insertRow(db, 'tenants', rows.tenant, columnsOf(db, 'tenants'), 'id');
  db.prepare('DELETE FROM domains WHERE tenant_id = ?').run(id);
  db.prepare('DELETE FROM dids WHERE tenant_id = ?').run(id);
  const domainCols = columnsOf(db, 'domains');
  for (const d of rows.domains) insertRow(db, 'domains', { ...d, tenant_id: id }, domainCols);
  const didCols = columnsOf(db, 'dids');
  for (const d of rows.dids) insertRow(db, 'dids', { ...d, tenant_id: id }, didCols);
}
