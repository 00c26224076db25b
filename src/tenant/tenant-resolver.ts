import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { normalizeDomain } from '../model/domain-name.js';
import { didLookupKey } from '../model/e164.js';
import type { TenantStorePool } from '../store/store-pool.js';
import type { SystemStore, TenantRecord } from '../store/system-store.js';
import type { TenantContext } from './tenant-context.js';

/**
 * Domain → tenant and DID → tenant, from an in-memory copy of system.sqlite's
 * active and suspended tenants (a suspended one resolves with status 'suspended': the
 * edge refuses it with 403). The copy is rebuilt on the first lookup after system.sqlite
 * changed (through apply, the API, or another process: SystemStore.revision()),
 * so an apply that moves domains or DIDs is seen at once. Disabled, deleted and unknown tenants
 * resolve to undefined: the edge refuses the request.
 */
export class TenantResolver {
  private byDomain = new Map<string, TenantContext>();
  private byDid = new Map<string, TenantContext>();
  private byId = new Map<string, TenantContext>();
  private seen: string | undefined;
  private readonly logger: Logger;

  private checkedAt = -Infinity;
  private readonly clock: Clock;
  private readonly recheckMs: number;

  /**
   * recheckMs: how often, at most, a lookup asks system.sqlite whether it changed (a
   * query per request costs more than the rest of the lookup). Changes made through
   * this process are seen at once when the caller calls refresh() after them.
   */
  constructor(private readonly opts: { system: SystemStore; pool: TenantStorePool; logger?: Logger; clock?: Clock; recheckMs?: number }) {
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? systemClock;
    this.recheckMs = opts.recheckMs ?? 1000;
  }

  /** The tenant a host (Request-URI or To host, any case, IPv6 with or without brackets) belongs to. */
  resolveDomain(host: string): TenantContext | undefined {
    const d = normalizeDomain(host);
    if (d === undefined) return undefined;
    this.ensureFresh();
    return this.byDomain.get(d);
  }

  /**
   * The tenant a dialled number (a DID, as a carrier sends it in the Request-URI or To
   * user part) belongs to; normalised with didLookupKey ('+14155550100', '14155550100',
   * '+1 (415) 555-0100'). National forms are not rewritten: undefined.
   */
  resolveDid(number: string): TenantContext | undefined {
    const n = didLookupKey(number);
    if (n === undefined) return undefined;
    this.ensureFresh();
    return this.byDid.get(n);
  }

  /** Every served domain (normalised) with its tenant, active or suspended. */
  domainEntries(): Iterable<[string, TenantContext]> {
    this.ensureFresh();
    return this.byDomain.entries();
  }

  /** An active or suspended tenant by id (e.g. for a trunk or an API route); check its status. */
  getTenant(id: string): TenantContext | undefined {
    this.ensureFresh();
    return this.byId.get(id);
  }

  /** Rebuilds the copy now. */
  refresh(): void {
    const mark = this.opts.system.revision();
    const byDomain = new Map<string, TenantContext>();
    const byDid = new Map<string, TenantContext>();
    const byId = new Map<string, TenantContext>();
    for (const t of this.opts.system.listTenants({ status: ['active', 'suspended'] })) {
      const ctx = this.toContext(t);
      if (!ctx) continue;
      byId.set(t.id, ctx);
      for (const d of t.domains) byDomain.set(d, ctx);
      for (const n of t.dids) byDid.set(n, ctx);
    }
    this.byDomain = byDomain;
    this.byDid = byDid;
    this.byId = byId;
    this.seen = mark;
  }

  private ensureFresh(): void {
    const now = this.clock.now();
    if (this.seen !== undefined && now - this.checkedAt < this.recheckMs) return;
    this.checkedAt = now;
    try {
      if (this.opts.system.revision() !== this.seen) this.refresh();
    } catch (e) {
      // Keep answering from the last good copy rather than failing every request.
      this.logger.error('tenant resolver refresh failed', { error: e });
    }
  }

  private toContext(t: TenantRecord): TenantContext | undefined {
    const realm = t.domains[0];
    if (realm === undefined) return undefined; // a tenant without a domain has no realm to authenticate in
    return Object.freeze({
      id: t.id,
      name: t.name,
      status: t.status === 'suspended' ? 'suspended' : 'active',
      realm,
      domains: Object.freeze([...t.domains]),
      limits: Object.freeze({ ...t.limits }),
      features: Object.freeze({ ...t.features }),
      store: this.opts.pool.get(t.id),
    });
  }
}
