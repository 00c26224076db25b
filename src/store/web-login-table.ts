/**
 * Console logins of a tenant's extensions (table web_logins, tenant.sqlite): the web
 * password's hash (web-password.ts), the hash of what the tenant YAML last declared, and the
 * tenant-admin flag. A row goes with its extension (ON DELETE CASCADE).
 */
import type Database from 'better-sqlite3';

export interface WebLogin {
  ext: string;
  /** undefined: no web password, the extension cannot log in. */
  passwordHash?: string;
  webAdmin: boolean;
}

interface Row {
  ext: string;
  password_hash: string | null;
  web_admin: number;
}

export class WebLoginTable {
  private readonly st;

  constructor(db: Database.Database) {
    this.st = {
      get: db.prepare<[string], Row>('SELECT ext, password_hash, web_admin FROM web_logins WHERE ext = ?'),
      setAdmin: db.prepare<[string, number, number]>(
        `INSERT INTO web_logins (ext, web_admin, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (ext) DO UPDATE SET web_admin = excluded.web_admin, updated_at = excluded.updated_at`,
      ),
      setPassword: db.prepare<[string, string, number]>(
        `INSERT INTO web_logins (ext, password_hash, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (ext) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
      ),
    };
  }

  get(ext: string): WebLogin | undefined {
    const r = this.st.get.get(ext);
    if (!r) return undefined;
    return { ext: r.ext, webAdmin: r.web_admin === 1, ...(r.password_hash !== null ? { passwordHash: r.password_hash } : {}) };
  }

  /** Makes the extension its tenant's console admin, or not (an existing extension). */
  setWebAdmin(ext: string, webAdmin: boolean, now: number): void {
    this.st.setAdmin.run(ext, webAdmin ? 1 : 0, now);
  }

  /** Sets the web password's hash of an existing extension (a foreign key error otherwise). */
  setPasswordHash(ext: string, hash: string, now: number): void {
    this.st.setPassword.run(ext, hash, now);
  }
}
