import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StoreError } from '../util/errors.js';
import { applyMigrations, type Migration } from './migrations.js';

let dir = '';
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-migrations-'));
});
test.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

const V1: Migration = { version: 1, sql: 'CREATE TABLE a (x INTEGER);' };
const V2: Migration = { version: 2, sql: 'CREATE TABLE b (y TEXT); INSERT INTO a VALUES (1);' };

const tables = (db: Database.Database) =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];

test('applies in order, sets user_version, and is idempotent', () => {
  const file = join(dir, 'x.sqlite');
  let db = new Database(file);
  assert.equal(applyMigrations(db, [V1, V2]), { from: 0, to: 2 });
  assert.equal(tables(db), ['a', 'b']);
  assert.is(db.pragma('user_version', { simple: true }), 2);
  assert.equal(applyMigrations(db, [V1, V2]), { from: 2, to: 2 });
  assert.is(db.prepare('SELECT count(*) FROM a').pluck().get(), 1, 'V2 ran once');
  db.close();
  db = new Database(file);
  assert.equal(applyMigrations(db, [V1, V2]), { from: 2, to: 2 });
  assert.is(db.prepare('SELECT count(*) FROM a').pluck().get(), 1);
  db.close();
});

test('upgrades an older database with only the new steps', () => {
  const db = new Database(join(dir, 'x.sqlite'));
  assert.equal(applyMigrations(db, [V1]), { from: 0, to: 1 });
  db.prepare('INSERT INTO a VALUES (7)').run();
  assert.equal(applyMigrations(db, [V1, V2]), { from: 1, to: 2 });
  assert.equal(db.prepare('SELECT x FROM a ORDER BY x').pluck().all(), [1, 7]);
  db.close();
});

test('refuses a database newer than the code knows, changing nothing', () => {
  const db = new Database(join(dir, 'x.sqlite'));
  applyMigrations(db, [V1, V2]);
  assert.throws(() => applyMigrations(db, [V1]), (e: unknown) => e instanceof StoreError && /newer/.test(e.message));
  assert.is(db.pragma('user_version', { simple: true }), 2);
  db.close();
});

test('a failing step rolls back whole and leaves the version where it was', () => {
  const db = new Database(join(dir, 'x.sqlite'));
  const broken: Migration = { version: 2, sql: 'CREATE TABLE b (y TEXT); INSERT INTO nowhere VALUES (1);' };
  assert.throws(() => applyMigrations(db, [V1, broken]), (e: unknown) => e instanceof StoreError && /migration 2/.test(e.message));
  assert.is(db.pragma('user_version', { simple: true }), 1);
  assert.equal(tables(db), ['a'], 'table b of the failed step is gone');
  assert.equal(applyMigrations(db, [V1, V2]), { from: 1, to: 2 });
  db.close();
});

test('refuses a list with gaps or out of order', () => {
  const db = new Database(join(dir, 'x.sqlite'));
  assert.throws(() => applyMigrations(db, [V2]), (e: unknown) => e instanceof StoreError);
  assert.throws(() => applyMigrations(db, [V1, { version: 3, sql: '' }]), (e: unknown) => e instanceof StoreError);
  assert.is(db.pragma('user_version', { simple: true }), 0);
  db.close();
});

test.run();
