/**
 * Usage per period (UTC day or month) from call records: calls started in the bucket,
 * billable minutes by direction, and the peak number of calls up at once (a sweep over
 * the records' [startedAt, endedAt) intervals, clipped to the bucket). Pure functions.
 */
import type { CallDirection } from '../../store/cdr-row.js';
import type { CdrUsageRow } from '../../store/cdr-table.js';

export type UsagePeriod = 'day' | 'month';

export interface UsageTotals {
  calls: number;
  /** Billable minutes (seconds / 60, two decimals) by direction. */
  minutes: Record<CallDirection, number>;
  /** The most calls up at the same moment. */
  peakConcurrency: number;
}

export interface UsageBucket extends UsageTotals {
  /** ms since the epoch, UTC; [start, end). */
  start: number;
  end: number;
}

/** The start of the UTC day or month that holds t. */
export function periodStart(period: UsagePeriod, t: number): number {
  const d = new Date(t);
  return period === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The start of the next UTC day or month after the one that holds t. */
export function nextPeriod(period: UsagePeriod, t: number): number {
  const d = new Date(periodStart(period, t));
  return period === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Bucket bounds covering [from, to): from is moved back to the start of its period. */
export function bucketBounds(period: UsagePeriod, from: number, to: number, max: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let s = periodStart(period, from); s < to; s = nextPeriod(period, s)) {
    if (out.length >= max) throw new RangeError(`more than ${max} ${period}s`);
    out.push([s, nextPeriod(period, s)]);
  }
  return out;
}

/** The most intervals [start, end) that overlap at one instant within [from, to). Empty intervals never count. */
export function peakConcurrency(intervals: ReadonlyArray<{ startedAt: number; endedAt: number }>, from: number, to: number): number {
  const events: Array<[number, number]> = [];
  for (const r of intervals) {
    const s = Math.max(r.startedAt, from);
    const e = Math.min(r.endedAt, to);
    if (s < e) events.push([s, 1], [e, -1]);
  }
  // At equal times an end goes before a start: a call that ends as another starts is not concurrent with it.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let up = 0;
  let peak = 0;
  for (const [, d] of events) {
    up += d;
    if (up > peak) peak = up;
  }
  return peak;
}

/** Calls and minutes of the records that STARTED in [from, to); the peak of all that overlap it. */
export function usageTotals(rows: readonly CdrUsageRow[], from: number, to: number): UsageTotals {
  const seconds: Record<CallDirection, number> = { inbound: 0, outbound: 0, internal: 0 };
  let calls = 0;
  for (const r of rows) {
    if (r.startedAt < from || r.startedAt >= to) continue;
    calls++;
    seconds[r.direction] += r.billableS;
  }
  const minutes = (s: number) => Math.round((s / 60) * 100) / 100;
  return {
    calls,
    minutes: { inbound: minutes(seconds.inbound), outbound: minutes(seconds.outbound), internal: minutes(seconds.internal) },
    peakConcurrency: peakConcurrency(rows, from, to),
  };
}

/** One UsageBucket per period in [from, to), rows sorted by startedAt or not. */
export function usageBuckets(rows: readonly CdrUsageRow[], bounds: ReadonlyArray<[number, number]>): UsageBucket[] {
  return bounds.map(([start, end]) => ({ start, end, ...usageTotals(rows.filter((r) => r.startedAt < end && (r.endedAt > start || r.startedAt >= start)), start, end) }));
}
