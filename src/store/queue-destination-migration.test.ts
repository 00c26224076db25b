// The tenant step that lets a stored destination be a call queue: a database made by the
// steps before it keeps its inbound routes, ring groups (with their members) and forwards,
// and afterwards takes { queue } where it refused it before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyMigrations } from './migrations.js';
import { TENANT_MIGRATIONS } from './tenant-schema.js';

test('rows kept, queue destinations accepted after the step', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-queue-migration-'));
  try {
    const db = new Database(join(dir, 'tenant.sqlite'));
    db.pragma('foreign_keys = ON');
    const step = TENANT_MIGRATIONS.findIndex((m) => m.sql.includes("'queue'"));
    assert.ok(step > 0, 'a step adds queue');
    applyMigrations(db, TENANT_MIGRATIONS.slice(0, step));
    const cols = (db.prepare('PRAGMA table_info(extensions)').all() as Array<{ name: string; notnull: number; dflt_value: unknown }>).filter((c) => c.notnull === 1 && c.dflt_value === null);
    db.prepare(`INSERT INTO extensions (${cols.map((c) => c.name).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => (c.name === 'ext' ? '1001' : /_at$|position/.test(c.name) ? 1 : 'x')));
    const insertRoute = db.prepare("INSERT INTO inbound_routes (did, position, dest_type, dest_target, updated_at) VALUES (?, 0, ?, ?, 1)");
    insertRoute.run('+14155550100', 'ivr', 'main');
    assert.throws(() => insertRoute.run('+14155550101', 'queue', 'sales'), /CHECK/);
    db.prepare("INSERT INTO ring_groups (name, position, strategy, ring_seconds, fallback_type, fallback_target, updated_at) VALUES ('sales', 0, 'simultaneous', 20, 'hangup', NULL, 1)").run();
    db.prepare("INSERT INTO ring_group_members (ring_group, position, ext) VALUES ('sales', 0, '1001')").run();
    db.prepare("INSERT INTO call_handling (ext, dnd, busy_type, busy_target, updated_at) VALUES ('1001', 1, 'voicemail', '1001', 1)").run();

    applyMigrations(db, TENANT_MIGRATIONS);
    assert.equal(db.prepare('SELECT did, dest_type, dest_target FROM inbound_routes').all(), [{ did: '+14155550100', dest_type: 'ivr', dest_target: 'main' }]);
    assert.equal(db.prepare('SELECT name, fallback_type FROM ring_groups').all(), [{ name: 'sales', fallback_type: 'hangup' }]);
    assert.equal(db.prepare('SELECT ring_group, ext FROM ring_group_members').all(), [{ ring_group: 'sales', ext: '1001' }], 'members kept');
    assert.equal(db.prepare('SELECT ext, dnd, busy_type, busy_target FROM call_handling').all(), [{ ext: '1001', dnd: 1, busy_type: 'voicemail', busy_target: '1001' }]);
    insertRoute.run('+14155550101', 'queue', 'sales');
    db.prepare("UPDATE call_handling SET always_type = 'queue', always_target = 'sales'").run();
    db.prepare("UPDATE ring_groups SET fallback_type = 'queue', fallback_target = 'sales'").run();
    assert.throws(() => insertRoute.run('+14155550102', 'parking', '70'), /CHECK/);
    assert.equal(db.pragma('foreign_key_check'), []);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
