import type Database from 'better-sqlite3';

/** What the last successful apply of a tenant's YAML file saw (system.sqlite tenant_files). */
export interface TenantFileRecord {
  tenantId: string;
  /** The file's absolute path. */
  file: string;
  /** size, modification time (ns) and inode when it was read: a changed stamp means "read it again". */
  stamp: string;
  /** The content key (tenant-file-stamp.ts contentKey): hash of its text and of the environment values it names. */
  hash: string;
  /** The environment variables the text names (`${NAME}`), so that a change of one is seen without reading the file. */
  envNames: string[];
  /** The tenant's config_rev the apply left; another value now means something else wrote since. */
  configRev: number;
}

/** A record with what system.sqlite says of its tenant now. */
export interface TenantFileState extends TenantFileRecord {
  status: string;
  currentRev: number;
}

interface Row {
  tenant_id: string;
  file: string;
  stamp: string;
  hash: string;
  env_names: string;
  config_rev: number;
  status: string;
  current_rev: number;
}

/**
 * The tenant_files table of system.sqlite: one row per tenant whose file was applied. A
 * cache of "this file, as it was then, is what both SQLite files hold": written after the
 * apply's transaction has committed (so a crash in between leaves an old row, and the file
 * is applied again), dropped when the tenant's file goes.
 */
export class TenantFileIndex {
  private readonly st;
  private readonly many: (rows: readonly TenantFileRecord[], stamps: ReadonlyArray<readonly [string, string]>) => void;

  constructor(db: Database.Database) {
    this.many = db.transaction((rows: readonly TenantFileRecord[], stamps: ReadonlyArray<readonly [string, string]>) => {
      for (const r of rows) this.put(r);
      for (const [id, stamp] of stamps) this.restamp(id, stamp);
    });
    this.st = {
      all: db.prepare<[], Row>(
        'SELECT f.*, t.status AS status, t.config_rev AS current_rev FROM tenant_files f JOIN tenants t ON t.id = f.tenant_id',
      ),
      put: db.prepare<[string, string, string, string, string, number]>(
        `INSERT INTO tenant_files (tenant_id, file, stamp, hash, env_names, config_rev) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id) DO UPDATE SET file = excluded.file, stamp = excluded.stamp, hash = excluded.hash,
           env_names = excluded.env_names, config_rev = excluded.config_rev`,
      ),
      restamp: db.prepare<[string, string]>('UPDATE tenant_files SET stamp = ? WHERE tenant_id = ?'),
      forget: db.prepare<[string]>('DELETE FROM tenant_files WHERE tenant_id = ?'),
    };
  }

  /** Every record with its tenant's status and current config_rev, by tenant id. */
  states(): Map<string, TenantFileState> {
    const out = new Map<string, TenantFileState>();
    for (const r of this.st.all.all()) {
      out.set(r.tenant_id, {
        tenantId: r.tenant_id,
        file: r.file,
        stamp: r.stamp,
        hash: r.hash,
        envNames: parseNames(r.env_names),
        configRev: r.config_rev,
        status: r.status,
        currentRev: r.current_rev,
      });
    }
    return out;
  }

  put(r: TenantFileRecord): void {
    this.st.put.run(r.tenantId, r.file, r.stamp, r.hash, JSON.stringify(r.envNames), r.configRev);
  }

  /**
   * Several records and new stamps (tenant id, stamp) in one transaction: one commit for a
   * start that applies thousands of files, or a SIGHUP after every file was rewritten unchanged.
   */
  putAll(rows: readonly TenantFileRecord[], stamps: ReadonlyArray<readonly [string, string]> = []): void {
    if (rows.length + stamps.length > 0) this.many(rows, stamps);
  }

  /** The same content, read again after a touch: only the stamp changes. */
  restamp(tenantId: string, stamp: string): void {
    this.st.restamp.run(stamp, tenantId);
  }

  forget(tenantId: string): void {
    this.st.forget.run(tenantId);
  }
}

function parseNames(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
