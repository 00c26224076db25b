import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { ConsoleSessions, type ConsoleAccount } from './console-sessions.js';
import { clearSessionCookie, sessionCookie, setSessionCookie } from './session-cookie.js';
import { csrfMatches } from './console-auth.js';

const MIN = 60_000;
const alice: ConsoleAccount = { username: '1001@acme.example', passwordHash: 'h1', ext: '1001', principal: { role: 'user', tokenId: 'web', tenantId: 'acme', ext: '1001' } };

test('a session ends 30 minutes after its last use, and 12 hours after the login whatever happens', () => {
  const clock = new FakeClock();
  const sessions = new ConsoleSessions({ clock, idleMs: 30 * MIN, maxMs: 12 * 60 * MIN });
  const { id, session } = sessions.create(alice);
  assert.match(id, /^[A-Za-z0-9_-]{43}$/);
  assert.match(session.principal.tokenId, /^web:[0-9a-f]{12}$/);
  assert.is.not(session.csrfToken, id);
  clock.advance(29 * MIN);
  assert.ok(sessions.get(id), 'used within the idle time');
  clock.advance(29 * MIN);
  assert.ok(sessions.get(id), 'the idle timer restarted');
  clock.advance(31 * MIN);
  assert.is(sessions.get(id), undefined, 'idle too long');
  assert.is(sessions.size, 0);

  const b = sessions.create(alice);
  for (let i = 0; i < 24; i++) {
    clock.advance(29 * MIN);
    assert.ok(sessions.get(b.id), `use ${i}`);
  }
  clock.advance(29 * MIN);
  assert.is(sessions.get(b.id), undefined, 'past 12 hours');
});

test('logout, a changed password, an account no longer valid: the session is gone', () => {
  const clock = new FakeClock();
  let valid = true;
  const sessions = new ConsoleSessions({ clock, idleMs: 30 * MIN, maxMs: 12 * 60 * MIN, stillValid: () => valid });
  const a = sessions.create(alice);
  assert.ok(sessions.end(a.id));
  assert.is(sessions.get(a.id), undefined);
  assert.not.ok(sessions.end(a.id));

  const mine = sessions.create(alice);
  const other = sessions.create(alice);
  const bob = sessions.create({ ...alice, username: '1002@acme.example', ext: '1002', principal: { ...alice.principal, ext: '1002' } });
  assert.is(sessions.passwordChanged('acme', '1001', 'h2', mine.session.principal.tokenId), 1);
  assert.is(sessions.get(mine.id)!.passwordHash, 'h2', 'the session that changed it goes on with the new hash');
  assert.is(sessions.get(other.id), undefined);
  assert.ok(sessions.get(bob.id), 'another extension is not touched');
  assert.ok(sessions.isLive(bob.session.principal.tokenId));
  valid = false;
  assert.is(sessions.get(bob.id), undefined);
  assert.not.ok(sessions.isLive(mine.session.principal.tokenId));
});

test('unknown, empty or oversized ids find nothing; the number of sessions is capped', () => {
  const clock = new FakeClock();
  const sessions = new ConsoleSessions({ clock, idleMs: MIN, maxMs: MIN, maxSessions: 3 });
  const first = sessions.create(alice);
  for (const id of ['', 'x', 'A'.repeat(43), 'A'.repeat(10_000)]) assert.is(sessions.get(id), undefined);
  sessions.create(alice);
  sessions.create(alice);
  sessions.create(alice);
  assert.is(sessions.size, 3);
  assert.is(sessions.get(first.id), undefined, 'the least recently used one went');
});

test('the cookie: its attributes, and reading it back from a Cookie header', () => {
  assert.is(setSessionCookie('abc'), 'pbx_session=abc; HttpOnly; SameSite=Strict; Path=/; Secure');
  assert.match(clearSessionCookie(), /^pbx_session=; .*Max-Age=0$/);
  assert.is(sessionCookie('a=1; pbx_session=abc_-9; b=2'), 'abc_-9');
  assert.is(sessionCookie(['x=1', 'pbx_session=zz']), 'zz');
  assert.is(sessionCookie('pbx_session2=abc'), undefined);
  assert.is(sessionCookie('pbx_session=a;b'), 'a');
  assert.is(sessionCookie('pbx_session="quoted"'), undefined);
  assert.is(sessionCookie('pbx_session=' + 'a'.repeat(200)), undefined);
  assert.is(sessionCookie(undefined), undefined);
  assert.ok(csrfMatches('abc', 'abc'));
  assert.not.ok(csrfMatches('abd', 'abc'));
  assert.not.ok(csrfMatches('', ''));
  assert.not.ok(csrfMatches('abcd', 'abc'));
});

test.run();
