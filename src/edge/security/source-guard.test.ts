import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { memoryLogger } from '../../util/logger.js';
import { InvalidAddressError } from '../../util/ip.js';
import { SourceGuard, type Admission, type SourceGuardOptions, type SourceGuardPolicy } from './source-guard.js';

const policy: SourceGuardPolicy = {
  trusted: ['10.0.0.0/8', '2001:db8:7::/48', '198.51.100.5'],
  floodRate: 20,
  floodBanSeconds: 120,
  authFailBan: { attempts: 5, windowSeconds: 60, banSeconds: 600 },
};

function setup(over: Partial<SourceGuardOptions> = {}) {
  const clock = new FakeClock();
  const logger = memoryLogger();
  const guard = new SourceGuard({ ...policy, clock, logger, ...over });
  return { clock, logger, guard };
}

/** Send `n` messages evenly over `ms` from each address; returns counts per address. */
function traffic(clock: FakeClock, guard: SourceGuard, plan: Record<string, number>, ms: number) {
  const counts: Record<string, Record<Admission, number>> = {};
  const events: Array<[number, string]> = [];
  for (const [addr, n] of Object.entries(plan)) {
    counts[addr] = { ok: 0, throttled: 0, banned: 0 };
    for (let i = 0; i < n; i++) events.push([(i * ms) / n, addr]);
  }
  events.sort((a, b) => a[0] - b[0]);
  const start = clock.now();
  for (const [at, addr] of events) {
    clock.advanceTo(start + at);
    counts[addr][guard.admit(addr)]++;
  }
  clock.advanceTo(start + ms);
  return counts;
}

test('under-rate traffic is never throttled', () => {
  const { clock, guard } = setup();
  const c = traffic(clock, guard, { '192.0.2.1': 20 * 300, '2001:db8:1::1': 19 * 300 }, 300_000);
  assert.equal(c['192.0.2.1'], { ok: 6000, throttled: 0, banned: 0 });
  assert.equal(c['2001:db8:1::1'], { ok: 5700, throttled: 0, banned: 0 });
});

test('a flood is throttled, then banned, then let in again after floodBanSeconds; a normal source is unaffected', () => {
  const { clock, guard, logger } = setup();
  const c = traffic(clock, guard, { '192.0.2.66': 2000, '192.0.2.1': 20 }, 1000);
  const f = c['192.0.2.66'];
  assert.ok(f.throttled > 0 && f.banned > 0, JSON.stringify(f));
  assert.ok(f.ok <= 40, `flooder got ${f.ok} through`); // burst + 1 s of rate at most
  assert.equal(c['192.0.2.1'], { ok: 20, throttled: 0, banned: 0 });
  assert.ok(guard.isBanned('192.0.2.66'));
  assert.is(logger.lines.filter((l) => l.includes('source banned')).length, 1);
  assert.match(logger.lines.find((l) => l.includes('source banned'))!, /address=192\.0\.2\.66 reason=flood seconds=120/);

  // The normal source carries on during the ban; the flooder stays out until it ends.
  const during = traffic(clock, guard, { '192.0.2.66': 118, '192.0.2.1': 20 * 118 }, 118_000);
  assert.equal(during['192.0.2.66'], { ok: 0, throttled: 0, banned: 118 });
  assert.equal(during['192.0.2.1'], { ok: 2360, throttled: 0, banned: 0 });
  const [ban] = guard.listBans();
  assert.is(ban.until - ban.since, 120_000);
  clock.advanceTo(ban.until - 1);
  assert.ok(guard.isBanned('192.0.2.66'));
  clock.advanceTo(ban.until);
  assert.not.ok(guard.isBanned('192.0.2.66'));
  assert.is(guard.admit('192.0.2.66'), 'ok');
  const s = guard.stats();
  assert.is(s.bansImposed, 1);
  assert.is(s.throttledTotal, f.throttled);
  assert.is(s.bannedTotal, f.banned + 118);
});

test('the IPv4-mapped spelling shares the IPv4 bucket and ban', () => {
  const { guard } = setup();
  for (let i = 0; i < 100; i++) guard.admit(i % 2 ? '192.0.2.7' : '::ffff:192.0.2.7');
  assert.ok(guard.isBanned('192.0.2.7'));
  assert.is(guard.admit('::ffff:192.0.2.7'), 'banned');
  assert.is(guard.admit('::FFFF:c000:207'), 'banned');
  assert.is(guard.admit('192.0.2.8'), 'ok');
});

test('IPv6 sources are limited and banned per /64: hopping addresses does not help', () => {
  const { guard } = setup();
  const verdicts = Array.from({ length: 100 }, (_, i) => guard.admit(`2001:db8:1:2::${(i + 1).toString(16)}`));
  assert.ok(verdicts.includes('banned'));
  assert.is(guard.admit('2001:db8:1:2:ffff:1:2:3'), 'banned');
  assert.is(guard.admit('2001:db8:1:3::1'), 'ok');
  assert.equal(guard.listBans().map((b) => b.address), ['2001:db8:1:2::/64']);
  // With ipv6Prefix 128 each address is its own source.
  const per128 = setup({ ipv6Prefix: 128 }).guard;
  const v = Array.from({ length: 100 }, (_, i) => per128.admit(`2001:db8:1:2::${(i + 1).toString(16)}`));
  assert.not.ok(v.includes('throttled') || v.includes('banned'));
});

test('trusted IPv4 and IPv6 networks, and the mapped form, are never throttled or banned', () => {
  const { guard } = setup();
  for (const addr of ['10.1.2.3', '::ffff:10.1.2.3', '2001:db8:7:1::9', '198.51.100.5']) {
    const verdicts = new Set<Admission>();
    for (let i = 0; i < 5000; i++) verdicts.add(guard.admit(addr));
    for (let i = 0; i < 50; i++) guard.authFailed(addr);
    assert.equal([...verdicts], ['ok'], addr);
    assert.not.ok(guard.isBanned(addr), addr);
    assert.ok(guard.isTrusted(addr), addr);
  }
  assert.is(guard.stats().tracked, 0); // no state kept for them
  assert.is(guard.stats().bansImposed, 0);
  // Just outside the trusted networks is ordinary.
  for (let i = 0; i < 100; i++) guard.admit('2001:db8:8::1');
  assert.ok(guard.isBanned('2001:db8:8::1'));
  assert.not.ok(guard.isTrusted('198.51.100.6'));
});

test('auth failures: below the threshold no ban; at it a ban, logged once with the address', () => {
  const { clock, guard, logger } = setup();
  for (let i = 0; i < 4; i++) {
    guard.authFailed('203.0.113.4');
    clock.advance(1000);
  }
  assert.not.ok(guard.isBanned('203.0.113.4'));
  assert.is(guard.admit('203.0.113.4'), 'ok');
  guard.authFailed('::ffff:203.0.113.4'); // same source in its mapped spelling
  assert.ok(guard.isBanned('203.0.113.4'));
  assert.is(guard.admit('203.0.113.4'), 'banned');
  guard.authFailed('203.0.113.4');
  const lines = logger.lines.filter((l) => l.includes('source banned'));
  assert.is(lines.length, 1);
  assert.match(lines[0], /WARN source banned address=203\.0\.113\.4 reason=auth-fail seconds=600/);
  clock.advance(600_000);
  assert.not.ok(guard.isBanned('203.0.113.4'));
  assert.is(guard.admit('203.0.113.4'), 'ok');
});

test('auth failures spread wider than the window never ban', () => {
  const { clock, guard } = setup();
  for (let i = 0; i < 50; i++) {
    for (let k = 0; k < 4; k++) guard.authFailed('203.0.113.5');
    clock.advance(60_000);
  }
  assert.not.ok(guard.isBanned('203.0.113.5'));
  guard.authSucceeded('203.0.113.5');
});

test('floodRate 0 turns flood limiting off; auth bans still apply', () => {
  const { guard } = setup({ floodRate: 0 });
  const verdicts = new Set(Array.from({ length: 100_000 }, () => guard.admit('192.0.2.50')));
  assert.equal([...verdicts], ['ok']);
  assert.is(guard.stats().tracked, 0);
  for (let i = 0; i < 5; i++) guard.authFailed('192.0.2.50');
  assert.is(guard.admit('192.0.2.50'), 'banned');
});

test('a spray of 200k spoofed addresses: tables stay under the cap, bans survive, a busy source keeps its state', () => {
  const { clock, guard, logger } = setup();
  for (let i = 0; i < 100; i++) guard.admit('192.0.2.66');
  for (let i = 0; i < 5; i++) guard.authFailed('192.0.2.99');
  assert.ok(guard.isBanned('192.0.2.66') && guard.isBanned('192.0.2.99'));
  let maxTracked = 0;
  let steadyOk = 0;
  const flooder: Record<Admission, number> = { ok: 0, throttled: 0, banned: 0 };
  // 200k spoofed sources within 2 s (faster than idle entries age out, so the cap is what holds),
  // half of them also failing auth.
  for (let i = 0; i < 200_000; i++) {
    const spoof = `${100 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.1`;
    guard.admit(spoof);
    if (i % 2 === 0) guard.authFailed(spoof);
    if (i % 1000 === 0) {
      clock.advance(10);
      flooder[guard.admit('192.0.2.200')]++; // 100/s against a rate of 20
      if (i % 10_000 === 0 && guard.admit('192.0.2.1') === 'ok') steadyOk++; // 1/s
      maxTracked = Math.max(maxTracked, guard.stats().tracked);
    }
  }
  assert.ok(maxTracked <= 200_000, `tracked ${maxTracked}`); // two tables of 100k each
  assert.ok(logger.lines.some((l) => l.includes('per-source table full')), 'the cap was reached');
  assert.is(steadyOk, 20);
  // The mid-flood source kept its bucket through the spray: it got the burst and little more, then the ban.
  assert.ok(flooder.banned > 0, JSON.stringify(flooder));
  assert.ok(flooder.ok <= 30, JSON.stringify(flooder));
  // Bans from before the spray are all still there.
  assert.ok(guard.isBanned('192.0.2.66'));
  assert.ok(guard.isBanned('192.0.2.99'));
  // And once the spray stops, idle entries go.
  clock.advance(120_000);
  guard.admit('192.0.2.1');
  assert.ok(guard.stats().tracked <= 2, `tracked ${guard.stats().tracked}`);
});

test('the cap is configurable and holds for IPv6 sprays too', () => {
  const { guard } = setup({ maxTracked: 1000 });
  for (let i = 0; i < 50_000; i++) {
    guard.admit(`2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`);
    assert.ok(guard.stats().tracked <= 1000);
  }
});

test('reconfigure keeps bans and applies new limits; a bad policy changes nothing', () => {
  const { clock, guard } = setup();
  for (let i = 0; i < 100; i++) guard.admit('192.0.2.66');
  assert.ok(guard.isBanned('192.0.2.66'));
  guard.reconfigure({ ...policy, floodRate: 1000, floodBanSeconds: 5 });
  assert.ok(guard.isBanned('192.0.2.66'));
  clock.advance(119_000);
  assert.ok(guard.isBanned('192.0.2.66')); // the original 120 s still run
  const v = new Set(Array.from({ length: 500 }, () => guard.admit('192.0.2.77')));
  assert.equal([...v], ['ok']); // the new rate applies
  assert.throws(() => guard.reconfigure({ ...policy, trusted: ['10.0.0.0/33'] }), (e: unknown) => e instanceof InvalidAddressError);
  assert.throws(() => guard.reconfigure({ ...policy, floodRate: -1 }), RangeError);
  assert.throws(() => guard.reconfigure({ ...policy, ipv6Prefix: 129 }), RangeError);
  assert.ok(guard.isBanned('192.0.2.66'));
  const w = new Set(Array.from({ length: 500 }, () => guard.admit('192.0.2.78')));
  assert.equal([...w], ['ok']); // still the 1000/s from the good reconfigure
});

test('reconfigure: newly trusted sources are let in and their bans lifted; floodRate can go to 0 and back', () => {
  const { guard } = setup();
  for (let i = 0; i < 100; i++) guard.admit('192.0.2.66');
  for (let i = 0; i < 100; i++) guard.admit('2001:db8:5:5::1');
  for (let i = 0; i < 100; i++) guard.admit('203.0.113.1');
  assert.is(guard.stats().banned, 3);
  guard.reconfigure({ ...policy, trusted: ['192.0.2.0/24', '2001:db8:5::/48', '203.0.113.1/32', '2001:db8:9::1'] });
  assert.is(guard.admit('192.0.2.66'), 'ok');
  assert.equal(guard.listBans().map((b) => b.address), []);
  guard.reconfigure({ ...policy, floodRate: 0 });
  assert.is(guard.admit('198.51.100.200'), 'ok');
  guard.reconfigure({ ...policy, floodRate: 5 });
  const v = Array.from({ length: 7 }, () => guard.admit('198.51.100.200'));
  assert.equal(v.slice(5), ['throttled', 'throttled']);
});

test('unban() lifts a ban by address or by listed key, with fresh counters', () => {
  const { guard } = setup();
  for (let i = 0; i < 100; i++) guard.admit('192.0.2.66');
  for (let i = 0; i < 100; i++) guard.admit('2001:db8:1:2::1');
  assert.ok(guard.unban('192.0.2.66'));
  assert.ok(guard.unban('2001:db8:1:2::/64'));
  assert.not.ok(guard.unban('192.0.2.66'));
  assert.is(guard.admit('192.0.2.66'), 'ok');
  assert.is(guard.admit('2001:db8:1:2::9'), 'ok');
  assert.is(guard.stats().banned, 0);
});

test('frontRefusals: the bans the SIP front threads may apply unread; an address with an authenticated flow or a trunk is forwarded for admit() to decide per port', () => {
  const trunk = '203.0.113.9';
  const { guard } = setup({ isTrunkAddress: (a) => a === trunk });
  for (const a of ['192.0.2.1', '192.0.2.2', trunk, '2001:db8:1:2::5']) for (let i = 0; i < 5; i++) guard.authFailed(a, 5060);
  guard.registered('192.0.2.2', 5070, 3600);
  const r = guard.frontRefusals();
  assert.equal(r.ipv6Prefix, 64);
  assert.equal(r.refused.sort(), ['192.0.2.1', '2001:db8:1:2::/64']);
  assert.equal(r.forwarded.sort(), ['192.0.2.2', trunk]);
  assert.is(r.forwardAll, false);
  // admit() agrees: the refused key is refused whatever the port; the banned address's
  // other port is refused too (a front must not answer it), its exempt flow is served.
  assert.is(guard.admit('192.0.2.1', 5999), 'banned');
  assert.is(guard.admit('192.0.2.2', 5071), 'banned');
  assert.is(guard.admit('192.0.2.2', 5070), 'ok');
});

test('frontRefusals: a source over its flood rate (throttled, not banned yet) is forwarded, and the listener hears of it at once; it leaves the list once quiet', () => {
  const { clock, guard } = setup();
  let changes = 0;
  guard.onFrontRefusalsChanged(() => changes++);
  let verdict: Admission = 'ok';
  for (let i = 0; i < 25 && verdict === 'ok'; i++) verdict = guard.admit('192.0.2.40', 5060);
  assert.is(verdict, 'throttled');
  assert.is(changes, 1, 'told when it was first throttled');
  assert.is(guard.admit('192.0.2.40', 5060), 'throttled');
  assert.is(changes, 1, 'not again while it stays listed');
  assert.equal(guard.frontRefusals().forwarded, ['192.0.2.40']);
  assert.equal(guard.frontRefusals().refused, []);
  clock.advance(2_500);
  assert.equal(guard.frontRefusals().forwarded, [], 'quiet for longer than the flood window');
});

test('frontRefusals: a flow ban of an exempt source forwards its address; a new ban and an unban are told to the listener', () => {
  const { guard } = setup({ authFailBan: { attempts: 3, windowSeconds: 60, banSeconds: 600 } });
  let changes = 0;
  guard.onFrontRefusalsChanged(() => changes++);
  guard.registered('192.0.2.7', 5060, 3600);
  // The registered flow fails itself: its flow is banned on its own (and the address, which has the exempt flow).
  for (let i = 0; i < 3; i++) guard.authFailed('192.0.2.7', 5060);
  assert.ok(changes >= 1, 'a ban was told');
  assert.is(guard.admit('192.0.2.7', 5060), 'banned', 'the flow is banned');
  const r = guard.frontRefusals();
  assert.equal(r.refused, []);
  assert.equal(r.forwarded, ['192.0.2.7']);
  const before = changes;
  assert.ok(guard.unban('192.0.2.7'));
  assert.is(changes, before + 1, 'an unban is told');
});

test('frontRefusals: while the admission gate sheds unknown sources, every datagram is forwarded', () => {
  const { clock, guard } = setup({ admissionRate: 5, floodRate: 0 });
  let changes = 0;
  guard.onFrontRefusalsChanged(() => changes++);
  const verdicts: Admission[] = [];
  for (let i = 0; i < 20; i++) verdicts.push(guard.admit(`192.0.2.${100 + i}`, 5060));
  assert.ok(verdicts.includes('throttled'), verdicts.join());
  assert.is(changes, 1);
  assert.is(guard.frontRefusals().forwardAll, true);
  clock.advance(2_500);
  assert.is(guard.frontRefusals().forwardAll, false);
});

test('hostile or odd input never throws', () => {
  const { guard } = setup();
  for (const a of ['', 'garbage', '999.1.1.1', '::ffff:', 'x'.repeat(10_000), '%', '[::1]', undefined as unknown as string, null as unknown as string, 42 as unknown as string]) {
    assert.ok(['ok', 'throttled', 'banned'].includes(guard.admit(a)));
    guard.authFailed(a);
    guard.isBanned(a);
  }
});

test('a constructor policy is checked', () => {
  assert.throws(() => setup({ floodRate: Number.NaN }), RangeError);
  assert.throws(() => setup({ trusted: ['not-a-network'] }), (e: unknown) => e instanceof InvalidAddressError);
});

test.run();
