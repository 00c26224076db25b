import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../../util/logger.js';
import { AuthFailTracker } from './auth-fail-tracker.js';
import { BanList } from './ban-list.js';

function setup(attempts = 5, windowSeconds = 60, banSeconds = 600) {
  const logger = memoryLogger();
  const bans = new BanList({ logger });
  const tracker = new AuthFailTracker({ policy: { attempts, windowSeconds, banSeconds }, maxTracked: 1000, bans, now: 0 });
  return { tracker, bans, logger };
}

test('failures below the threshold do not ban', () => {
  const { tracker, bans, logger } = setup(5);
  for (let i = 0; i < 4; i++) assert.not.ok(tracker.failed('a', i * 1000));
  assert.not.ok(bans.isBanned('a', 4000));
  assert.is(tracker.failures('a', 4000), 4);
  assert.is(logger.lines.length, 0);
});

test('the failure that reaches the threshold bans, logged once at warn with the address', () => {
  const { tracker, bans, logger } = setup(5, 60, 600);
  for (let i = 0; i < 4; i++) tracker.failed('192.0.2.9', i);
  assert.ok(tracker.failed('192.0.2.9', 10));
  assert.ok(bans.isBanned('192.0.2.9', 11));
  // Failures still arriving while banned (in flight) change nothing and log nothing.
  for (let i = 0; i < 20; i++) assert.not.ok(tracker.failed('192.0.2.9', 20 + i));
  assert.is(logger.lines.length, 1);
  assert.match(logger.lines[0], /WARN source banned address=192\.0\.2\.9 reason=auth-fail seconds=600 failures=5 windowSeconds=60/);
  assert.is(bans.get('192.0.2.9', 11)?.until, 10 + 600_000);
});

test('the ban expires after banSeconds and the source starts from zero', () => {
  const { tracker, bans } = setup(3, 60, 100);
  for (let i = 0; i < 3; i++) tracker.failed('a', 0);
  assert.ok(bans.isBanned('a', 99_999));
  assert.not.ok(bans.isBanned('a', 100_000));
  assert.not.ok(tracker.failed('a', 100_000));
  assert.is(tracker.failures('a', 100_000), 1);
});

test('the window opens at the first failure; once it has passed the count starts over', () => {
  const { tracker, bans } = setup(3, 60);
  tracker.failed('a', 0);
  tracker.failed('a', 59_000);
  assert.not.ok(tracker.failed('a', 60_000)); // window [0, 60 s) is over: this is failure 1 of a new one
  assert.is(tracker.failures('a', 60_000), 1);
  tracker.failed('a', 61_000);
  assert.ok(tracker.failed('a', 119_999));
  assert.ok(bans.isBanned('a', 120_000));
});

test('sources are counted apart', () => {
  const { tracker, bans } = setup(3);
  tracker.failed('a', 0);
  tracker.failed('a', 0);
  tracker.failed('b', 0);
  tracker.failed('b', 0);
  assert.not.ok(bans.isBanned('a', 1));
  assert.not.ok(bans.isBanned('b', 1));
});

test('a success does not clear the count (a valid account must not reset a brute force)', () => {
  const { tracker, bans } = setup(3);
  tracker.failed('a', 0);
  tracker.succeeded('a', 1);
  tracker.failed('a', 2);
  tracker.succeeded('a', 3);
  assert.ok(tracker.failed('a', 4));
  assert.ok(bans.isBanned('a', 5));
});

test('attempts 0 turns the ban off', () => {
  const { tracker, bans } = setup(0);
  for (let i = 0; i < 100; i++) assert.not.ok(tracker.failed('a', i));
  assert.not.ok(bans.isBanned('a', 100));
  assert.is(tracker.size, 0);
});

test('reconfigure: a lower threshold applies at the next failure, counts kept', () => {
  const { tracker, bans } = setup(10);
  for (let i = 0; i < 4; i++) tracker.failed('a', i);
  tracker.reconfigure({ attempts: 5, windowSeconds: 60, banSeconds: 600 });
  assert.ok(tracker.failed('a', 10));
  assert.ok(bans.isBanned('a', 11));
});

test.run();
