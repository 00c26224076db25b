import { HOUR } from './calls-per-hour.js';

/**
 * The usage charts' series from call records (GET .../cdrs): how many calls were up at each
 * moment, and the billable minutes per hour by direction. Pure; times in ms, the charts'
 * x values in seconds.
 */

export interface CallSpan {
  startedAt: string;
  endedAt: string;
}

/**
 * Calls up at once over [from, to): a step series, one point at `from` and one at every
 * moment the count changes, and one at `to`. At equal times a call that ends goes before one
 * that starts (they were never up together), as src/admin/routes/usage-buckets.ts counts.
 */
export function concurrencySeries(calls: readonly CallSpan[], from: number, to: number): { times: number[]; up: number[] } {
  const events: Array<[number, number]> = [];
  let up = 0;
  for (const c of calls) {
    const s = Date.parse(c.startedAt);
    const e = Date.parse(c.endedAt);
    if (Number.isNaN(s) || Number.isNaN(e) || e <= s || e <= from || s >= to) continue;
    if (s <= from) up++;
    else events.push([s, 1]);
    if (e < to) events.push([e, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const times = [from / 1000];
  const ups = [up];
  for (const [t, d] of events) {
    up += d;
    if (times[times.length - 1] === t / 1000) ups[ups.length - 1] = up;
    else {
      times.push(t / 1000);
      ups.push(up);
    }
  }
  times.push(to / 1000);
  ups.push(up);
  return { times, up: ups };
}

export const DIRECTIONS = ['inbound', 'outbound', 'internal'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Billable minutes (two decimals) of the calls that started in each of the 24 hours before `now`, by direction. */
export function minutesPerHour(cdrs: ReadonlyArray<{ startedAt: string; direction: string; billableS: number }>, now: number): { hours: number[]; minutes: Record<Direction, number[]> } {
  const end = Math.ceil(now / HOUR) * HOUR;
  const start = end - 24 * HOUR;
  const hours = Array.from({ length: 24 }, (_, i) => (start + i * HOUR) / 1000);
  const seconds: Record<Direction, number[]> = { inbound: new Array<number>(24).fill(0), outbound: new Array<number>(24).fill(0), internal: new Array<number>(24).fill(0) };
  for (const c of cdrs) {
    const t = Date.parse(c.startedAt);
    const dir = c.direction as Direction;
    if (Number.isNaN(t) || t < start || t >= end || !DIRECTIONS.includes(dir) || !(c.billableS >= 0)) continue;
    seconds[dir][Math.floor((t - start) / HOUR)]! += c.billableS;
  }
  const toMinutes = (xs: number[]) => xs.map((s) => Math.round((s / 60) * 100) / 100);
  return { hours, minutes: { inbound: toMinutes(seconds.inbound), outbound: toMinutes(seconds.outbound), internal: toMinutes(seconds.internal) } };
}
