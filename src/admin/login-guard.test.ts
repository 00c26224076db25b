import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { LoginGuard } from './login-guard.js';

const policy = { attempts: 3, windowSeconds: 60, banSeconds: 600, userAttempts: 5 };

test('an address that fails `attempts` times within the window is refused for banSeconds', () => {
  const clock = new FakeClock();
  const fed: string[] = [];
  const g = new LoginGuard({ clock, policy: () => policy, onFailure: (a) => fed.push(a) });
  g.failed('192.0.2.1', 'a@x');
  g.failed('192.0.2.1', 'b@x');
  assert.equal(g.check('192.0.2.1', 'c@x'), { ok: true });
  g.failed('192.0.2.1', 'c@x');
  assert.equal(g.check('192.0.2.1', 'c@x'), { ok: false, retryAfterSeconds: 600, why: 'address' });
  assert.equal(g.check('192.0.2.2', 'c@x'), { ok: true }, 'another address is not refused');
  assert.equal(fed, ['192.0.2.1', '192.0.2.1', '192.0.2.1'], 'each failure goes to the SIP ban list too');
  clock.advance(599_000);
  assert.is((g.check('192.0.2.1', 'c@x') as { retryAfterSeconds: number }).retryAfterSeconds, 1);
  clock.advance(1_000);
  assert.equal(g.check('192.0.2.1', 'c@x'), { ok: true });
});

test('failures spread over time do not add up; a username is locked after userAttempts from many addresses', () => {
  const clock = new FakeClock();
  const g = new LoginGuard({ clock, policy: () => policy });
  for (let i = 0; i < 10; i++) {
    g.failed('192.0.2.9', `u${i}`);
    clock.advance(31_000);
  }
  assert.equal(g.check('192.0.2.9', 'z'), { ok: true });
  for (let i = 0; i < 5; i++) g.failed(`198.51.100.${i}`, '1001@Acme.example');
  const v = g.check('203.0.113.1', '1001@acme.example');
  assert.equal(v, { ok: false, retryAfterSeconds: 600, why: 'username' });
  g.succeeded('1001@acme.example');
  assert.equal(g.check('203.0.113.1', '1001@acme.example'), { ok: true });
});

test('trusted addresses are never refused nor counted; a SIP-banned address is refused', () => {
  const clock = new FakeClock();
  const g = new LoginGuard({ clock, policy: () => policy, isTrusted: (a) => a === '10.0.0.1', isBanned: (a) => a === '192.0.2.66' });
  for (let i = 0; i < 10; i++) g.failed('10.0.0.1', 'x');
  assert.equal(g.check('10.0.0.1', 'x'), { ok: true });
  assert.equal(g.check('192.0.2.66', 'y'), { ok: false, retryAfterSeconds: 600, why: 'address' });
});

test('memory is bounded: at most maxTracked addresses', () => {
  const clock = new FakeClock();
  const g = new LoginGuard({ clock, policy: () => policy, maxTracked: 100 });
  for (let i = 0; i < 1000; i++) g.failed(`10.1.${i >> 8}.${i & 255}`, `u${i}`);
  const m = (g as unknown as { byAddress: Map<string, unknown>; byUser: Map<string, unknown> });
  assert.ok(m.byAddress.size <= 100);
  assert.ok(m.byUser.size <= 100);
});

test.run();
