import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, lstatSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../util/errors.js';

/** A file as a backup or pack lists it. */
export interface FileEntry {
  /** Relative to the backup folder (or the archive), '/'-separated. */
  path: string;
  bytes: number;
  sha256: string;
}

export async function sha256File(file: string): Promise<{ bytes: number; sha256: string }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: h.digest('hex') };
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The SQLite file and its companions: never copied as plain files (the backup API copies the database). */
export function isSqliteFile(name: string, base = 'tenant.sqlite'): boolean {
  return name === base || name === `${base}-wal` || name === `${base}-shm` || name === `${base}-journal`;
}

/**
 * Every regular file under `dir`, as '/'-separated paths relative to it, sorted; symbolic
 * links and anything else that is not a plain file or folder are left out. `skip` drops
 * top-level names.
 */
export function walkFiles(dir: string, skip: (topName: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const n of names.sort()) {
      if (rel === '' && skip(n)) continue;
      const p = join(abs, n);
      const r = rel === '' ? n : `${rel}/${n}`;
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p, r);
      else if (st.isFile()) out.push(r);
    }
  };
  walk(dir, '');
  return out;
}

/**
 * An online, consistent copy of a SQLite database with the SQLite backup API: works
 * while the server has the file open and writes to it (the copy is of one committed
 * state). The copy is a single file with no -wal.
 */
export async function backupSqlite(source: string, dest: string): Promise<{ bytes: number; sha256: string; schemaVersion: number }> {
  if (!existsSync(source)) throw new StoreError(`cannot back up ${source}: no such file`);
  let db: Database.Database;
  try {
    db = new Database(source, { readonly: true, fileMustExist: true, timeout: 5000 });
  } catch (e) {
    throw new StoreError(`cannot open ${source}: ${(e as Error).message}`, { cause: e });
  }
  let schemaVersion: number;
  try {
    schemaVersion = db.pragma('user_version', { simple: true }) as number;
    // Created private before SQLite writes into it (SQLite keeps an existing file's mode).
    closeSync(openSync(dest, 'wx', 0o600));
    await db.backup(dest);
  } catch (e) {
    throw new StoreError(`cannot back up ${source}: ${(e as Error).message}`, { cause: e });
  } finally {
    db.close();
  }
  // The copy keeps the source's WAL flag in its header; make it a plain rollback-journal
  // file, so that reading it later (restore, checks) never leaves -wal/-shm files beside it.
  const copy = new Database(dest);
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  return { ...(await sha256File(dest)), schemaVersion };
}

/** Checks a SQLite file: it opens, its pages are sound (quick_check), and returns its schema version. */
export function checkSqliteFile(file: string, label: string): number {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (e) {
    throw new StoreError(`${label}: cannot open: ${(e as Error).message}`, { cause: e });
  }
  try {
    const r = db.pragma('quick_check', { simple: true });
    if (r !== 'ok') throw new StoreError(`${label}: damaged database: ${String(r)}`);
    return db.pragma('user_version', { simple: true }) as number;
  } catch (e) {
    throw e instanceof StoreError ? e : new StoreError(`${label}: ${(e as Error).message}`, { cause: e });
  } finally {
    db.close();
  }
}

export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}
