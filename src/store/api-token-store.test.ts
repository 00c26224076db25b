import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { sha256 } from './api-token-store.js';
import { SystemStore } from './system-store.js';

let dir = '';
let clock: FakeClock;
let sys: SystemStore;
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-tokens-'));
  clock = new FakeClock(1_700_000_000_000);
  sys = SystemStore.open(dir, { clock });
  sys.upsertTenant({ id: 'acme', name: 'Acme' });
});
test.after.each(() => {
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a token is pbx_<id>_<secret>, verifies, and only the hash of its secret is stored', () => {
  const { token, record } = sys.tokens.create({ role: 'tenant-admin', tenantId: 'acme', label: 'ops', createdBy: 'admin' });
  const m = /^pbx_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
  assert.ok(m, token);
  assert.is(m![1], record.id);
  assert.equal(sys.tokens.verify(token), { ...record, lastUsedAt: clock.now() });
  sys.close();
  const db = new Database(join(dir, 'system.sqlite'), { readonly: true });
  const rows = db.prepare('SELECT * FROM api_tokens').all() as Array<Record<string, unknown>>;
  db.close();
  assert.is(rows.length, 1);
  assert.equal(rows[0]!['hash'], sha256(m![2]!));
  const dump = JSON.stringify(rows);
  assert.not.ok(dump.includes(m![2]!), 'the secret itself is nowhere in the table');
  sys = SystemStore.open(dir, { clock });
});

test('a wrong secret, a malformed text, an unknown id and a revoked token do not verify', () => {
  const { token, record } = sys.tokens.create({ role: 'provider', createdBy: 'admin' });
  const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  assert.is(sys.tokens.verify(wrong), undefined);
  assert.is(sys.tokens.verify(token + 'x'), undefined);
  assert.is(sys.tokens.verify('pbx_0000000000000000_' + token.split('_').slice(2).join('_')), undefined);
  assert.is(sys.tokens.verify(''), undefined);
  assert.ok(sys.tokens.verify(token));
  assert.is(sys.tokens.revoke(record.id), true);
  assert.is(sys.tokens.revoke(record.id), false, 'once');
  assert.is(sys.tokens.verify(token), undefined);
  assert.is(sys.tokens.get(record.id)!.revokedAt, clock.now(), 'still listed, with when');
});

test('role shapes are enforced; last_used_at is written at most once a minute', () => {
  assert.throws(() => sys.tokens.create({ role: 'provider', tenantId: 'acme', createdBy: 'admin' }));
  assert.throws(() => sys.tokens.create({ role: 'tenant-admin', createdBy: 'admin' }));
  assert.throws(() => sys.tokens.create({ role: 'user', tenantId: 'acme', createdBy: 'admin' }));
  assert.throws(() => sys.tokens.create({ role: 'user', tenantId: 'nope', ext: '1001', createdBy: 'admin' }), /FOREIGN KEY/);
  const { token, record } = sys.tokens.create({ role: 'user', tenantId: 'acme', ext: '1001', createdBy: 'x' });
  sys.tokens.verify(token);
  clock.advance(30_000);
  assert.is(sys.tokens.verify(token)!.lastUsedAt, 1_700_000_000_000);
  clock.advance(30_000);
  assert.is(sys.tokens.verify(token)!.lastUsedAt, 1_700_000_060_000);
  assert.equal(sys.tokens.list({ tenantId: 'acme' }).map((t) => t.id), [record.id]);
});

test("a tenant's tokens go with its row", () => {
  sys.tokens.create({ role: 'tenant-admin', tenantId: 'acme', createdBy: 'admin' });
  sys.tokens.create({ role: 'provider', createdBy: 'admin' });
  sys.removeTenant('acme');
  assert.equal(sys.tokens.list().map((t) => t.role), ['provider']);
});

test.run();
