import { closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreError } from '../util/errors.js';

export interface SqliteOpenOptions {
  /** Page cache per connection in KiB (PRAGMA cache_size = -N). */
  cacheKiB: number;
  synchronous: 'NORMAL' | 'FULL';
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Fail instead of creating a missing file. */
  mustExist?: boolean;
  /** Called with the SQL of every statement run (better-sqlite3's `verbose`). */
  onStatement?: (sql: string) => void;
}

/** Creates an empty file readable by its owner only; one that appeared meanwhile is left as it is. */
function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/**
 * Opens (creating if needed) a SQLite file in WAL mode with foreign keys on and
 * a bounded WAL file. The caller owns the connection and closes it.
 */
export function openSqlite(file: string, opts: SqliteOpenOptions): Database.Database {
  let db: Database.Database;
  try {
    // A new database file is created private (0600); SQLite gives its -wal, -shm and
    // journal files the mode of the database file.
    if (!opts.mustExist && !existsSync(file)) createPrivateFile(file);
    db = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000, fileMustExist: opts.mustExist ?? false, ...(opts.onStatement ? { verbose: (sql: unknown) => opts.onStatement!(String(sql)) } : {}) });
  } catch (e) {
    throw new StoreError(`cannot open ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, not wal`);
    db.pragma(`synchronous = ${opts.synchronous}`);
    db.pragma(`cache_size = -${Math.max(64, Math.floor(opts.cacheKiB))}`);
    db.pragma('foreign_keys = ON');
    // Keep the -wal file small once checkpointed: many tenants, many files.
    db.pragma('journal_size_limit = 1048576');
    return db;
  } catch (e) {
    db.close();
    throw new StoreError(`cannot set up ${file}: ${(e as Error).message}`, { cause: e });
  }
}
