import type { WebLoginTable } from './web-login-table.js';
import type { CallHandlingTable } from './call-handling-table.js';
import type { VoicemailTable } from './voicemail-table.js';
import type { RecordingTable } from './recording-table.js';
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { StoreError } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { BindingRow } from './binding-row.js';
import type { ActiveCallInput, ActiveCallRow, CdrInput, CdrRecord } from './cdr-row.js';
import type { AuditEntry, AuditInput, AuditQuery } from './audit-table.js';
import type { CdrQuery, CdrUsageRow } from './cdr-table.js';
import type { RoutingChanges } from './sync-routing.js';
import type { RoutingPlan } from '../model/routing-plan.js';
import { assertTenantId } from './tenant-id.js';
import { SqliteTenantStore, type Extension, type ExtensionPatch, type ExtensionWrite, type TenantStore, type RoutingWriteMeta, type TenantStoreOptions, type WriteMeta } from './tenant-store.js';

export interface StorePoolOptions {
  dataDir: string;
  clock?: Clock;
  /** A store unused for this long is closed by the next sweep. Default 5 minutes. */
  idleMs?: number;
  /** How often to sweep while stores are open. Default min(idleMs, 60 s). */
  sweepMs?: number;
  /** At most this many open at once; opening one more closes the least recently used. Default 256 (pbx.yaml tenantStores.maxOpen). */
  maxOpen?: number;
  /** Options for each store; `create` defaults to false here: only apply brings a tenant's store into being. */
  store?: TenantStoreOptions;
  /**
   * Binding writes are gathered for this long and committed together, one transaction
   * per tenant (0 = write through). Reads see the pending writes; close() and
   * closeAll() write them out. A crash loses at most this much of registration changes.
   */
  bindingWriteDelayMs?: number;
  /** Called once per tenant, the first time this process opens its store. */
  onFirstOpen?: (store: SqliteTenantStore) => void;
  logger?: Logger;
}

/** pbx.yaml tenantStores.maxOpen's default. */
export const DEFAULT_MAX_OPEN = 256;

interface Entry {
  store: SqliteTenantStore;
  lastUsed: number;
}

/**
 * Opens tenant stores on first use and closes them when idle, so ten thousand
 * tenants cost what the active ones cost.
 *
 * get() hands out a handle, not the connection: each call on the handle
 * re-opens the store if it was closed meanwhile. Calls are synchronous and
 * closing happens only in a timer callback or in another get-and-call, never
 * during a call, so a handle may be kept for as long as one likes (a
 * TenantContext keeps one).
 */
export class TenantStorePool {
  private readonly open = new Map<string, Entry>(); // insertion order = least recently used first
  private readonly clock: Clock;
  private readonly idleMs: number;
  private readonly sweepMs: number;
  private readonly maxOpen: number;
  private readonly logger: Logger;
  private timer: TimerHandle | undefined;
  private closed = false;
  /** Tenants opened at least once by this process (bounded by the number of tenants). */
  private readonly seen = new Set<string>();

  constructor(private readonly opts: StorePoolOptions) {
    this.clock = opts.clock ?? systemClock;
    this.idleMs = Math.max(1, opts.idleMs ?? 300_000);
    this.sweepMs = Math.max(1, opts.sweepMs ?? Math.min(this.idleMs, 60_000));
    this.maxOpen = Math.max(1, opts.maxOpen ?? DEFAULT_MAX_OPEN);
    this.logger = opts.logger ?? silentLogger;
  }

  /** A handle on the tenant's store; nothing is opened until it is used. Throws InvalidTenantIdError. */
  get(tenantId: string): TenantStore {
    return new PooledTenantStore(assertTenantId(tenantId), this);
  }

  /** The open store, opened now if needed. For handles; do not keep what it returns across ticks. */
  acquire(tenantId: string): SqliteTenantStore {
    if (this.closed) throw new StoreError('tenant store pool is closed');
    const now = this.clock.now();
    const hit = this.open.get(tenantId);
    if (hit) {
      hit.lastUsed = now;
      if (this.open.size > 1) {
        this.open.delete(tenantId);
        this.open.set(tenantId, hit);
      }
      return hit.store;
    }
    const store = SqliteTenantStore.open(this.opts.dataDir, tenantId, {
      create: false,
      ...this.opts.store,
      ...(this.opts.bindingWriteDelayMs ? { writeBehind: { clock: this.clock, delayMs: this.opts.bindingWriteDelayMs, logger: this.logger } } : {}),
    });
    while (this.open.size >= this.maxOpen) {
      const [oldest] = this.open.keys();
      this.closeOne(oldest!);
    }
    if (!this.seen.has(tenantId)) {
      // First open in this process: what a previous process left behind is cleaned up
      // before anything new is written (calls that were up when it died become records).
      this.seen.add(tenantId);
      try {
        this.opts.onFirstOpen?.(store);
      } catch (e) {
        this.logger.error('first-open hook failed', { tenant: tenantId, error: e });
      }
    }
    this.open.set(tenantId, { store, lastUsed: now });
    this.arm();
    return store;
  }

  /**
   * The tenant's store if it is open now, without counting this as a use (its idle time
   * and its place in the LRU order stay): for housekeeping that visits the open stores
   * (expiry sweep, keep-alive policy, metrics), which must not keep idle tenants open.
   * Synchronous use only, like acquire(). Undefined when it is closed: nothing is opened.
   */
  peek(tenantId: string): SqliteTenantStore | undefined {
    return this.closed ? undefined : this.open.get(tenantId)?.store;
  }

  isOpen(tenantId: string): boolean {
    return this.open.has(tenantId);
  }

  get openCount(): number {
    return this.open.size;
  }

  /** Closes every store idle for idleMs or more; returns how many. The timer calls this. */
  sweep(): number {
    const cutoff = this.clock.now() - this.idleMs;
    let n = 0;
    for (const [id, e] of this.open) {
      if (e.lastUsed > cutoff) break; // LRU order: the rest were used later
      this.closeOne(id);
      n++;
    }
    return n;
  }

  /**
   * Close the tenant's open connection, if any, so the next use opens a fresh one: for
   * after its extensions changed behind the pool's back (an apply), which drops the
   * connection's caches (extensions, routing plan).
   */
  reopen(tenantId: string): void {
    if (this.open.has(tenantId)) this.closeOne(tenantId);
  }

  /** Closes every store (writing what is pending) and refuses further use: for a graceful stop. */
  closeAll(): void {
    this.closed = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const id of [...this.open.keys()]) this.closeOne(id);
  }

  private closeOne(id: string): void {
    const e = this.open.get(id);
    this.open.delete(id);
    try {
      e?.store.close();
    } catch (err) {
      this.logger.warn('closing tenant store failed', { tenant: id, error: err });
    }
  }

  private arm(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      try {
        const n = this.sweep();
        if (n > 0) this.logger.debug('closed idle tenant stores', { closed: n, open: this.open.size });
      } catch (err) {
        this.logger.error('tenant store sweep failed', { error: err });
      }
      if (this.open.size > 0) this.arm();
    }, this.sweepMs);
  }
}

/** A TenantStore that reaches the pool on every call, re-opening the store transparently. */
class PooledTenantStore implements TenantStore {
  constructor(
    readonly tenantId: string,
    private readonly pool: TenantStorePool,
  ) {}

  private s(): SqliteTenantStore {
    return this.pool.acquire(this.tenantId);
  }

  getExtension(ext: string): Extension | undefined {
    return this.s().getExtension(ext);
  }
  listExtensions(): Extension[] {
    return this.s().listExtensions();
  }
  listExtensionsAfter(after: string | undefined, limit: number): Extension[] {
    return this.s().listExtensionsAfter(after, limit);
  }
  countExtensions(): number {
    return this.s().countExtensions();
  }
  getBindings(aor: string): BindingRow[] {
    return this.s().getBindings(aor);
  }
  replaceBindings(aor: string, rows: readonly BindingRow[]): void {
    this.s().replaceBindings(aor, rows);
  }
  deleteExpiredBindings(now: number): Array<{ aor: string; contact: string }> {
    return this.s().deleteExpiredBindings(now);
  }
  listBindings(): BindingRow[] {
    return this.s().listBindings();
  }
  countBindings(): number {
    return this.s().countBindings();
  }
  getSetting(key: string): string | undefined {
    return this.s().getSetting(key);
  }
  setSetting(key: string, value: string): void {
    this.s().setSetting(key, value);
  }
  get recordings(): RecordingTable {
    return this.s().recordings;
  }
  get callHandling(): CallHandlingTable {
    return this.s().callHandling;
  }
  get voicemail(): VoicemailTable {
    return this.s().voicemail;
  }
  get webLogins(): WebLoginTable {
    return this.s().webLogins;
  }
  callStarted(call: ActiveCallInput): boolean {
    return this.s().callStarted(call);
  }
  callAnswered(callId: string, at: number, bLegCallId?: string): boolean {
    return this.s().callAnswered(callId, at, bLegCallId);
  }
  touchActiveCalls(at: number): number {
    return this.s().touchActiveCalls(at);
  }
  callEnded(cdr: CdrInput): boolean {
    return this.s().callEnded(cdr);
  }
  listActiveCalls(): ActiveCallRow[] {
    return this.s().listActiveCalls();
  }
  listCdrs(query?: CdrQuery): CdrRecord[] {
    return this.s().listCdrs(query);
  }
  recoverCrashedCalls(now: number): number {
    return this.s().recoverCrashedCalls(now);
  }
  outboundSecondsSince(sinceMs: number): number {
    return this.s().outboundSecondsSince(sinceMs);
  }
  getRoutingPlan(): RoutingPlan {
    return this.s().getRoutingPlan();
  }
  createExtension(x: ExtensionWrite, meta: WriteMeta): boolean {
    return this.s().createExtension(x, meta);
  }
  updateExtension(ext: string, patch: ExtensionPatch, meta: WriteMeta): Extension | undefined {
    return this.s().updateExtension(ext, patch, meta);
  }
  deleteExtension(ext: string, meta: WriteMeta): boolean {
    return this.s().deleteExtension(ext, meta);
  }
  replaceRoutingPlan(plan: RoutingPlan, meta: RoutingWriteMeta): RoutingChanges {
    return this.s().replaceRoutingPlan(plan, meta);
  }
  appendAudit(entry: AuditInput): number {
    return this.s().appendAudit(entry);
  }
  listAudit(query?: AuditQuery): AuditEntry[] {
    return this.s().listAudit(query);
  }
  cdrUsageRows(since: number, until: number, lookbackMs: number): CdrUsageRow[] {
    return this.s().cdrUsageRows(since, until, lookbackMs);
  }
}
