import type { Trunk } from '../model/routing-plan.js';
import type { TenantStorePool } from '../store/store-pool.js';
import type { SystemStore, TenantRecord } from '../store/system-store.js';
import type { TenantTrunkRow } from '../store/tenant-trunk-table.js';
import type { Logger } from '../util/logger.js';

/**
 * Each tenant's own trunks for the trunk book, without opening every tenant's SQLite file:
 * read from system.sqlite's tenant_trunks copy while its config_rev is the tenant's, and
 * from the tenant's store (then copied) only when the copy is missing or stale: at the
 * first start after an upgrade, after an apply that changed the tenant, after an API
 * change (forget()). Kept in memory between syncs.
 */
export class TenantTrunkIndex {
  private rows: Map<string, TenantTrunkRow> | undefined;

  constructor(private readonly o: { system: SystemStore; pool: TenantStorePool; logger: Logger }) {}

  /** The trunks of each of these tenants; a tenant whose store cannot be read gets none (logged). */
  trunksOf(tenants: readonly TenantRecord[]): Array<{ tenantId: string; trunks: Trunk[] }> {
    const rows = (this.rows ??= this.o.system.tenantTrunks.all());
    const read: TenantTrunkRow[] = [];
    const out = tenants.map((t) => {
      const row = rows.get(t.id);
      if (row && row.configRev === t.configRev) return { tenantId: t.id, trunks: row.trunks };
      try {
        const trunks = this.o.pool.get(t.id).getRoutingPlan().trunks;
        const fresh = { tenantId: t.id, configRev: t.configRev, trunks };
        read.push(fresh);
        rows.set(t.id, fresh);
        return { tenantId: t.id, trunks };
      } catch (e) {
        this.o.logger.error('trunks of a tenant not loaded', { tenant: t.id, error: e });
        return { tenantId: t.id, trunks: [] };
      }
    });
    try {
      this.o.system.tenantTrunks.putAll(read);
    } catch (e) {
      this.o.logger.warn('trunk copies not written; they are read from the stores again next start', { error: e });
    }
    return out;
  }

  /** The tenant's trunks may have changed without a new config_rev (the API): read them from its store next time. */
  forget(tenantId: string): void {
    this.rows?.delete(tenantId);
    try {
      this.o.system.tenantTrunks.forget(tenantId);
    } catch (e) {
      this.o.logger.warn('trunk copy of a tenant not dropped', { tenant: tenantId, error: e });
    }
  }
}
