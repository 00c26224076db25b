// Issue 16 findings 6 and 9 at the level of the source guard: a ban never blocks an
// authenticated flow or a trunk; a global admission limit sheds unknown sources first.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { memoryLogger } from '../../util/logger.js';
import { SourceGuard, type Admission, type SourceGuardOptions } from './source-guard.js';

const PHONE = '192.0.2.20';
const TRUNK = '203.0.113.5';

function setup(over: Partial<SourceGuardOptions> = {}) {
  const clock = new FakeClock();
  const logger = memoryLogger();
  const guard = new SourceGuard({
    trusted: ['10.0.0.0/8'],
    floodRate: 20,
    floodBanSeconds: 120,
    authFailBan: { attempts: 5, windowSeconds: 60, banSeconds: 600 },
    clock,
    logger,
    isTrunkAddress: (a) => a === TRUNK,
    ...over,
  });
  return { clock, logger, guard };
}

test('failed logins from a registered phone\'s address on another port: that port is refused, the phone\'s own port is served', () => {
  const { clock, guard } = setup();
  guard.registered(PHONE, 5060, 3600);
  for (let i = 0; i < 11; i++) guard.authFailed(PHONE, 40_000);
  assert.is(guard.admit(PHONE, 40_000), 'banned', 'the attacking port');
  assert.is(guard.admit(PHONE, 40_001), 'banned', 'any unknown port');
  assert.is(guard.admit(PHONE, 5060), 'ok', 'the phone');
  clock.advance(3_000_000);
  assert.is(guard.admit(PHONE, 5060), 'ok', 'still, while its binding lives');
  clock.advance(700_000);
  assert.is(guard.admit(PHONE, 40_000), 'ok', 'the ban has expired');
});

test('a phone flow stops being exempt when the binding has expired', () => {
  const { clock, guard } = setup();
  guard.registered(PHONE, 5060, 60);
  clock.advance(60_000 + 32_000);
  for (let i = 0; i < 5; i++) guard.authFailed(PHONE, 40_000);
  assert.is(guard.admit(PHONE, 5060), 'banned');
});

test('a source with no binding is banned as before, on every port', () => {
  const { guard } = setup();
  for (let i = 0; i < 5; i++) guard.authFailed('192.0.2.99', 1000 + i);
  assert.is(guard.admit('192.0.2.99', 5060), 'banned');
  assert.is(guard.admit('192.0.2.99', 1000), 'banned');
});

test('an exempt flow that fails itself is banned on its own (a valid account is no brute-force channel)', () => {
  const { guard } = setup();
  guard.authSucceeded(PHONE, 5060);
  for (let i = 0; i < 5; i++) guard.authFailed(PHONE, 5060);
  assert.is(guard.admit(PHONE, 5060), 'banned');
  guard.authSucceeded(PHONE, 5070);
  assert.is(guard.admit(PHONE, 5070), 'ok', 'another authenticated flow of the address is still served');
});

test('a trunk address is never banned as a whole: failing ports are, the carrier\'s own is not', () => {
  const { guard } = setup();
  for (let i = 0; i < 11; i++) guard.authFailed(TRUNK, 40_000);
  assert.is(guard.admit(TRUNK, 40_000), 'banned', 'the failing port');
  assert.is(guard.admit(TRUNK, 5060), 'ok', 'the carrier');
});

test('a flood from other ports of a phone\'s address is limited per port: the phone keeps its own allowance', () => {
  const { clock, guard } = setup();
  guard.registered(PHONE, 5060, 3600);
  const counts: Record<string, Record<Admission, number>> = { flood: { ok: 0, throttled: 0, banned: 0 }, phone: { ok: 0, throttled: 0, banned: 0 } };
  // 5 s: 400/s from port 40000, 5/s from the phone.
  for (let t = 0; t < 5000; t += 2.5) {
    clock.advanceTo(1_700_000_000_000 + t);
    counts.flood[guard.admit(PHONE, 40_000)]++;
    if (t % 200 === 0) counts.phone[guard.admit(PHONE, 5060)]++;
  }
  assert.is(counts.phone.ok, 25, JSON.stringify(counts));
  assert.ok(counts.flood.banned > 0, 'the flooding port is banned');
});

test('global admission: saturated by many unknown sources each under its own limit, known sources are still served', () => {
  const { clock, guard, logger } = setup({ admissionRate: 100 });
  guard.registered(PHONE, 5060, 3600);
  let phoneOk = 0;
  let unknownOk = 0;
  let unknown = 0;
  // 3 s; 40 sources at 15/s each (600/s, each under floodRate 20), the phone at 10/s, the trunk at 10/s.
  for (let ms = 0; ms < 3000; ms++) {
    clock.advanceTo(1_700_000_000_000 + ms);
    if (ms % 66 === 0) {
      for (let s = 0; s < 40; s++) {
        unknown++;
        if (guard.admit(`198.51.100.${s + 10}`, 5060) === 'ok') unknownOk++;
      }
    }
    if (ms % 100 === 0) {
      if (guard.admit(PHONE, 5060) === 'ok') phoneOk++;
      assert.is(guard.admit(TRUNK, 5060), 'ok', 'the trunk');
      assert.is(guard.admit('10.1.2.3', 5060), 'ok', 'a trusted source');
    }
  }
  assert.is(phoneOk, 30, 'every message of the registered phone');
  assert.ok(unknownOk < unknown / 2, `unknown sources shed: ${unknownOk} of ${unknown}`);
  assert.ok(unknownOk >= 100, 'but they still get the rest of the rate');
  const s = guard.stats();
  assert.is(s.shedTotal, unknown - unknownOk);
  assert.is(s.banned, 0, 'shedding bans nobody');
  assert.is(logger.lines.filter((l) => /admission limit reached/.test(l)).length, 1, 'logged once a minute at most');
});

test('admissionRate 0 turns the global limit off; reconfigure turns it on', () => {
  const { guard } = setup({ admissionRate: 0 });
  for (let i = 0; i < 1000; i++) assert.is(guard.admit(`198.51.100.${i % 200}`, 1), 'ok');
  guard.reconfigure({ trusted: [], floodRate: 20, floodBanSeconds: 120, authFailBan: { attempts: 5, windowSeconds: 60, banSeconds: 600 }, admissionRate: 10 });
  let shed = 0;
  for (let i = 0; i < 100; i++) if (guard.admit(`198.51.100.${i % 200}`, 1) !== 'ok') shed++;
  assert.is(shed, 90);
  assert.throws(() => guard.reconfigure({ trusted: [], floodRate: 20, floodBanSeconds: 120, authFailBan: { attempts: 5, windowSeconds: 60, banSeconds: 600 }, admissionRate: -1 }), /admissionRate/);
});

test.run();
