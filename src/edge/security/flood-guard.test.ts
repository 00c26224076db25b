import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../../util/logger.js';
import { BanList } from './ban-list.js';
import { FloodGuard, type FloodVerdict } from './flood-guard.js';

function setup(rate = 10, banSeconds = 60, maxBans?: number) {
  const logger = memoryLogger();
  const bans = new BanList({ logger, maxBans });
  const guard = new FloodGuard({ rate, banSeconds, maxTracked: 1000, bans, now: 0 });
  return { guard, bans, logger };
}

/** Send at `perSecond` for `seconds` from t0; returns verdicts with their times. */
function stream(guard: FloodGuard, bans: BanList, key: string, perSecond: number, seconds: number, t0 = 0) {
  const out: Array<{ t: number; v: FloodVerdict }> = [];
  const step = 1000 / perSecond;
  for (let t = t0; t < t0 + seconds * 1000; t += step) {
    // The facade checks the ban table first; do the same here.
    out.push({ t, v: bans.isBanned(key, t) ? 'banned' : guard.admit(key, t) });
  }
  return out;
}

const count = (r: Array<{ v: FloodVerdict }>, v: FloodVerdict) => r.filter((x) => x.v === v).length;

test('traffic at the rate is never throttled, even after a full burst', () => {
  const { guard, bans } = setup(10);
  for (let i = 0; i < 10; i++) assert.is(guard.admit('a', 0), 'ok'); // burst = rate
  const r = stream(guard, bans, 'a', 10, 120, 100);
  assert.is(count(r, 'ok'), r.length);
  assert.ok(r.length >= 1199);
});

test('a burst over the rate: throttled, then banned once more than `rate` are dropped', () => {
  const { guard, logger } = setup(10);
  const verdicts = Array.from({ length: 30 }, () => guard.admit('a', 5));
  assert.equal(verdicts.slice(0, 10), Array(10).fill('ok'));
  assert.equal(verdicts.slice(10, 20), Array(10).fill('throttled'));
  assert.is(verdicts[20], 'banned'); // the 11th drop
  assert.match(logger.lines.join('\n'), /source banned address=a reason=flood seconds=60 rate=10 dropped=11/);
});

test('sending somewhat over the rate for 3 s gets banned by the streak rule', () => {
  const { guard, bans } = setup(10);
  const r = stream(guard, bans, 'a', 12.5, 20); // 25% over: drops 2.5/s once the burst is spent
  const firstDrop = r.find((x) => x.v === 'throttled')!;
  const firstBan = r.find((x) => x.v === 'banned')!;
  assert.ok(firstDrop && firstBan);
  assert.ok(firstBan.t - firstDrop.t >= 3000 && firstBan.t - firstDrop.t < 3500, `banned ${firstBan.t - firstDrop.t} ms after the first drop`);
  assert.ok(count(r.filter((x) => x.t < firstBan.t), 'throttled') < 10); // so it was not the drop-count rule
});

test('a source less than one message a second over the rate is throttled but never banned', () => {
  const { guard, bans } = setup(10);
  const r = stream(guard, bans, 'a', 10.5, 120);
  assert.ok(count(r, 'throttled') > 10);
  assert.is(count(r, 'banned'), 0);
});

test('a pause longer than the streak gap starts a new streak', () => {
  const { guard } = setup(10);
  // Two bursts of 15 (5 drops each), 1.5 s apart: 10 drops in all, but never 3 s of streak nor >10 in one.
  let banned = 0;
  for (let k = 0; k < 6; k++) {
    for (let i = 0; i < 15; i++) if (guard.admit('a', k * 1500) === 'banned') banned++;
  }
  assert.is(banned, 0);
});

test('after the ban the source starts afresh; other keys are unaffected throughout', () => {
  const { guard, bans } = setup(10, 60);
  for (let i = 0; i < 25; i++) guard.admit('a', 0);
  assert.ok(bans.isBanned('a', 1));
  const b = stream(guard, bans, 'b', 10, 61);
  assert.is(count(b, 'ok'), b.length);
  assert.ok(bans.isBanned('a', 59_999));
  assert.not.ok(bans.isBanned('a', 60_000));
  assert.is(guard.admit('a', 60_000), 'ok');
});

test('when the ban table is full the flooder stays throttled', () => {
  const { guard, bans } = setup(10, 60, 1);
  bans.ban('other', 'flood', 600, 0);
  const r = stream(guard, bans, 'a', 100, 10);
  assert.is(count(r, 'banned'), 0);
  // Only the allowance got through: burst 10 + 10/s for 10 s.
  assert.ok(count(r, 'ok') <= 111, `ok ${count(r, 'ok')}`);
});

test('reconfigure: a lower rate applies from the next message', () => {
  const { guard } = setup(100);
  assert.is(guard.admit('a', 0), 'ok');
  guard.reconfigure({ rate: 2, banSeconds: 60 });
  const v = Array.from({ length: 4 }, () => guard.admit('a', 1));
  assert.equal(v, ['ok', 'ok', 'throttled', 'throttled']);
});

test.run();
