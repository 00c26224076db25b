import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { memoryLogger } from '../../util/logger.js';
import { AuthFailLog } from './auth-fail-log.js';

function setup(o: { intervalMs?: number; maxSources?: number; maxLinesPerInterval?: number } = {}) {
  const clock = new FakeClock();
  const logger = memoryLogger();
  const log = new AuthFailLog({ clock, logger, intervalMs: 60_000, ...o });
  return { clock, logger, log };
}

test('the first failure of a source is logged in full, the rest of the interval as one summary line', () => {
  const { clock, logger, log } = setup();
  for (let i = 0; i < 16_000; i++) {
    log.failed('192.0.2.7', { method: 'REGISTER', detail: 'wrong credentials' }, 'acme');
    if (i % 1000 === 0) clock.advance(1000);
  }
  assert.is(logger.lines.length, 1);
  assert.match(logger.lines[0]!, /INFO authentication failed .*tenant=acme .*from=192\.0\.2\.7/);
  clock.advance(60_000);
  assert.is(logger.lines.length, 2);
  assert.match(logger.lines[1]!, /INFO 15999 more failures from 192\.0\.2\.7 in the last 60 s .*tenant=acme/);
  assert.is(log.size, 0);
});

test('sources are counted apart; a source without more failures gets no summary', () => {
  const { clock, logger, log } = setup();
  log.failed('a', {});
  log.failed('b', {});
  log.failed('b', {});
  log.failed('b', {});
  clock.advance(60_000);
  assert.is(logger.lines.filter((l) => /authentication failed/.test(l)).length, 2);
  const summaries = logger.lines.filter((l) => /more failures/.test(l));
  assert.equal(summaries.length, 1);
  assert.match(summaries[0]!, /2 more failures from b in the last 60 s/);
});

test('failures against two tenants from one source are logged apart (each tenant\'s operator sees its own)', () => {
  const { clock, logger, log } = setup();
  log.failed('a', {}, 'globex');
  log.failed('a', {}, 'acme');
  log.failed('a', {}, 'acme');
  assert.is(logger.lines.length, 2);
  assert.match(logger.lines[0]!, /tenant=globex/);
  assert.match(logger.lines[1]!, /tenant=acme/);
  clock.advance(60_000);
  assert.match(logger.lines[2]!, /1 more failures from a in the last 60 s .*tenant=acme/);
});

test('after the interval a new one opens with a full line again', () => {
  const { clock, logger, log } = setup();
  log.failed('a', {});
  log.failed('a', {});
  clock.advance(61_000);
  log.failed('a', { detail: 'x' });
  assert.is(logger.lines.filter((l) => /authentication failed/.test(l)).length, 2);
  assert.is(logger.lines.filter((l) => /1 more failures from a/.test(l)).length, 1);
});

test('a spray of many sources writes at most maxLinesPerInterval full lines and one summary of the rest', () => {
  const { clock, logger, log } = setup({ maxLinesPerInterval: 10 });
  for (let i = 0; i < 5000; i++) log.failed(`10.0.${i >> 8}.${i & 255}`, {});
  assert.is(logger.lines.length, 10);
  clock.advance(60_000);
  assert.is(logger.lines.length, 11);
  assert.match(logger.lines[10]!, /WARN 4990 more failures from 4990 other sources in the last 60 s/);
});

test('memory is bounded: the oldest source is summed up early when the table is full', () => {
  const { logger, log } = setup({ maxSources: 3, maxLinesPerInterval: 1000 });
  log.failed('a', {});
  log.failed('a', {});
  log.failed('b', {});
  log.failed('c', {});
  log.failed('d', {});
  assert.is(log.size, 3);
  assert.ok(logger.lines.some((l) => /1 more failures from a /.test(l)));
});

test('close() writes the pending summaries and leaves no timer', () => {
  const { clock, logger, log } = setup();
  log.failed('a', {});
  log.failed('a', {});
  clock.advance(5_000);
  log.close();
  assert.match(logger.lines.at(-1)!, /1 more failures from a in the last 5 s/);
  assert.is(clock.timerCount, 0);
});

test('a throwing log sink does not throw out of failed()', () => {
  const clock = new FakeClock();
  const logger = { ...memoryLogger(), info: () => { throw new Error('disk full'); } };
  const log = new AuthFailLog({ clock, logger });
  log.failed('a', {});
  log.failed('a', {});
  clock.advance(120_000);
});

test.run();
