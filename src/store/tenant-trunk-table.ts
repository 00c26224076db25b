import type Database from 'better-sqlite3';
import type { Trunk } from '../model/routing-plan.js';

export interface TenantTrunkRow {
  tenantId: string;
  /** The tenant's config_rev when the trunks were read from its store. */
  configRev: number;
  trunks: Trunk[];
}

/**
 * The tenant_trunks table of system.sqlite: a copy of each tenant's own trunks, so that
 * the server's trunk index is built at start from one query instead of opening every
 * tenant's SQLite file. A row is trusted only while its config_rev is the tenant's
 * (every apply bumps it) and is dropped whenever the trunks may have changed otherwise
 * (the API), so a stale row is read again from the tenant's store, never used.
 */
export class TenantTrunkTable {
  private readonly st;
  private readonly many: (rows: readonly TenantTrunkRow[]) => void;

  constructor(db: Database.Database) {
    this.many = db.transaction((rows: readonly TenantTrunkRow[]) => {
      for (const r of rows) this.put(r);
    });
    this.st = {
      all: db.prepare<[], { tenant_id: string; config_rev: number; trunks: string }>('SELECT tenant_id, config_rev, trunks FROM tenant_trunks'),
      put: db.prepare<[string, number, string]>(
        `INSERT INTO tenant_trunks (tenant_id, config_rev, trunks) VALUES (?, ?, ?)
         ON CONFLICT (tenant_id) DO UPDATE SET config_rev = excluded.config_rev, trunks = excluded.trunks
         WHERE config_rev IS NOT excluded.config_rev OR trunks IS NOT excluded.trunks`,
      ),
      forget: db.prepare<[string]>('DELETE FROM tenant_trunks WHERE tenant_id = ?'),
    };
  }

  /** Every row, by tenant id; a row whose JSON does not read is left out (read again from the store). */
  all(): Map<string, TenantTrunkRow> {
    const out = new Map<string, TenantTrunkRow>();
    for (const r of this.st.all.all()) {
      try {
        const trunks: unknown = JSON.parse(r.trunks);
        if (Array.isArray(trunks)) out.set(r.tenant_id, { tenantId: r.tenant_id, configRev: r.config_rev, trunks: trunks as Trunk[] });
      } catch {
        /* read again from the tenant's store */
      }
    }
    return out;
  }

  put(row: TenantTrunkRow): void {
    this.st.put.run(row.tenantId, row.configRev, JSON.stringify(row.trunks));
  }

  /** Several rows in one transaction. */
  putAll(rows: readonly TenantTrunkRow[]): void {
    if (rows.length > 0) this.many(rows);
  }

  forget(tenantId: string): void {
    this.st.forget.run(tenantId);
  }
}
