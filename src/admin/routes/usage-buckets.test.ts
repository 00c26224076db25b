import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CdrUsageRow } from '../../store/cdr-table.js';
import { bucketBounds, nextPeriod, peakConcurrency, periodStart, usageBuckets, usageTotals } from './usage-buckets.js';

const T = (s: string) => Date.parse(s);

test('UTC day and month boundaries', () => {
  assert.is(periodStart('day', T('2024-02-29T23:59:59Z')), T('2024-02-29T00:00:00Z'));
  assert.is(nextPeriod('day', T('2024-02-29T10:00:00Z')), T('2024-03-01T00:00:00Z'));
  assert.is(periodStart('month', T('2024-12-31T10:00:00Z')), T('2024-12-01T00:00:00Z'));
  assert.is(nextPeriod('month', T('2024-12-31T10:00:00Z')), T('2025-01-01T00:00:00Z'));
  assert.equal(bucketBounds('day', T('2024-01-01T12:00:00Z'), T('2024-01-03T00:00:00Z'), 10), [
    [T('2024-01-01T00:00:00Z'), T('2024-01-02T00:00:00Z')],
    [T('2024-01-02T00:00:00Z'), T('2024-01-03T00:00:00Z')],
  ]);
  assert.throws(() => bucketBounds('day', 0, 86_400_000 * 5, 3), /more than 3/);
});

test('peak concurrency: overlaps count, touching ends do not, empty calls never', () => {
  const iv = (a: number, b: number) => ({ startedAt: a, endedAt: b });
  assert.is(peakConcurrency([], 0, 100), 0);
  assert.is(peakConcurrency([iv(0, 10), iv(5, 15), iv(8, 9)], 0, 100), 3);
  assert.is(peakConcurrency([iv(0, 10), iv(10, 20)], 0, 100), 1, 'one ends as the other starts');
  assert.is(peakConcurrency([iv(5, 5), iv(5, 5)], 0, 100), 0, 'refused calls (zero length)');
  assert.is(peakConcurrency([iv(0, 10), iv(5, 15)], 10, 100), 1, 'clipped to the range');
  assert.is(peakConcurrency([iv(0, 10), iv(5, 15)], 20, 100), 0);
});

test('totals: calls and minutes by start in range, by direction; buckets split by day', () => {
  const day = 86_400_000;
  const rows: CdrUsageRow[] = [
    { startedAt: day - 1000, endedAt: day + 60_000, billableS: 61, direction: 'inbound' }, // across midnight
    { startedAt: day + 1000, endedAt: day + 31_000, billableS: 30, direction: 'outbound' },
    { startedAt: day + 2000, endedAt: day + 92_000, billableS: 90, direction: 'outbound' },
    { startedAt: day + 5000, endedAt: day + 5000, billableS: 0, direction: 'internal' },
  ];
  const t = usageTotals(rows, day, 2 * day);
  assert.is(t.calls, 3);
  assert.equal(t.minutes, { inbound: 0, outbound: 2, internal: 0 });
  assert.is(t.peakConcurrency, 3, 'the call from the day before is still up');
  const b = usageBuckets(rows, bucketBounds('day', 0, 2 * day, 10));
  assert.equal(b.map((x) => [x.calls, x.peakConcurrency, x.minutes.inbound]), [[1, 1, 1.02], [3, 3, 0]]);
});

test.run();
