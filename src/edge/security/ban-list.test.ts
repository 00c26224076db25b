import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../../util/logger.js';
import { BanList } from './ban-list.js';

test('a ban holds until it expires, and is logged once at warn with address, reason and duration', () => {
  const logger = memoryLogger();
  const bans = new BanList({ logger });
  assert.ok(bans.ban('192.0.2.1', 'flood', 60, 1000));
  assert.ok(bans.isBanned('192.0.2.1', 1000));
  assert.ok(bans.isBanned('192.0.2.1', 60_999));
  assert.not.ok(bans.isBanned('192.0.2.1', 61_000));
  assert.not.ok(bans.isBanned('192.0.2.2', 1000));
  assert.is(logger.lines.length, 1);
  assert.match(logger.lines[0], /WARN source banned address=192\.0\.2\.1 reason=flood seconds=60/);
  assert.is(bans.size, 0); // collected on lookup
});

test('banning a banned source extends it without a second log line', () => {
  const logger = memoryLogger();
  const bans = new BanList({ logger });
  bans.ban('a', 'auth-fail', 10, 0);
  bans.ban('a', 'flood', 100, 5_000);
  assert.ok(bans.isBanned('a', 50_000));
  assert.is(bans.get('a', 50_000)?.reason, 'auth-fail');
  assert.is(bans.get('a', 50_000)?.until, 105_000);
  bans.ban('a', 'flood', 1, 6_000); // shorter: no change
  assert.is(bans.get('a', 50_000)?.until, 105_000);
  assert.is(logger.lines.length, 1);
  assert.is(bans.imposed, 1);
});

test('list() shows live bans only; unban() lifts one and logs it', () => {
  const logger = memoryLogger();
  const bans = new BanList({ logger });
  bans.ban('a', 'flood', 10, 0);
  bans.ban('b', 'auth-fail', 100, 0);
  bans.ban('c', 'admin', 100, 0);
  assert.equal(bans.list(20_000).map((b) => b.address), ['b', 'c']);
  assert.equal(bans.list(20_000)[0], { address: 'b', reason: 'auth-fail', since: 0, until: 100_000 });
  assert.ok(bans.unban('b', 20_000));
  assert.not.ok(bans.unban('b', 20_000));
  assert.not.ok(bans.isBanned('b', 20_000));
  assert.equal(bans.list(20_000).map((b) => b.address), ['c']);
  assert.match(logger.lines.at(-1)!, /INFO source unbanned address=b/);
});

test('a full table refuses new bans and keeps every existing one', () => {
  const logger = memoryLogger();
  const bans = new BanList({ logger, maxBans: 3 });
  for (const k of ['a', 'b', 'c']) assert.ok(bans.ban(k, 'flood', 600, 0));
  assert.not.ok(bans.ban('d', 'flood', 600, 1));
  assert.not.ok(bans.ban('e', 'flood', 600, 2));
  for (const k of ['a', 'b', 'c']) assert.ok(bans.isBanned(k, 3), k);
  assert.not.ok(bans.isBanned('d', 3));
  assert.is(bans.refused, 2);
  assert.is(logger.lines.filter((l) => l.includes('ban table full')).length, 1);
  // Once some expire there is room again.
  assert.ok(bans.ban('d', 'flood', 600, 600_000));
  assert.ok(bans.isBanned('d', 600_001));
});

test('expired bans do not pile up: new bans collect them', () => {
  const bans = new BanList({ logger: memoryLogger() });
  for (let i = 0; i < 1000; i++) bans.ban(`k${i}`, 'flood', 1, i * 10);
  assert.ok(bans.size < 150, `size ${bans.size}`);
});

test('a throwing log sink does not stop a ban', () => {
  const logger = { ...memoryLogger(), warn: () => { throw new Error('disk full'); } };
  const bans = new BanList({ logger });
  assert.ok(bans.ban('a', 'flood', 10, 0));
  assert.ok(bans.isBanned('a', 1));
});

test.run();
