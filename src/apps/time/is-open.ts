/**
 * Whether a schedule is open at an instant, in the tenant's time zone, with the manual
 * override of its time condition. Wall-clock rules: a window 01:30-03:30 is open while the
 * clock on the wall reads 01:30 to 03:29, so on the night clocks spring forward (02:00 ->
 * 03:00) it is open one real hour, and on the night they fall back (03:00 -> 02:00) three.
 * A holiday closes the whole local day. Pure.
 */
import { minuteOfDay, WEEKDAYS, type Holiday, type Schedule } from '../../model/schedule.js';
import { localTime } from './local-time.js';

/** A time condition's manual state: forced open, forced closed, or the schedule decides. */
export type Override = 'auto' | 'open' | 'closed';
export const OVERRIDES: readonly Override[] = ['auto', 'open', 'closed'];

function isHoliday(h: Holiday, date: string): boolean {
  // ISO dates compare as text.
  return 'date' in h ? h.date === date : h.from <= date && date <= h.to;
}

export function isOpen(schedule: Schedule, override: Override, nowMs: number, timeZone: string): boolean {
  if (override === 'open') return true;
  if (override === 'closed') return false;
  const now = localTime(nowMs, timeZone);
  if (schedule.holidays.some((h) => isHoliday(h, now.date))) return false;
  const day = WEEKDAYS[now.weekday];
  return schedule.weekly.some((w) => {
    if (day === undefined || !w.days.includes(day)) return false;
    const from = minuteOfDay(w.from);
    const to = minuteOfDay(w.to);
    return from !== undefined && to !== undefined && now.minute >= from && now.minute < to;
  });
}
