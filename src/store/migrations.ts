import type Database from 'better-sqlite3';
import { StoreError } from '../util/errors.js';

/** One schema step. Versions run 1, 2, 3 … with no gaps; a released step is never edited. */
export interface Migration {
  version: number;
  sql: string;
  /**
   * The step rebuilds a table that others reference (SQLite cannot alter a CHECK): it runs
   * with foreign keys off (so dropping the old table cascades nothing) and
   * PRAGMA foreign_key_check must find no violation before it commits (the 12-step
   * procedure of https://sqlite.org/lang_altertable.html).
   */
  rebuildsTables?: boolean;
}

export interface MigrationResult {
  from: number;
  to: number;
}

/**
 * Brings a database up to the last migration, tracking the schema version in
 * PRAGMA user_version. Each step runs in its own IMMEDIATE transaction that
 * re-reads the version first, so two processes opening the same file at once
 * apply each step exactly once. A database newer than the code is refused.
 */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[], label = db.name): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new StoreError(`${label}: migration #${i} has version ${m.version}, expected ${i + 1}`);
  });
  const latest = migrations.length;
  const readVersion = (): number => db.pragma('user_version', { simple: true }) as number;
  const from = readVersion();
  if (from > latest) {
    throw new StoreError(`${label}: schema version ${from} is newer than this program knows (${latest}); refusing to open`);
  }
  for (const m of migrations) {
    if (m.version <= from) continue;
    const step = db.transaction(() => {
      const current = readVersion();
      if (current >= m.version) return; // another connection got here first
      if (current !== m.version - 1) throw new StoreError(`${label}: schema version ${current} cannot take migration ${m.version}`);
      db.exec(m.sql);
      if (m.rebuildsTables) {
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new StoreError(`${label}: migration ${m.version} would break ${broken.length} foreign key(s)`);
      }
      // user_version lives in the database header, so it commits or rolls back with the step.
      db.pragma(`user_version = ${m.version}`);
    });
    // PRAGMA foreign_keys cannot change inside a transaction: switch it around the step.
    const fkWasOn = m.rebuildsTables ? (db.pragma('foreign_keys', { simple: true }) as number) === 1 : false;
    if (fkWasOn) db.pragma('foreign_keys = OFF');
    try {
      step.immediate();
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw new StoreError(`${label}: migration ${m.version} failed: ${(e as Error).message}`, { cause: e });
    } finally {
      if (fkWasOn) db.pragma('foreign_keys = ON');
    }
  }
  return { from, to: readVersion() };
}
