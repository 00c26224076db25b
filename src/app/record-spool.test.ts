import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import { PbxMetrics } from '../util/pbx-metrics.js';
import { RecordSpool } from './record-spool.js';

/** A real SQLite database that runs out of room: max_page_count makes inserts fail with SQLITE_FULL, as a full disk does. */
function smallDb() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE rec (id TEXT PRIMARY KEY, body TEXT)');
  const insert = db.prepare<[string, string]>('INSERT INTO rec VALUES (?, ?)');
  const pages = () => db.pragma('page_count', { simple: true }) as number;
  const fill = () => {
    db.pragma(`max_page_count = ${pages()}`);
    let i = 0;
    try {
      for (;;) insert.run(`filler-${i++}`, 'x'.repeat(2000));
    } catch (e) {
      assert.is((e as { code?: string }).code, 'SQLITE_FULL');
    }
  };
  const free = () => {
    db.exec("DELETE FROM rec WHERE id LIKE 'filler-%'");
    db.pragma('max_page_count = 100000');
  };
  const ids = () => (db.prepare("SELECT id FROM rec WHERE id NOT LIKE 'filler-%' ORDER BY rowid").pluck().all() as string[]);
  return { db, insert, fill, free, ids };
}

test('writes refused for lack of room are queued in order and written once there is room again', () => {
  const clock = new FakeClock();
  const spool = new RecordSpool({ clock, logger: silentLogger, retryMs: 1_000, maxPerTenant: 100, metrics: new PbxMetrics() });
  const d = smallDb();
  const w = (id: string, outbound?: { startedAt: number; billableS: number }) => ({ what: 'end' as const, run: () => void d.insert.run(id, 'y'.repeat(3000)), ...(outbound ? { outbound } : {}) });
  spool.write('acme', w('before'));
  assert.not.ok(spool.blocked('acme'));
  d.fill();
  spool.write('acme', w('call-1'));
  spool.write('acme', w('call-2', { startedAt: 5_000, billableS: 60 }));
  spool.write('acme', w('call-3', { startedAt: 1_000, billableS: 30 }));
  assert.ok(spool.blocked('acme'), 'the tenant cannot write records now');
  assert.not.ok(spool.blocked('globex'), 'another tenant is not affected');
  assert.is(spool.pending('acme'), 3);
  assert.is(spool.pendingOutboundSecondsSince('acme', 2_000), 60, 'queued outbound seconds count against the cap');
  clock.advance(3_000); // retries while the disk is still full change nothing
  assert.is(spool.pending('acme'), 3);
  d.free();
  clock.advance(1_000);
  assert.is(spool.pending(), 0);
  assert.not.ok(spool.blocked('acme'));
  assert.equal(d.ids(), ['before', 'call-1', 'call-2', 'call-3'], 'nothing lost, order kept');
  spool.stop();
});

test('a write that can never succeed is dropped, not queued (it would block the tenant for ever)', () => {
  const clock = new FakeClock();
  const spool = new RecordSpool({ clock, logger: silentLogger, retryMs: 1_000, maxPerTenant: 100, metrics: new PbxMetrics() });
  const d = smallDb();
  spool.write('acme', { what: 'start', run: () => void d.insert.run('dup', '') });
  spool.write('acme', { what: 'start', run: () => void d.insert.run('dup', '') }); // SQLITE_CONSTRAINT
  spool.write('acme', { what: 'end', run: () => { throw new RangeError('bad record'); } });
  assert.not.ok(spool.blocked('acme'));
  assert.equal(d.ids(), ['dup']);
  spool.stop();
});

test('the queue of a tenant is bounded: past maxPerTenant the oldest write is dropped', async () => {
  const clock = new FakeClock();
  const metrics = new PbxMetrics();
  const spool = new RecordSpool({ clock, logger: silentLogger, retryMs: 1_000, maxPerTenant: 3, metrics });
  const full = () => {
    throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  };
  for (let i = 0; i < 5; i++) spool.write('acme', { what: 'start', run: full });
  assert.is(spool.pending('acme'), 3);
  assert.is(await metrics.recordsPending.get({ tenant: 'acme' }), 3);
  assert.is(await metrics.recordWriteFailures.get({ tenant: 'acme' }), 5);
  assert.is(await metrics.recordsLost.get({ tenant: 'acme' }), 2);
  assert.is(await metrics.recordsLost.get({ tenant: 'globex' }), 0, 'counted on the tenant whose writes failed');
  spool.stop();
});

test.run();
