// Console sessions written through to system.sqlite (issue 14): a new ConsoleSessions on the
// same file (a restart) knows the cookie; logout, expiry, the sweep and a deleted tenant
// delete the rows; the cookie value itself is never stored.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SystemStore } from '../store/system-store.js';
import { FakeClock } from '../util/fake-clock.js';
import { ConsoleSessions, TOUCH_GRANULARITY_MS, type ConsoleAccount } from './console-sessions.js';

const MIN = 60_000;
const alice: ConsoleAccount = { username: '1001@acme.example', passwordHash: 'h1', ext: '1001', principal: { role: 'user', tokenId: 'web', tenantId: 'acme', ext: '1001' } };
const dana: ConsoleAccount = { username: '1004@acme.example', passwordHash: 'h4', ext: '1004', principal: { role: 'tenant-admin', tokenId: 'web', tenantId: 'acme' } };
const root: ConsoleAccount = { username: 'root', passwordHash: 'hr', principal: { role: 'provider', tokenId: 'web' } };

let dir = '';
let clock: FakeClock;
let sys: SystemStore;
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-sessions-'));
  clock = new FakeClock();
  sys = SystemStore.open(dir, { clock });
  sys.upsertTenant({ id: 'acme', name: 'Acme' });
  sys.upsertTenant({ id: 'globex', name: 'Globex' });
});
test.after.each(() => {
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

const sessionsOn = (s: SystemStore, extra: Partial<ConstructorParameters<typeof ConsoleSessions>[0]> = {}) =>
  new ConsoleSessions({ clock, idleMs: 30 * MIN, maxMs: 12 * 60 * MIN, rows: s.consoleSessions, ...extra });

/** Closes the store and opens it again: what a restart of the process sees. */
function reopen(): SystemStore {
  sys.close();
  sys = SystemStore.open(dir, { clock });
  return sys;
}

test('a restart keeps every kind of session with its principal, CSRF token and times; the cookie itself is not in the file', () => {
  const before = sessionsOn(sys);
  const a = before.create(alice);
  const d = before.create(dana);
  const r = before.create(root);
  clock.advance(5 * MIN);
  const after = sessionsOn(reopen());
  assert.is(after.size, 3);
  for (const [was, account] of [[a, alice], [d, dana], [r, root]] as const) {
    const got = after.get(was.id);
    assert.ok(got, `${account.username} is still logged in`);
    assert.equal(got!.principal, was.session.principal);
    assert.is(got!.ext, account.ext);
    assert.is(got!.username, account.username);
    assert.is(got!.csrfToken, was.session.csrfToken);
    assert.is(got!.createdAt, was.session.createdAt);
    assert.ok(after.isLive(was.session.principal.tokenId));
  }
  const file = readFileSync(join(dir, 'system.sqlite')).toString('latin1') + readFileSync(join(dir, 'system.sqlite-wal')).toString('latin1');
  for (const was of [a, d, r]) assert.not.ok(file.includes(was.id), 'the cookie value is not stored');
  assert.ok(sys.consoleSessions.get(a.session.key), 'its hash is the key');
});

test('logout deletes the row: after a restart the cookie is refused', () => {
  const before = sessionsOn(sys);
  const a = before.create(alice);
  const b = before.create(alice);
  assert.ok(before.end(a.id));
  assert.is(sys.consoleSessions.get(a.session.key), undefined);
  const after = sessionsOn(reopen());
  assert.is(after.get(a.id), undefined);
  assert.ok(after.get(b.id));
});

test('idle expiry across a restart: the last use is written at most once a minute, and a restored session ends on time', () => {
  const before = sessionsOn(sys);
  const a = before.create(alice);
  clock.advance(TOUCH_GRANULARITY_MS / 2);
  before.get(a.id);
  assert.is(sys.consoleSessions.get(a.session.key)!.lastSeenAt, a.session.createdAt, 'not written within the minute');
  clock.advance(TOUCH_GRANULARITY_MS);
  before.get(a.id);
  const seen = clock.now();
  assert.is(sys.consoleSessions.get(a.session.key)!.lastSeenAt, seen, 'written after it');
  const after = sessionsOn(reopen());
  clock.advance(29 * MIN);
  assert.ok(after.get(a.id), 'within 30 minutes of its last use');
  clock.advance(30 * MIN + 1);
  assert.is(after.get(a.id), undefined, 'idle too long');
  assert.is(sys.consoleSessions.get(a.session.key), undefined, 'its row went with it');
});

test('a start deletes expired rows; the absolute limit holds across a restart', () => {
  const before = sessionsOn(sys);
  const idle = before.create(alice);
  clock.advance(20 * MIN);
  const busy = before.create(dana);
  clock.advance(11 * MIN);
  const after = sessionsOn(reopen());
  assert.is(sys.consoleSessions.get(idle.session.key), undefined, 'the idle one was deleted at start');
  assert.is(after.get(idle.id), undefined);
  const loginAt = busy.session.createdAt;
  assert.ok(after.get(busy.id), 'used 11 minutes after its login: restored');
  while (clock.now() + 20 * MIN < loginAt + 12 * 60 * MIN) {
    clock.advance(20 * MIN);
    assert.ok(after.get(busy.id), `in use at +${(clock.now() - loginAt) / MIN} min`);
  }
  clock.advance(20 * MIN);
  assert.is(sessionsOn(reopen()).get(busy.id), undefined, 'past 12 hours after the login, restart or not');
});

test('the sweep runs on the clock: expired rows go without any request, and stop() ends it', () => {
  const sessions = sessionsOn(sys);
  sessions.startSweeping(5 * MIN);
  const a = sessions.create(alice);
  assert.is(clock.timerCount, 1);
  clock.advance(31 * MIN);
  assert.is(sys.consoleSessions.get(a.session.key), undefined, 'swept');
  assert.is(sessions.size, 0);
  sessions.stop();
  assert.is(clock.timerCount, 0);
});

test('a changed password: the other sessions of the extension are deleted, the one that changed it keeps the new hash across a restart', () => {
  const before = sessionsOn(sys);
  const mine = before.create(alice);
  const other = before.create(alice);
  assert.is(before.passwordChanged('acme', '1001', 'h2', mine.session.principal.tokenId), 1);
  assert.is(sys.consoleSessions.get(other.session.key), undefined);
  const after = sessionsOn(reopen(), { stillValid: (s) => s.passwordHash === 'h2' });
  assert.is(after.get(mine.id)!.passwordHash, 'h2');
  assert.is(after.get(other.id), undefined);
});

test("a deleted tenant's sessions go with its row; other tenants' and the provider's stay", () => {
  const sessions = sessionsOn(sys);
  const a = sessions.create(alice);
  const g = sessions.create({ ...alice, username: '1001@globex.example', principal: { ...alice.principal, tenantId: 'globex' } });
  const r = sessions.create(root);
  sys.removeTenant('acme');
  const after = sessionsOn(reopen());
  assert.is(after.get(a.id), undefined);
  assert.ok(after.get(g.id));
  assert.ok(after.get(r.id));
});

test('a session of a tenant not in system.sqlite lives in memory only; a start loads at most maxSessions, the most recent', () => {
  const sessions = sessionsOn(sys, { maxSessions: 2 });
  const ghost = sessions.create({ ...alice, principal: { ...alice.principal, tenantId: 'nosuch' } });
  assert.ok(sessions.get(ghost.id));
  assert.is(sys.consoleSessions.all().length, 0);
  sessions.end(ghost.id);
  const unlimited = sessionsOn(sys);
  const first = unlimited.create(alice);
  clock.advance(1000);
  const second = unlimited.create(alice);
  clock.advance(1000);
  const third = unlimited.create(alice);
  const after = sessionsOn(reopen(), { maxSessions: 2 });
  assert.is(after.size, 2);
  assert.is(after.get(first.id), undefined, 'the least recently used one is dropped');
  assert.ok(after.get(second.id));
  assert.ok(after.get(third.id));
  assert.is(sys.consoleSessions.all().length, 2);
});

test.run();
