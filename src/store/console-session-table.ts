import type Database from 'better-sqlite3';

/**
 * A console session as system.sqlite keeps it (issue 14): `key` is the SHA-256 (hex) of the
 * cookie value, never the cookie itself, so a copy of the file logs nobody in.
 */
export interface ConsoleSessionRecord {
  key: string;
  /** The per-session principal id ("web:<12 hex>") the audit log names. */
  tokenId: string;
  role: 'provider' | 'tenant-admin' | 'user';
  tenantId?: string;
  ext?: string;
  username: string;
  /** The password hash the login was checked against (a changed password ends the session). */
  passwordHash: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

interface Row {
  key: string;
  token_id: string;
  role: ConsoleSessionRecord['role'];
  tenant_id: string | null;
  ext: string | null;
  username: string;
  password_hash: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
}

const KEY = /^[0-9a-f]{64}$/;

/**
 * The console_sessions table of system.sqlite: written through by ConsoleSessions (login,
 * logout, expiry, a changed password) and read back whole at start, so a restart keeps
 * users logged in. A tenant's rows go with the tenant (ON DELETE CASCADE).
 */
export class ConsoleSessionTable {
  private readonly st;

  constructor(db: Database.Database) {
    this.st = {
      all: db.prepare<[], Row>('SELECT * FROM console_sessions ORDER BY last_seen_at, key'),
      get: db.prepare<[string], Row>('SELECT * FROM console_sessions WHERE key = ?'),
      insert: db.prepare<[string, string, string, string | null, string | null, string, string, string, number, number]>(
        `INSERT INTO console_sessions (key, token_id, role, tenant_id, ext, username, password_hash, csrf_token, created_at, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      touch: db.prepare<[number, string, number]>('UPDATE console_sessions SET last_seen_at = ? WHERE key = ? AND last_seen_at < ?'),
      setPasswordHash: db.prepare<[string, string]>('UPDATE console_sessions SET password_hash = ? WHERE key = ?'),
      delete: db.prepare<[string]>('DELETE FROM console_sessions WHERE key = ?'),
      expire: db.prepare<[number, number]>('DELETE FROM console_sessions WHERE last_seen_at <= ? OR created_at <= ?'),
    };
  }

  /** Every stored session, least recently used first. */
  all(): ConsoleSessionRecord[] {
    return this.st.all.all().map(fromRow);
  }

  get(key: string): ConsoleSessionRecord | undefined {
    if (!KEY.test(key)) return undefined;
    const r = this.st.get.get(key);
    return r ? fromRow(r) : undefined;
  }

  /**
   * A new session. A session of a tenant that is not in system.sqlite (a foreign key
   * failure: the tenant went between the password check and here) is not stored; it
   * lives in memory only and ends with the process.
   */
  insert(r: ConsoleSessionRecord): boolean {
    try {
      this.st.insert.run(r.key, r.tokenId, r.role, r.tenantId ?? null, r.ext ?? null, r.username, r.passwordHash, r.csrfToken, r.createdAt, r.lastSeenAt);
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return false;
      throw e;
    }
  }

  /** The session was used at `at` (never moves last_seen_at back). */
  touch(key: string, at: number): void {
    this.st.touch.run(at, key, at);
  }

  setPasswordHash(key: string, hash: string): void {
    this.st.setPasswordHash.run(hash, key);
  }

  delete(key: string): void {
    this.st.delete.run(key);
  }

  /** Deletes the sessions idle since `idleBefore` or created at or before `createdBefore`; returns how many. */
  deleteExpired(idleBefore: number, createdBefore: number): number {
    return this.st.expire.run(idleBefore, createdBefore).changes;
  }
}

function fromRow(r: Row): ConsoleSessionRecord {
  return {
    key: r.key,
    tokenId: r.token_id,
    role: r.role,
    ...(r.tenant_id !== null ? { tenantId: r.tenant_id } : {}),
    ...(r.ext !== null ? { ext: r.ext } : {}),
    username: r.username,
    passwordHash: r.password_hash,
    csrfToken: r.csrf_token,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
  };
}
