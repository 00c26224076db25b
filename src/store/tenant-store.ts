import { WebLoginTable } from './web-login-table.js';
import { existsSync, mkdirSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { Clock, TimerHandle } from '../util/clock.js';
import { StoreError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { CallHandlingTable } from './call-handling-table.js';
import { AuditTable, type AuditEntry, type AuditInput, type AuditQuery } from './audit-table.js';
import { CdrTable, type CdrQuery, type CdrUsageRow } from './cdr-table.js';
import { RecordingTable } from './recording-table.js';
import { VoicemailTable } from './voicemail-table.js';
import type { ActiveCallInput, ActiveCallRow, CdrInput, CdrRecord } from './cdr-row.js';
import { BINDING_COLUMNS, bindingFromSql, bindingToParams, type BindingParams, type BindingRow, type BindingSqlRow } from './binding-row.js';
import type { DigestAlgorithm } from '../model/ha1.js';
import { algorithmsFromSql, algorithmsToSql } from '../model/auth-algorithms.js';
import { applyMigrations } from './migrations.js';
import { CLASSES_OF_SERVICE, DEFAULT_CLASS_OF_SERVICE, type ClassOfService, type RoutingPlan } from '../model/routing-plan.js';
import { deepFreeze, readRoutingPlan } from './routing-table.js';
import { openSqlite } from './sqlite-open.js';
import { DataVersionWatch, type TickScheduler } from './data-version-watch.js';
import { StoreReadCache, copyBinding } from './store-read-cache.js';
import { syncRouting, type RoutingChanges } from './sync-routing.js';
import { assertTenantId, tenantDbFile, tenantDir } from './tenant-id.js';
import { TENANT_MIGRATIONS } from './tenant-schema.js';

export type { BindingRow } from './binding-row.js';
export type { ActiveCallInput, ActiveCallRow, CdrInput, CdrRecord } from './cdr-row.js';
export type { CdrQuery, CdrUsageRow } from './cdr-table.js';
export type { AuditEntry, AuditInput, AuditQuery } from './audit-table.js';
export type { RoutingChanges } from './sync-routing.js';
export type { ClassOfService, RoutingPlan } from '../model/routing-plan.js';

/** An extension as the stack sees it: never a password, only HA1 digests for `realm`. */
export interface Extension {
  ext: string;
  name: string;
  enabled: boolean;
  maxContacts?: number;
  realm: string;
  ha1: Record<DigestAlgorithm, string>;
  /** What it may dial outside the tenant (toll-fraud control). */
  classOfService: ClassOfService;
  /** E.164 caller ID for its outbound calls; absent: the tenant's (RoutingPlan.callerId). */
  callerId?: string;
  /** Digest algorithms its answers may use, of those its tenant offers; absent: any. */
  algorithms?: DigestAlgorithm[];
}

/** A whole extension row as the admin API writes it: HA1 digests, never a password. */
export interface ExtensionWrite {
  ext: string;
  name: string;
  enabled: boolean;
  maxContacts?: number;
  classOfService: ClassOfService;
  callerId?: string;
  algorithms?: DigestAlgorithm[];
  realm: string;
  ha1: Record<DigestAlgorithm, string>;
}

/** The fields to change; null removes an optional one. realm and ha1 go together. */
export interface ExtensionPatch {
  name?: string;
  enabled?: boolean;
  maxContacts?: number | null;
  classOfService?: ClassOfService;
  callerId?: string | null;
  algorithms?: DigestAlgorithm[] | null;
  credentials?: { realm: string; ha1: Record<DigestAlgorithm, string> };
}

/** When a write happens, and the audit entry written in the same transaction (if any). */
export interface WriteMeta {
  now: number;
  audit?: Omit<AuditInput, 'at'>;
}

/** For a routing write: the audit details may be made from what changed (describe). */
export interface RoutingWriteMeta extends WriteMeta {
  describe?: (changes: RoutingChanges) => unknown;
}

/** The data of one tenant. Every method is synchronous and self-contained. */
export interface TenantStore {
  readonly tenantId: string;
  getExtension(ext: string): Extension | undefined;
  listExtensions(): Extension[];
  /** One page by number: those after `after` (all when undefined), at most `limit` (the API's paging). */
  listExtensionsAfter(after: string | undefined, limit: number): Extension[];
  countExtensions(): number;
  getBindings(aor: string): BindingRow[];
  /** Atomic: rows is the complete new set for that AOR (empty = remove all), kept in the given order. */
  replaceBindings(aor: string, rows: readonly BindingRow[]): void;
  /** Removes every binding with expiresAt <= now and says which. */
  deleteExpiredBindings(now: number): Array<{ aor: string; contact: string }>;
  listBindings(): BindingRow[];
  countBindings(): number;
  getSetting(key: string): string | undefined;
  setSetting(key: string, value: string): void;
  /** Call recordings (recording-table.ts); methods throw. */
  readonly recordings: RecordingTable;
  /** Forwards and do-not-disturb per extension (call-handling-table.ts). */
  readonly callHandling: CallHandlingTable;
  /** Voicemail boxes and the index of their messages (voicemail-table.ts); methods throw. */
  readonly voicemail: VoicemailTable;
  /** Console logins of the extensions (web-login-table.ts). */
  readonly webLogins: WebLoginTable;
  // Call records (cdr-table.ts). Written at once, never write-behind.
  /** A call is up; false when its id is already active. */
  callStarted(call: ActiveCallInput): boolean;
  /** The first answer of an active call; false when unknown or answered already. */
  callAnswered(callId: string, at: number, bLegCallId?: string): boolean;
  /** Heartbeat: updatedAt of every active call moves up to `at`; returns how many. */
  touchActiveCalls(at: number): number;
  /** One transaction: the record is written and the active row removed. False when that call id was recorded already. */
  callEnded(cdr: CdrInput): boolean;
  listActiveCalls(): ActiveCallRow[];
  /** By start time, oldest first unless newestFirst. */
  listCdrs(query?: CdrQuery): CdrRecord[];
  /** At start only: every active row left over becomes a 'crashed' record; returns how many. */
  recoverCrashedCalls(now: number): number;
  /**
   * Total billable seconds of the 'outbound' records that started at or after sinceMs
   * (for the daily outbound minutes cap). Calls still up are not counted.
   */
  outboundSecondsSince(sinceMs: number): number;
  /**
   * Numbering, DIDs, trunks, ring groups and routes, as the last apply wrote them
   * (equal to validateTenantSpec(spec).routing). Cached per connection and deeply
   * frozen: do not modify it. A change committed by another connection (an apply)
   * is seen on the next call.
   */
  getRoutingPlan(): RoutingPlan;
  // Writes of the admin API, each one transaction with its audit entry; the caches of
  // this connection (extensions, routing plan) follow at once.
  /** False (nothing written) when the extension exists already. */
  createExtension(x: ExtensionWrite, meta: WriteMeta): boolean;
  /** The extension as it is now, or undefined when there is none. Disabling it drops its bindings. */
  updateExtension(ext: string, patch: ExtensionPatch, meta: WriteMeta): Extension | undefined;
  /** Removes the extension, its bindings and its ring group memberships; false when there was none. */
  deleteExtension(ext: string, meta: WriteMeta): boolean;
  /**
   * Makes numbering, DIDs, trunks, ring groups and routes equal to `plan` (which must be
   * the output of validateRoutingSpec against this tenant's extensions).
   */
  replaceRoutingPlan(plan: RoutingPlan, meta: RoutingWriteMeta): RoutingChanges;
  /** Appends one entry to the audit log on its own; returns its id. */
  appendAudit(entry: AuditInput): number;
  /** Newest first. */
  listAudit(query?: AuditQuery): AuditEntry[];
  /** The records overlapping [since, until) (see CdrTable.usageRows). */
  cdrUsageRows(since: number, until: number, lookbackMs: number): CdrUsageRow[];
}

/** Entries of the per-connection extension cache before it starts over. */
const EXTENSION_CACHE_MAX = 20_000;

/** A sanity bound; the registrar enforces the real per-AOR limit long before this. */
export const MAX_BINDINGS_PER_AOR = 1000;

interface ExtensionSqlRow {
  ext: string;
  name: string;
  enabled: number;
  max_contacts: number | null;
  ha1_md5: string;
  ha1_sha256: string;
  realm: string;
  class_of_service: string;
  caller_id: string | null;
  auth_algorithms: string | null;
}

export interface TenantStoreOptions {
  /** Gather binding writes for delayMs and commit them in one transaction (see TenantStorePool). */
  writeBehind?: { clock: Clock; delayMs: number; logger?: Logger };
  /** Page cache in KiB; small, because ten thousand tenants may be open over a day. */
  cacheKiB?: number;
  /** Create the folder and file when missing (apply does); otherwise a missing store is a StoreError. Default true. */
  create?: boolean;
  /** Called with the SQL of every statement this connection runs (tests count the SQLite work of a request). */
  onStatement?: (sql: string) => void;
  /** When the once-per-tick data_version check may run again (tests; default setImmediate). */
  tickScheduler?: TickScheduler;
}

/**
 * `<dataDir>/tenants/<id>/tenant.sqlite` over one connection: WAL,
 * synchronous=NORMAL (a commit is a WAL append; a power cut may lose the last
 * registrations, never corrupt), a small page cache, statements prepared once.
 */
export class SqliteTenantStore implements TenantStore {
  readonly tenantId: string;
  readonly file: string;
  private readonly st: ReturnType<SqliteTenantStore['prepare']>;
  private readonly extCache = new Map<string, Extension | null>();
  private routingPlan: RoutingPlan | undefined;
  /** PRAGMA data_version, once per tick: another connection committed, the caches start over. */
  private readonly dataVersion: DataVersionWatch;
  /** Settings and committed bindings, read from memory on the SIP path (store-read-cache.ts). */
  private readonly reads = new StoreReadCache();
  private readonly flushTx: (batch: ReadonlyArray<readonly [string, readonly BindingRow[]]>) => Set<string>;
  private readonly writeBehind: TenantStoreOptions['writeBehind'];
  private readonly pending = new Map<string, BindingRow[]>();
  /** Committed bindings of each pending AOR when it first became pending, and the sum of (pending - committed): countBindings without a flush. */
  private readonly pendingBase = new Map<string, number>();
  private pendingDelta = 0;
  private flushTimer: TimerHandle | undefined;
  private readonly replaceTx: (aor: string, rows: readonly BindingRow[]) => void;
  private readonly cdrs: CdrTable;
  private readonly audit: AuditTable;
  readonly recordings: RecordingTable;
  readonly callHandling: CallHandlingTable;
  readonly voicemail: VoicemailTable;
  readonly webLogins: WebLoginTable;

  private constructor(
    private readonly db: Database.Database,
    tenantId: string,
    file: string,
    opts: TenantStoreOptions,
  ) {
    this.tenantId = tenantId;
    this.file = file;
    this.st = this.prepare();
    this.dataVersion = new DataVersionWatch(() => this.st.dataVersion.get()!, opts.tickScheduler);
    this.recordings = new RecordingTable(db);
    this.cdrs = new CdrTable(db, (callId) => this.recordings.linkCdr(callId));
    this.callHandling = new CallHandlingTable(db, () => this.syncWithFile());
    this.voicemail = new VoicemailTable(db);
    this.webLogins = new WebLoginTable(db);
    this.audit = new AuditTable(db);
    this.replaceTx = db.transaction((aor: string, rows: readonly BindingRow[]) => {
      this.st.deleteBindingsOf.run(aor);
      for (let i = 0; i < rows.length; i++) this.st.insertBinding.run(...bindingToParams(rows[i]!, i));
    });
    this.flushTx = db.transaction((batch: ReadonlyArray<readonly [string, readonly BindingRow[]]>) => {
      const dropped = new Set<string>();
      for (const [aor, rows] of batch) {
        try {
          this.replaceTx(aor, rows); // nested: a savepoint per AOR
        } catch (e) {
          if (!isForeignKeyFailure(e)) throw e;
          dropped.add(aor);
          this.writeBehind?.logger?.warn('pending bindings dropped: the extension is gone', { tenant: this.tenantId, aor });
        }
      }
      return dropped;
    });
    this.writeBehind = opts.writeBehind;
  }

  /** Opens the tenant's database, creating its folder and file and migrating the schema as needed. */
  static open(dataDir: string, tenantId: string, opts: TenantStoreOptions = {}): SqliteTenantStore {
    const id = assertTenantId(tenantId);
    const file = tenantDbFile(dataDir, id);
    const create = opts.create ?? true;
    if (create) {
      try {
        mkdirSync(tenantDir(dataDir, id), { recursive: true, mode: 0o700 });
      } catch (e) {
        throw new StoreError(`tenant ${id}: cannot create its folder: ${(e as Error).message}`, { cause: e });
      }
    } else if (!existsSync(file)) {
      throw new StoreError(`tenant ${id} has no store (never applied?)`);
    }
    const db = openSqlite(file, { cacheKiB: opts.cacheKiB ?? 64, synchronous: 'NORMAL', mustExist: !create, ...(opts.onStatement ? { onStatement: opts.onStatement } : {}) });
    try {
      applyMigrations(db, TENANT_MIGRATIONS, file);
      return new SqliteTenantStore(db, id, file, opts);
    } catch (e) {
      db.close();
      throw e instanceof StoreError ? e : new StoreError(`tenant ${id}: ${(e as Error).message}`, { cause: e });
    }
  }

  private prepare() {
    const db = this.db;
    const extCols = 'ext, name, enabled, max_contacts, ha1_md5, ha1_sha256, realm, class_of_service, caller_id, auth_algorithms';
    return {
      getExtension: db.prepare<[string], ExtensionSqlRow>(`SELECT ${extCols} FROM extensions WHERE ext = ?`),
      listExtensions: db.prepare<[], ExtensionSqlRow>(`SELECT ${extCols} FROM extensions ORDER BY ext`),
      listExtensionsAfter: db.prepare<[string, number], ExtensionSqlRow>(`SELECT ${extCols} FROM extensions WHERE ext > ? ORDER BY ext LIMIT ?`),
      countExtensions: db.prepare<[], number>('SELECT count(*) FROM extensions').pluck(),
      getBindings: db.prepare<[string], BindingSqlRow>(`SELECT ${BINDING_COLUMNS} FROM bindings WHERE aor = ? ORDER BY pos`),
      listBindings: db.prepare<[], BindingSqlRow>(`SELECT ${BINDING_COLUMNS} FROM bindings ORDER BY aor, pos`),
      countBindings: db.prepare<[], number>('SELECT count(*) FROM bindings').pluck(),
      countBindingsOf: db.prepare<[string], number>('SELECT count(*) FROM bindings WHERE aor = ?').pluck(),
      deleteBindingsOf: db.prepare<[string]>('DELETE FROM bindings WHERE aor = ?'),
      insertBinding: db.prepare<BindingParams>(`INSERT INTO bindings (${BINDING_COLUMNS}) VALUES (${BINDING_COLUMNS.split(',').map(() => '?').join(', ')})`),
      deleteExpired: db.prepare<[number], { aor: string; contact: string }>(
        'DELETE FROM bindings WHERE expires_at <= ? RETURNING aor, contact',
      ),
      getSetting: db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck(),
      setSetting: db.prepare<[string, string]>(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      insertExtension: db.prepare<[string, string, number, number | null, string, string, string, string, string | null, string | null, number]>(
        `INSERT INTO extensions (ext, name, enabled, max_contacts, ha1_md5, ha1_sha256, realm, class_of_service, caller_id, auth_algorithms, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ext) DO NOTHING`,
      ),
      updateExtension: db.prepare<[string, number, number | null, string, string, string, string, string | null, string | null, number, string]>(
        `UPDATE extensions SET name = ?, enabled = ?, max_contacts = ?, ha1_md5 = ?, ha1_sha256 = ?, realm = ?, class_of_service = ?, caller_id = ?,
           auth_algorithms = ?, updated_at = ? WHERE ext = ?`,
      ),
      deleteExtension: db.prepare<[string]>('DELETE FROM extensions WHERE ext = ?'),
    };
  }

  /**
   * Extensions are read on every authenticated request and written only by apply
   * (through another connection), so they are cached for the life of this connection.
   * An apply in this process makes the pool reopen it (TenantStorePool.reopen); another
   * process's commit empties the cache from the next tick on (syncWithFile). The cache is bounded; unknown names are cached too, so a
   * spray of them costs one query each until the bound clears the cache.
   */
  getExtension(ext: string): Extension | undefined {
    this.syncWithFile();
    const hit = this.extCache.get(ext);
    if (hit !== undefined) return hit ?? undefined;
    try {
      const row = this.st.getExtension.get(ext);
      const value = row ? Object.freeze(extensionFromSql(row)) : null;
      if (this.extCache.size >= EXTENSION_CACHE_MAX) this.extCache.clear();
      this.extCache.set(ext, value);
      return value ?? undefined;
    } catch (e) {
      throw this.fail('getExtension', e);
    }
  }

  listExtensions(): Extension[] {
    try {
      return this.st.listExtensions.all().map(extensionFromSql);
    } catch (e) {
      throw this.fail('listExtensions', e);
    }
  }

  listExtensionsAfter(after: string | undefined, limit: number): Extension[] {
    try {
      // '' sorts before every extension number (they are never empty).
      return this.st.listExtensionsAfter.all(after ?? '', limit).map(extensionFromSql);
    } catch (e) {
      throw this.fail('listExtensionsAfter', e);
    }
  }

  countExtensions(): number {
    try {
      return this.st.countExtensions.get() ?? 0;
    } catch (e) {
      throw this.fail('countExtensions', e);
    }
  }

  getBindings(aor: string): BindingRow[] {
    const pending = this.pending.get(aor);
    if (pending !== undefined) return pending.map(copyBinding);
    try {
      this.syncWithFile();
      return this.reads.bindingsOf(aor, () => this.st.getBindings.all(aor).map(bindingFromSql));
    } catch (e) {
      throw this.fail('getBindings', e);
    }
  }

  replaceBindings(aor: string, rows: readonly BindingRow[]): void {
    if (rows.length > MAX_BINDINGS_PER_AOR) throw new StoreError(`tenant ${this.tenantId}: ${rows.length} bindings for ${aor} (max ${MAX_BINDINGS_PER_AOR})`);
    for (const r of rows) {
      if (r.aor !== aor) throw new StoreError(`tenant ${this.tenantId}: a binding of ${r.aor} handed over as one of ${aor}`);
    }
    if (this.writeBehind) {
      if (!this.getExtension(aor)) throw new StoreError(`tenant ${this.tenantId}: no extension ${aor}`);
      const before = this.pending.get(aor)?.length ?? this.committedCountOf(aor);
      this.pendingDelta += rows.length - before;
      this.pending.set(aor, rows.map(copyBinding));
      this.flushTimer ??= this.writeBehind.clock.setTimeout(() => {
        this.flushTimer = undefined;
        this.flushQuietly();
      }, this.writeBehind.delayMs);
      return;
    }
    try {
      this.replaceTx(aor, rows);
      this.reads.noteBindings(aor, rows);
    } catch (e) {
      this.reads.forgetBindings(aor);
      if (isForeignKeyFailure(e)) throw new StoreError(`tenant ${this.tenantId}: no extension ${aor}`, { cause: e });
      throw this.fail('replaceBindings', e);
    }
  }

  /** Bindings written but not yet committed (write-behind). */
  get pendingWrites(): number {
    return this.pending.size;
  }

  /**
   * Commit every pending binding write in one transaction; each AOR in its own savepoint,
   * so one that can no longer be written (its extension was removed meanwhile) is dropped
   * alone. Throws StoreError when the transaction itself fails; the writes stay pending.
   */
  flush(): void {
    if (this.writeBehind) this.writeBehind.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.size === 0 || !this.db.open) return;
    const batch = [...this.pending];
    let dropped: Set<string>;
    try {
      dropped = this.flushTx(batch);
    } catch (e) {
      throw this.fail('flush', e);
    }
    for (const [aor, rows] of batch) {
      if (dropped.has(aor)) this.reads.forgetBindings(aor);
      else this.reads.noteBindings(aor, rows);
      if (this.pending.get(aor) !== rows) continue;
      this.pending.delete(aor);
      this.pendingDelta -= rows.length - (this.pendingBase.get(aor) ?? 0);
      this.pendingBase.delete(aor);
    }
  }

  /**
   * An AOR's pending writes are dropped, not flushed (its extension went, with its committed
   * bindings): its share leaves pendingDelta too, so countBindings stays exact.
   */
  private dropPending(aor: string): void {
    const rows = this.pending.get(aor);
    if (rows) {
      this.pendingDelta -= rows.length - (this.pendingBase.get(aor) ?? 0);
      this.pending.delete(aor);
    }
    this.pendingBase.delete(aor);
  }

  /** Committed bindings of an AOR, remembered while it has pending writes. */
  private committedCountOf(aor: string): number {
    let n = this.pendingBase.get(aor);
    if (n === undefined) {
      try {
        n = this.st.countBindingsOf.get(aor) ?? 0;
      } catch (e) {
        throw this.fail('countBindings', e);
      }
      this.pendingBase.set(aor, n);
    }
    return n;
  }

  private flushQuietly(): void {
    try {
      this.flush();
    } catch (e) {
      this.writeBehind?.logger?.error('binding writes not committed; retrying', { tenant: this.tenantId, error: e });
      if (this.writeBehind && this.db.open) {
        this.flushTimer ??= this.writeBehind.clock.setTimeout(() => {
          this.flushTimer = undefined;
          this.flushQuietly();
        }, this.writeBehind.delayMs);
      }
    }
  }

  deleteExpiredBindings(now: number): Array<{ aor: string; contact: string }> {
    this.flush();
    try {
      const gone = this.st.deleteExpired.all(now);
      for (const g of gone) this.reads.forgetBindings(g.aor);
      return gone;
    } catch (e) {
      throw this.fail('deleteExpiredBindings', e);
    }
  }

  /**
   * Every binding: the committed rows with the pending ones laid over them. A read first
   * tries to commit what is pending, but does not fail when that cannot be done (a full
   * disk, issue 16 finding 7): the pending writes stay queued and are retried.
   */
  listBindings(): BindingRow[] {
    this.flushQuietly();
    let rows: BindingRow[];
    try {
      rows = this.st.listBindings.all().map(bindingFromSql);
    } catch (e) {
      throw this.fail('listBindings', e);
    }
    if (this.pending.size === 0) return rows;
    const merged = rows.filter((r) => !this.pending.has(r.aor));
    for (const list of this.pending.values()) merged.push(...list.map(copyBinding));
    // Stable: each AOR's rows keep their order (pos).
    return merged.sort((a, b) => (a.aor < b.aor ? -1 : a.aor > b.aor ? 1 : 0));
  }

  /**
   * Committed bindings plus what the pending writes add or remove, without committing
   * them: the registration limit asks this for every new contact, and a commit per new
   * contact made the first registrations of an avalanche far dearer than refreshes
   * (issue 13, point 4).
   */
  countBindings(): number {
    try {
      return (this.st.countBindings.get() ?? 0) + this.pendingDelta;
    } catch (e) {
      throw this.fail('countBindings', e);
    }
  }

  /** From memory after the first read (store-read-cache.ts); setSetting and replaceRoutingPlan keep it exact. */
  getSetting(key: string): string | undefined {
    try {
      this.syncWithFile();
      return this.reads.setting(key, () => this.st.getSetting.get(key));
    } catch (e) {
      throw this.fail('getSetting', e);
    }
  }

  setSetting(key: string, value: string): void {
    try {
      this.st.setSetting.run(key, value);
      this.reads.noteSetting(key, value);
    } catch (e) {
      this.reads.forgetSettings();
      throw this.fail('setSetting', e);
    }
  }

  callStarted(call: ActiveCallInput): boolean {
    try {
      return this.cdrs.callStarted(call);
    } catch (e) {
      throw this.fail('callStarted', e);
    }
  }

  callAnswered(callId: string, at: number, bLegCallId?: string): boolean {
    try {
      return this.cdrs.callAnswered(callId, at, bLegCallId);
    } catch (e) {
      throw this.fail('callAnswered', e);
    }
  }

  touchActiveCalls(at: number): number {
    try {
      return this.cdrs.touchActiveCalls(at);
    } catch (e) {
      throw this.fail('touchActiveCalls', e);
    }
  }

  callEnded(cdr: CdrInput): boolean {
    try {
      return this.cdrs.callEnded(cdr);
    } catch (e) {
      throw this.fail('callEnded', e);
    }
  }

  listActiveCalls(): ActiveCallRow[] {
    try {
      return this.cdrs.listActiveCalls();
    } catch (e) {
      throw this.fail('listActiveCalls', e);
    }
  }

  listCdrs(query?: CdrQuery): CdrRecord[] {
    try {
      return this.cdrs.listCdrs(query);
    } catch (e) {
      throw this.fail('listCdrs', e);
    }
  }

  recoverCrashedCalls(now: number): number {
    try {
      return this.cdrs.recoverCrashedCalls(now);
    } catch (e) {
      throw this.fail('recoverCrashedCalls', e);
    }
  }

  outboundSecondsSince(sinceMs: number): number {
    try {
      return this.cdrs.outboundSecondsSince(sinceMs);
    } catch (e) {
      throw this.fail('outboundSecondsSince', e);
    }
  }

  /**
   * Read once per connection and kept, like extensions. Once per tick the store asks
   * SQLite whether another connection committed meanwhile (syncWithFile) and if so reads
   * the plan again and empties the other caches, so that the plan never names an
   * extension this connection still believes absent. An apply in this process writes
   * through another connection and makes the pool reopen the store; one in another
   * process is seen from the next tick on.
   */
  getRoutingPlan(): RoutingPlan {
    try {
      this.syncWithFile();
      // The queries in one read transaction: the plan is one apply's, never half of two.
      this.routingPlan ??= deepFreeze(this.db.transaction(() => readRoutingPlan(this.db, 'main'))());
      return this.routingPlan;
    } catch (e) {
      throw this.fail('getRoutingPlan', e);
    }
  }

  createExtension(x: ExtensionWrite, meta: WriteMeta): boolean {
    try {
      const created = this.db.transaction(() => {
        const r = this.st.insertExtension.run(
          x.ext,
          x.name,
          x.enabled ? 1 : 0,
          x.maxContacts ?? null,
          x.ha1.MD5,
          x.ha1['SHA-256'],
          x.realm,
          x.classOfService,
          x.callerId ?? null,
          x.algorithms ? algorithmsToSql(x.algorithms) : null,
          meta.now,
        );
        if (r.changes !== 1) return false;
        this.auditIn(meta);
        return true;
      }).immediate();
      this.extCache.delete(x.ext);
      return created;
    } catch (e) {
      throw this.fail('createExtension', e);
    }
  }

  updateExtension(ext: string, patch: ExtensionPatch, meta: WriteMeta): Extension | undefined {
    try {
      const out = this.db.transaction(() => {
        const row = this.st.getExtension.get(ext);
        if (!row) return undefined;
        const cur = extensionFromSql(row);
        const enabled = patch.enabled ?? cur.enabled;
        const maxContacts = patch.maxContacts === undefined ? (cur.maxContacts ?? null) : patch.maxContacts;
        const callerId = patch.callerId === undefined ? (cur.callerId ?? null) : patch.callerId;
        const algorithms = patch.algorithms === undefined ? (cur.algorithms ?? null) : patch.algorithms;
        const ha1 = patch.credentials?.ha1 ?? cur.ha1;
        this.st.updateExtension.run(
          patch.name ?? cur.name,
          enabled ? 1 : 0,
          maxContacts,
          ha1.MD5,
          ha1['SHA-256'],
          patch.credentials?.realm ?? cur.realm,
          patch.classOfService ?? cur.classOfService,
          callerId,
          algorithms ? algorithmsToSql(algorithms) : null,
          meta.now,
          ext,
        );
        // A disabled extension must not be reached: its contacts go (as an apply does).
        if (!enabled && cur.enabled) this.st.deleteBindingsOf.run(ext);
        this.auditIn(meta);
        return extensionFromSql(this.st.getExtension.get(ext)!);
      }).immediate();
      this.extCache.delete(ext);
      this.reads.forgetBindings(ext);
      if (out && !out.enabled) this.dropPending(ext);
      return out;
    } catch (e) {
      throw this.fail('updateExtension', e);
    }
  }

  deleteExtension(ext: string, meta: WriteMeta): boolean {
    try {
      // Bindings and ring group memberships go with it (ON DELETE CASCADE).
      const removed = this.db.transaction(() => {
        if (this.st.deleteExtension.run(ext).changes !== 1) return false;
        this.auditIn(meta);
        return true;
      }).immediate();
      this.extCache.delete(ext);
      this.reads.forgetBindings(ext);
      this.callHandling.forget(); // its row went with it (ON DELETE CASCADE)
      this.dropPending(ext);
      if (removed) this.routingPlan = undefined;
      return removed;
    } catch (e) {
      throw this.fail('deleteExtension', e);
    }
  }

  replaceRoutingPlan(plan: RoutingPlan, meta: RoutingWriteMeta): RoutingChanges {
    try {
      const changes = this.db.transaction(() => {
        const c = syncRouting(this.db, 'main', plan, meta.now);
        if (meta.audit) this.audit.append({ ...meta.audit, ...(meta.describe ? { details: meta.describe(c) } : {}), at: meta.now });
        return c;
      }).immediate();
      this.routingPlan = undefined;
      this.reads.forgetSettings(); // syncRouting writes settings rows too
      return changes;
    } catch (e) {
      throw this.fail('replaceRoutingPlan', e);
    }
  }

  appendAudit(entry: AuditInput): number {
    try {
      return this.audit.append(entry);
    } catch (e) {
      throw this.fail('appendAudit', e);
    }
  }

  listAudit(query?: AuditQuery): AuditEntry[] {
    try {
      return this.audit.listEntries(query);
    } catch (e) {
      throw this.fail('listAudit', e);
    }
  }

  cdrUsageRows(since: number, until: number, lookbackMs: number): CdrUsageRow[] {
    try {
      return this.cdrs.usageRows(since, until, lookbackMs);
    } catch (e) {
      throw this.fail('cdrUsageRows', e);
    }
  }

  private auditIn(meta: WriteMeta): void {
    if (meta.audit) this.audit.append({ ...meta.audit, at: meta.now });
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /** Writes what is pending, then closes. */
  close(): void {
    if (!this.db.open) return;
    try {
      this.flush();
    } finally {
      this.db.close();
    }
  }

  /**
   * Another connection committed (at most one PRAGMA data_version per tick): every cache
   * of this connection starts over. The pending binding writes stay: they are this
   * process's newer state.
   */
  private syncWithFile(): void {
    if (!this.dataVersion.changed()) return;
    this.routingPlan = undefined;
    this.extCache.clear();
    this.reads.clear();
    this.callHandling.forget();
  }

  private fail(op: string, e: unknown): StoreError {
    if (e instanceof StoreError) return e;
    return new StoreError(`tenant ${this.tenantId}: ${op}: ${(e as Error).message}`, { cause: e });
  }
}

function extensionFromSql(r: ExtensionSqlRow): Extension {
  const x: Extension = {
    ext: r.ext,
    name: r.name,
    enabled: r.enabled === 1,
    realm: r.realm,
    ha1: { MD5: r.ha1_md5, 'SHA-256': r.ha1_sha256 },
    classOfService: isClassOfService(r.class_of_service) ? r.class_of_service : DEFAULT_CLASS_OF_SERVICE,
  };
  if (r.max_contacts !== null) x.maxContacts = r.max_contacts;
  if (r.caller_id !== null) x.callerId = r.caller_id;
  const algorithms = algorithmsFromSql(r.auth_algorithms);
  if (algorithms !== undefined) x.algorithms = algorithms;
  return x;
}

function isClassOfService(v: string): v is ClassOfService {
  return (CLASSES_OF_SERVICE as readonly string[]).includes(v);
}

function isForeignKeyFailure(e: unknown): boolean {
  return (e as { code?: unknown })?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

