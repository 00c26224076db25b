import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { systemClock, type Clock } from '../util/clock.js';
import { StoreError } from '../util/errors.js';
import { normalizeDomain } from '../model/domain-name.js';
import { didLookupKey, isE164 } from '../model/e164.js';
import { applyMigrations } from './migrations.js';
import { openSqlite } from './sqlite-open.js';
import { ApiTokenStore } from './api-token-store.js';
import { TenantFileIndex } from './tenant-file-index.js';
import { ConsoleSessionTable } from './console-session-table.js';
import { TenantTrunkTable } from './tenant-trunk-table.js';
import { SYSTEM_MIGRATIONS } from './system-schema.js';
import { DidConflictError, DomainConflictError, TenantSpecError } from '../model/tenant-errors.js';
import { assertTenantId } from './tenant-id.js';
import { featuresToJson, parseFeatures, type TenantFeatures } from '../model/tenant-features.js';
import { limitsToJson, parseLimits, type TenantLimits } from '../model/tenant-limits.js';

/**
 * active: serves; suspended: resolves, but the edge refuses its registrations and new
 * calls (data kept); disabled: its YAML file is gone (domains and DIDs released, data
 * kept); deleted: through the API, purged after delete_after (domains and DIDs kept
 * reserved until then so that it can be restored).
 */
export type TenantStatus = 'active' | 'suspended' | 'disabled' | 'deleted';
/** file: its YAML file in tenantsDir decides (deleted file = disabled); api: created through the API. */
export type TenantManager = 'file' | 'api';

export interface TenantRecord {
  id: string;
  name: string;
  status: TenantStatus;
  limits: TenantLimits;
  features: TenantFeatures;
  managedBy: TenantManager;
  /** status 'deleted': when it is purged (ms since the epoch); otherwise undefined. */
  deleteAfter?: number;
  /** In order; the first is the primary domain (the digest realm). */
  domains: string[];
  /** The DIDs (E.164) routed to it, in declared order. */
  dids: string[];
  /** Bumped by every apply; see apply-tenant.ts. */
  configRev: number;
  createdAt: number;
  updatedAt: number;
}

export interface TenantInput {
  id: string;
  name: string;
  /** Left as it is when omitted (new tenants start active). */
  status?: TenantStatus;
  /** Left as they are when omitted. */
  limits?: TenantLimits;
  /** Left as they are when omitted (new tenants: none). */
  features?: TenantFeatures;
  /** Left as it is when omitted (new tenants: 'file'). */
  managedBy?: TenantManager;
}

interface TenantSqlRow {
  id: string;
  name: string;
  status: TenantStatus;
  limits: string;
  features: string;
  managed_by: TenantManager;
  delete_after: number | null;
  config_rev: number;
  created_at: number;
  updated_at: number;
}

/** The schema name a tenant database is attached under by withAttachedTenant. */
export const ATTACHED_TENANT_SCHEMA = 'tenant';

/**
 * `<dataDir>/system.sqlite`: tenants and the domains and DIDs that resolve to them. One
 * connection, prepared statements kept; every write is a transaction.
 */
export class SystemStore {
  readonly file: string;
  /** API tokens (hashed), on this connection. */
  readonly tokens: ApiTokenStore;
  /** What the last apply of each tenant file saw (re-apply only changed files). */
  readonly tenantFiles: TenantFileIndex;
  /** Each tenant's own trunks (the trunk index without opening every tenant store). */
  readonly tenantTrunks: TenantTrunkTable;
  /** The console's sessions (only a hash of each cookie), so a restart keeps users logged in. */
  readonly consoleSessions: ConsoleSessionTable;
  private readonly clock: Clock;
  private localChanges = 0;
  private readonly st: ReturnType<SystemStore['prepare']>;

  private constructor(
    private readonly db: Database.Database,
    file: string,
    clock: Clock,
  ) {
    this.file = file;
    this.clock = clock;
    this.st = this.prepare();
    this.tokens = new ApiTokenStore(db, clock, () => this.localChanges++);
    this.tenantFiles = new TenantFileIndex(db);
    this.tenantTrunks = new TenantTrunkTable(db);
    this.consoleSessions = new ConsoleSessionTable(db);
  }

  static open(dataDir: string, opts: { clock?: Clock } = {}): SystemStore {
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new StoreError(`cannot create data directory ${dataDir}: ${(e as Error).message}`, { cause: e });
    }
    const file = join(dataDir, 'system.sqlite');
    // The provider layer is small and written rarely: a full fsync per commit costs nothing here.
    const db = openSqlite(file, { cacheKiB: 2048, synchronous: 'FULL' });
    try {
      applyMigrations(db, SYSTEM_MIGRATIONS, file);
    } catch (e) {
      db.close();
      throw e;
    }
    return new SystemStore(db, file, opts.clock ?? systemClock);
  }

  private prepare() {
    const db = this.db;
    return {
      getTenant: db.prepare<[string], TenantSqlRow>('SELECT * FROM tenants WHERE id = ?'),
      listTenants: db.prepare<[], TenantSqlRow>('SELECT * FROM tenants ORDER BY id'),
      listByStatus: db.prepare<[string], TenantSqlRow>('SELECT * FROM tenants WHERE status = ? ORDER BY id'),
      insertTenant: db.prepare<[string, string, string, string, string, string, number, number]>(
        'INSERT INTO tenants (id, name, status, limits, features, managed_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      updateTenant: db.prepare<[string, string, string, number, string]>(
        'UPDATE tenants SET name = ?, status = ?, limits = ?, updated_at = ? WHERE id = ?',
      ),
      updateTenantAll: db.prepare<[string, string, string, string, string, number | null, number, string]>(
        'UPDATE tenants SET name = ?, status = ?, limits = ?, features = ?, managed_by = ?, delete_after = ?, updated_at = ? WHERE id = ?',
      ),
      bumpRev: db.prepare<[number, string]>('UPDATE tenants SET config_rev = config_rev + 1, updated_at = ? WHERE id = ?'),
      deleteTenant: db.prepare<[string]>('DELETE FROM tenants WHERE id = ?'),
      domainsOf: db.prepare<[string], string>('SELECT domain FROM domains WHERE tenant_id = ? ORDER BY position').pluck(),
      allDomains: db.prepare<[], { domain: string; tenant_id: string }>(
        'SELECT domain, tenant_id FROM domains ORDER BY tenant_id, position',
      ),
      owner: db.prepare<[string], string>('SELECT tenant_id FROM domains WHERE domain = ?').pluck(),
      deleteDomainsOf: db.prepare<[string]>('DELETE FROM domains WHERE tenant_id = ?'),
      insertDomain: db.prepare<[string, string, number]>('INSERT INTO domains (domain, tenant_id, position) VALUES (?, ?, ?)'),
      didsOf: db.prepare<[string], string>('SELECT number FROM dids WHERE tenant_id = ? ORDER BY position').pluck(),
      allDids: db.prepare<[], { number: string; tenant_id: string }>('SELECT number, tenant_id FROM dids ORDER BY tenant_id, position'),
      didOwner: db.prepare<[string], string>('SELECT tenant_id FROM dids WHERE number = ?').pluck(),
      deleteDidsOf: db.prepare<[string]>('DELETE FROM dids WHERE tenant_id = ?'),
      insertDid: db.prepare<[string, string, number]>('INSERT INTO dids (number, tenant_id, position) VALUES (?, ?, ?)'),
      moveDid: db.prepare<[number, string, string]>('UPDATE dids SET position = ? WHERE number = ? AND tenant_id = ?'),
      deleteDid: db.prepare<[string, string]>('DELETE FROM dids WHERE number = ? AND tenant_id = ?'),
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    };
  }

  /** Creates or updates a tenant. Returns whether it was created and whether anything changed. */
  upsertTenant(input: TenantInput): { created: boolean; changed: boolean } {
    const id = assertTenantId(input.id);
    if (typeof input.name !== 'string') throw new StoreError(`tenant ${id}: name must be a string`);
    return this.write(() => {
      const now = this.clock.now();
      const row = this.st.getTenant.get(id);
      if (!row) {
        this.st.insertTenant.run(id, input.name, input.status ?? 'active', limitsToJson(input.limits ?? {}), featuresToJson(input.features ?? {}), input.managedBy ?? 'file', now, now);
        return { created: true, changed: true };
      }
      const status = input.status ?? row.status;
      const limits = input.limits ? limitsToJson(input.limits) : row.limits;
      const features = input.features ? featuresToJson(input.features) : row.features;
      const managedBy = input.managedBy ?? row.managed_by;
      // Only a deleted tenant has a purge time; leaving that state clears it.
      const deleteAfter = status === 'deleted' ? row.delete_after : null;
      if (row.name === input.name && row.status === status && row.limits === limits && row.features === features && row.managed_by === managedBy && row.delete_after === deleteAfter) {
        return { created: false, changed: false };
      }
      this.st.updateTenantAll.run(input.name, status, limits, features, managedBy, deleteAfter, now, id);
      return { created: false, changed: true };
    });
  }

  getTenant(id: string): TenantRecord | undefined {
    const row = this.st.getTenant.get(id);
    return row ? this.toRecord(row, this.st.domainsOf.all(row.id), this.st.didsOf.all(row.id)) : undefined;
  }

  /** Every tenant (or those with one status, or one of several) with its domains and DIDs, ordered by id. */
  listTenants(opts: { status?: TenantStatus | readonly TenantStatus[] } = {}): TenantRecord[] {
    const rows =
      opts.status === undefined
        ? this.st.listTenants.all()
        : typeof opts.status === 'string'
          ? this.st.listByStatus.all(opts.status)
          : this.st.listTenants.all().filter((r) => (opts.status as readonly TenantStatus[]).includes(r.status));
    const domains = groupBy(this.st.allDomains.all().map((d) => [d.tenant_id, d.domain] as const));
    const dids = groupBy(this.st.allDids.all().map((d) => [d.tenant_id, d.number] as const));
    return rows.map((r) => this.toRecord(r, domains.get(r.id) ?? [], dids.get(r.id) ?? []));
  }

  getTenantDomains(id: string): string[] {
    return this.st.domainsOf.all(id);
  }

  /**
   * Makes `domains` (in order; the first is primary) the complete domain list of
   * a tenant. A domain owned by another tenant throws DomainConflictError and
   * changes nothing; so does an invalid or repeated domain (TenantSpecError).
   */
  setTenantDomains(tenantId: string, domains: readonly string[]): { added: string[]; removed: string[] } {
    const id = assertTenantId(tenantId);
    const wanted = normalizeDomainList(id, domains);
    return this.write(() => {
      if (!this.st.getTenant.get(id)) throw new StoreError(`tenant ${id} does not exist`);
      for (const d of wanted) {
        const owner = this.st.owner.get(d);
        if (owner !== undefined && owner !== id) throw new DomainConflictError(d, owner, id);
      }
      const before = this.st.domainsOf.all(id);
      const same = before.length === wanted.length && before.every((d, i) => d === wanted[i]);
      if (same) return { added: [], removed: [] };
      this.st.deleteDomainsOf.run(id);
      wanted.forEach((d, i) => this.st.insertDomain.run(d, id, i));
      return { added: wanted.filter((d) => !before.includes(d)), removed: before.filter((d) => !wanted.includes(d)) };
    });
  }

  /** The tenant owning a domain (any status), matched case-insensitively; undefined if none. */
  domainOwner(domain: string): string | undefined {
    const d = normalizeDomain(domain);
    return d === undefined ? undefined : this.st.owner.get(d);
  }

  getTenantDids(id: string): string[] {
    return this.st.didsOf.all(id);
  }

  /**
   * Makes `dids` (E.164, in order) the complete DID list of a tenant in the
   * inventory. A number owned by another tenant throws DidConflictError and
   * changes nothing; so does one that is not E.164 or is repeated (TenantSpecError).
   * Only the difference is written.
   */
  setTenantDids(tenantId: string, dids: readonly string[]): { added: string[]; removed: string[] } {
    const id = assertTenantId(tenantId);
    const wanted = checkDidList(id, dids);
    return this.write(() => {
      if (!this.st.getTenant.get(id)) throw new StoreError(`tenant ${id} does not exist`);
      for (const n of wanted) {
        const owner = this.st.didOwner.get(n);
        if (owner !== undefined && owner !== id) throw new DidConflictError(n, owner, id);
      }
      const before = this.st.didsOf.all(id);
      const beforePos = new Map(before.map((n, i) => [n, i]));
      const wantedSet = new Set(wanted);
      const removed = before.filter((n) => !wantedSet.has(n));
      for (const n of removed) this.st.deleteDid.run(n, id);
      const added: string[] = [];
      wanted.forEach((n, i) => {
        const pos = beforePos.get(n);
        if (pos === undefined) {
          this.st.insertDid.run(n, id, i);
          added.push(n);
        } else if (pos !== i) this.st.moveDid.run(i, n, id);
      });
      return { added, removed };
    });
  }

  /**
   * The tenant owning a DID (any status), or undefined. Accepts what didLookupKey
   * does ('+14155550100', '14155550100', '+1 (415) 555-0100', ';' parameters).
   */
  didOwner(number: string): string | undefined {
    const n = didLookupKey(number);
    return n === undefined ? undefined : this.st.didOwner.get(n);
  }

  /**
   * Marks a tenant disabled and releases its domains and DIDs (they stop resolving and
   * may be claimed by another tenant). Its row and its tenant.sqlite are kept;
   * applying its spec again re-enables it. Returns false if it was not active.
   */
  disableTenant(id: string): boolean {
    return this.write(() => {
      const row = this.st.getTenant.get(id);
      if (!row || row.status === 'disabled') return false;
      this.st.deleteDomainsOf.run(id);
      this.st.deleteDidsOf.run(id);
      this.st.updateTenant.run(row.name, 'disabled', row.limits, this.clock.now(), id);
      return true;
    });
  }

  /**
   * Sets a tenant's lifecycle status (suspend, resume, delete, restore). `deleteAfter` is
   * kept only with 'deleted'. Returns the record before the change, or undefined if the
   * tenant does not exist. Domains and DIDs are left as they are.
   */
  setTenantStatus(id: string, status: TenantStatus, deleteAfter?: number): TenantRecord | undefined {
    return this.write(() => {
      const before = this.getTenant(id);
      if (!before) return undefined;
      const row = this.st.getTenant.get(id)!;
      this.st.updateTenantAll.run(row.name, status, row.limits, row.features, row.managed_by, status === 'deleted' ? (deleteAfter ?? null) : null, this.clock.now(), id);
      return before;
    });
  }

  /**
   * Adds one DID to a tenant's inventory (at the end). A number owned by another tenant
   * throws DidConflictError. Returns false when the tenant already had it.
   */
  addTenantDid(tenantId: string, number: string): boolean {
    const id = assertTenantId(tenantId);
    const [n] = checkDidList(id, [number]);
    return this.write(() => {
      if (!this.st.getTenant.get(id)) throw new StoreError(`tenant ${id} does not exist`);
      const owner = this.st.didOwner.get(n!);
      if (owner === id) return false;
      if (owner !== undefined) throw new DidConflictError(n!, owner, id);
      this.st.insertDid.run(n!, id, this.st.didsOf.all(id).length);
      return true;
    });
  }

  /** Every DID of the inventory with its tenant, by tenant then position. */
  listDids(): Array<{ number: string; tenantId: string }> {
    return this.st.allDids.all().map((d) => ({ number: d.number, tenantId: d.tenant_id }));
  }

  /** Deletes the tenant's row, domains and DIDs from system.sqlite (ON DELETE CASCADE). Its folder on disk is left alone. */
  removeTenant(id: string): boolean {
    return this.write(() => this.st.deleteTenant.run(id).changes > 0);
  }

  /** Increments the tenant's apply revision and returns the new value. */
  bumpConfigRev(id: string): number {
    return this.write(() => {
      this.st.bumpRev.run(this.clock.now(), id);
      const row = this.st.getTenant.get(id);
      if (!row) throw new StoreError(`tenant ${id} does not exist`);
      return row.config_rev;
    });
  }

  /**
   * Changes whenever tenants, domains or DIDs may have changed, through this store or
   * any other connection to the same file (PRAGMA data_version). Cheap enough to
   * call on every lookup.
   */
  revision(): string {
    return `${this.st.dataVersion.get()}:${this.localChanges}`;
  }

  /**
   * Runs fn inside one IMMEDIATE transaction of this connection with the tenant
   * database attached as schema `tenant`. An error anywhere rolls back the
   * writes to both files. (SQLite in WAL mode commits attached files one after
   * the other, so only a crash inside the commit itself can split them; see
   * apply-tenant.ts for how that case is detected and repaired.)
   */
  withAttachedTenant<T>(tenantDbFile: string, fn: (db: Database.Database) => T): T {
    try {
      this.db.prepare(`ATTACH DATABASE ? AS ${ATTACHED_TENANT_SCHEMA}`).run(tenantDbFile);
    } catch (e) {
      throw new StoreError(`cannot attach ${tenantDbFile}: ${(e as Error).message}`, { cause: e });
    }
    let failed = true;
    try {
      this.db.pragma(`${ATTACHED_TENANT_SCHEMA}.synchronous = FULL`);
      this.localChanges++;
      const out = this.db.transaction(() => fn(this.db)).immediate();
      failed = false;
      return out;
    } finally {
      try {
        this.db.prepare(`DETACH DATABASE ${ATTACHED_TENANT_SCHEMA}`).run();
      } catch (e) {
        // Never hide the error that brought us here; report the detach only on success.
        if (!failed) throw new StoreError(`cannot detach ${tenantDbFile}: ${(e as Error).message}`, { cause: e });
      }
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private write<T>(fn: () => T): T {
    this.localChanges++;
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      if (e instanceof DomainConflictError || e instanceof DidConflictError || e instanceof StoreError || e instanceof TenantSpecError) throw e;
      throw new StoreError(`${this.file}: ${(e as Error).message}`, { cause: e });
    }
  }

  private toRecord(row: TenantSqlRow, domains: string[], dids: string[]): TenantRecord {
    return {
      id: row.id,
      name: row.name,
      status: row.status,
      limits: parseLimits(row.limits),
      features: parseFeatures(row.features),
      managedBy: row.managed_by,
      ...(row.delete_after !== null ? { deleteAfter: row.delete_after } : {}),
      domains,
      dids,
      configRev: row.config_rev,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}

function normalizeDomainList(tenantId: string, domains: readonly string[]): string[] {
  const out: string[] = [];
  const problems: Array<{ path: string; message: string }> = [];
  domains.forEach((raw, i) => {
    const d = normalizeDomain(raw);
    if (d === undefined) problems.push({ path: `domains[${i}]`, message: `not a host name or IP address: ${JSON.stringify(String(raw).slice(0, 80))}` });
    else if (out.includes(d)) problems.push({ path: `domains[${i}]`, message: `${d} is listed twice` });
    else out.push(d);
  });
  if (problems.length > 0) throw new TenantSpecError(tenantId, problems);
  return out;
}

function checkDidList(tenantId: string, dids: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const problems: Array<{ path: string; message: string }> = [];
  dids.forEach((n, i) => {
    if (!isE164(n)) problems.push({ path: `dids[${i}]`, message: `not an E.164 number: ${JSON.stringify(String(n).slice(0, 80))}` });
    else if (seen.has(n)) problems.push({ path: `dids[${i}]`, message: `${n} is listed twice` });
    else {
      seen.add(n);
      out.push(n);
    }
  });
  if (problems.length > 0) throw new TenantSpecError(tenantId, problems);
  return out;
}

/** (key, value) pairs, already in order, as lists per key. */
function groupBy(pairs: ReadonlyArray<readonly [string, string]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of pairs) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}
