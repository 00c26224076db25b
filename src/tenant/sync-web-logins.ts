/**
 * Apply's step for console logins (web_logins, web-login-table.ts), inside apply's
 * transaction on the attached tenant file `t`, after the extensions:
 *  - webAdmin follows the file (absent: false);
 *  - a declared webPassword is compared with declared_hash, the hash of what the file said
 *    last time: unchanged, the live password stays (one the user set through the API survives
 *    a restart); changed, the live password becomes the declared one. A `$scrypt$` hash in
 *    the file is taken as it is.
 *  - no webPassword in the file: the live password (set through the API) stays.
 * Rows of removed extensions go with them (ON DELETE CASCADE).
 */
import type Database from 'better-sqlite3';
import type { ValidTenantSpec } from './tenant-spec.js';
import { hashWebPassword, isWebPasswordHash, verifyWebPasswordSync } from './web-password.js';

interface Row {
  ext: string;
  password_hash: string | null;
  declared_hash: string | null;
  web_admin: number;
}

/** The extensions whose login changed. */
export function syncWebLogins(db: Database.Database, t: string, spec: ValidTenantSpec, now: number): string[] {
  const rows = new Map(db.prepare<[], Row>(`SELECT ext, password_hash, declared_hash, web_admin FROM ${t}.web_logins`).all().map((r) => [r.ext, r]));
  const upsert = db.prepare<[string, string | null, string | null, number, number]>(
    `INSERT INTO ${t}.web_logins (ext, password_hash, declared_hash, web_admin, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (ext) DO UPDATE SET password_hash = excluded.password_hash, declared_hash = excluded.declared_hash,
         web_admin = excluded.web_admin, updated_at = excluded.updated_at`,
  );
  const changed: string[] = [];
  for (const x of spec.extensions) {
    const row = rows.get(x.ext);
    const webAdmin = x.webAdmin ? 1 : 0;
    let passwordHash = row?.password_hash ?? null;
    let declaredHash = row?.declared_hash ?? null;
    const declared = x.webPassword;
    if (declared !== undefined) {
      const same = isWebPasswordHash(declared) ? declared === declaredHash : verifyWebPasswordSync(declared, declaredHash ?? undefined);
      if (!same) {
        declaredHash = isWebPasswordHash(declared) ? declared : hashWebPassword(declared);
        passwordHash = declaredHash;
      }
    } else {
      declaredHash = null;
    }
    if (row && row.password_hash === passwordHash && row.declared_hash === declaredHash && row.web_admin === webAdmin) continue;
    if (!row && passwordHash === null && webAdmin === 0) continue;
    upsert.run(x.ext, passwordHash, declaredHash, webAdmin, now);
    changed.push(x.ext);
  }
  return changed;
}
