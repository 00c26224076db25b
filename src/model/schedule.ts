/**
 * Opening hours of a tenant (`schedules:`): weekly windows in the tenant's local time and
 * holidays (single dates or ranges, both ends included) on which it is closed all day.
 * Read from the YAML or the API into a normalized spec; an end before its start, a date
 * that does not exist, an unknown weekday are refused at their path. Pure.
 *
 * A window is [from, to) in wall-clock minutes of the day; "24:00" ends at midnight. A
 * window over midnight is two windows (22:00-24:00 and 00:00-06:00 of the next day).
 */
import type { Report } from './flow-report.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WeeklyWindow {
  /** In week order, each once. */
  days: Weekday[];
  /** "HH:MM", 00:00-23:59. */
  from: string;
  /** "HH:MM", after from; 24:00 is the end of the day. */
  to: string;
}

export type Holiday = { date: string } | { from: string; to: string };

export interface Schedule {
  name: string;
  weekly: WeeklyWindow[];
  holidays: Holiday[];
}

export const MAX_SCHEDULES = 100;
export const MAX_WINDOWS = 100;
export const MAX_HOLIDAYS = 1000;
const NAME_RE = /^[a-z0-9-]{1,63}$/;
/** H:MM or HH:MM (an unquoted 8:30 in YAML is the text '8:30'); 24:00 ends the day. */
const TIME_RE = /^([01]?[0-9]|2[0-3]):([0-5][0-9])$|^24:00$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "08:30" -> 510; undefined when it is not a time of day. */
export function minuteOfDay(hhmm: unknown): number | undefined {
  if (typeof hhmm !== 'string' || !TIME_RE.test(hhmm)) return undefined;
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** True for a calendar date that exists, written YYYY-MM-DD (2026-02-30 does not). */
export function isCalendarDate(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = DATE_RE.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** `days:` as a list of weekdays or a range "mon-fri" (a range may wrap: "fri-mon"). */
function parseDays(raw: unknown, at: string, bad: Report): Weekday[] | undefined {
  const idx = (d: unknown) => (typeof d === 'string' ? WEEKDAYS.indexOf(d.toLowerCase() as Weekday) : -1);
  let picked: number[] = [];
  if (typeof raw === 'string' && raw.includes('-')) {
    const [a, b, ...rest] = raw.split('-');
    const from = idx(a);
    const to = idx(b);
    if (rest.length > 0 || from < 0 || to < 0) {
      bad(at, `'${raw}' is not a range of weekdays like mon-fri`);
      return undefined;
    }
    for (let i = from; ; i = (i + 1) % 7) {
      picked.push(i);
      if (i === to) break;
    }
  } else {
    const list = typeof raw === 'string' ? [raw] : raw;
    if (!Array.isArray(list) || list.length === 0) {
      bad(at, `must be a list of weekdays (${WEEKDAYS.join(', ')}) or a range like mon-fri`);
      return undefined;
    }
    let ok = true;
    list.forEach((d, i) => {
      const n = idx(d);
      if (n < 0) {
        bad(Array.isArray(raw) ? `${at}[${i}]` : at, `'${String(d)}' is not a weekday (${WEEKDAYS.join(', ')})`);
        ok = false;
      } else if (picked.includes(n)) {
        bad(Array.isArray(raw) ? `${at}[${i}]` : at, `${WEEKDAYS[n]} is listed twice`);
        ok = false;
      } else picked.push(n);
    });
    if (!ok) return undefined;
  }
  picked = [...new Set(picked)].sort((a, b) => a - b);
  return picked.map((n) => WEEKDAYS[n]!);
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKeys(o: Record<string, unknown>, known: readonly string[], at: string, bad: Report): boolean {
  let ok = true;
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) {
      bad(`${at}.${k}`, `unknown key (known keys: ${known.join(', ')})`);
      ok = false;
    }
  }
  return ok;
}

/** 510 -> "08:30"; 1440 -> "24:00". */
function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

function parseWindow(raw: unknown, at: string, bad: Report): WeeklyWindow | undefined {
  if (!isMapping(raw)) {
    bad(at, 'must be a mapping { days, from, to }');
    return undefined;
  }
  let ok = unknownKeys(raw, ['days', 'from', 'to'], at, bad);
  const days = parseDays(raw['days'], `${at}.days`, bad);
  const from = minuteOfDay(raw['from']);
  const to = minuteOfDay(raw['to']);
  if (from === undefined || from === 24 * 60) {
    bad(`${at}.from`, 'must be a time of day HH:MM (00:00-23:59)');
    ok = false;
  }
  if (to === undefined) {
    bad(`${at}.to`, 'must be a time of day HH:MM (00:00-24:00)');
    ok = false;
  }
  if (ok && from !== undefined && to !== undefined && to <= from) {
    bad(`${at}.to`, `ends at ${String(raw['to'])}, not after its start ${String(raw['from'])} (a window over midnight is two windows: ...-24:00 and 00:00-...)`);
    ok = false;
  }
  if (!ok || days === undefined) return undefined;
  return { days, from: hhmm(from!), to: hhmm(to!) };
}

function parseHoliday(raw: unknown, at: string, bad: Report): Holiday | undefined {
  if (!isMapping(raw)) {
    bad(at, 'must be { date: YYYY-MM-DD } or { from: YYYY-MM-DD, to: YYYY-MM-DD }');
    return undefined;
  }
  const dateProblem = 'must be a date YYYY-MM-DD that exists';
  if ('date' in raw) {
    if (!unknownKeys(raw, ['date'], at, bad)) return undefined;
    if (!isCalendarDate(raw['date'])) return void bad(`${at}.date`, dateProblem);
    return { date: raw['date'] };
  }
  if (!unknownKeys(raw, ['from', 'to'], at, bad)) return undefined;
  const from = raw['from'];
  const to = raw['to'];
  let ok = true;
  if (!isCalendarDate(from)) (bad(`${at}.from`, from === undefined ? 'give date, or from and to' : dateProblem), (ok = false));
  if (!isCalendarDate(to)) (bad(`${at}.to`, to === undefined ? 'give date, or from and to' : dateProblem), (ok = false));
  if (!ok) return undefined;
  // ISO dates compare as text.
  if ((to as string) < (from as string)) return void bad(`${at}.to`, `ends on ${String(to)}, before its start ${String(from)}`);
  return { from: from as string, to: to as string };
}

/** Reads `schedules:`; reports every problem; returns the valid schedules. */
export function parseSchedules(raw: unknown, at: string, bad: Report): Schedule[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return (bad(at, 'must be a list'), []);
  if (raw.length > MAX_SCHEDULES) return (bad(at, `at most ${MAX_SCHEDULES} schedules`), []);
  const out: Schedule[] = [];
  raw.forEach((s, i) => {
    const sAt = `${at}[${i}]`;
    if (!isMapping(s)) return bad(sAt, 'must be a mapping { name, weekly, holidays }');
    let ok = unknownKeys(s, ['name', 'weekly', 'holidays'], sAt, bad);
    const name = s['name'];
    if (typeof name !== 'string' || !NAME_RE.test(name)) (bad(`${sAt}.name`, 'must be 1-63 characters of a-z 0-9 -'), (ok = false));
    else if (out.some((o) => o.name === name) || raw.slice(0, i).some((o) => isMapping(o) && o['name'] === name)) (bad(`${sAt}.name`, `schedule ${name} is listed twice`), (ok = false));
    const weekly: WeeklyWindow[] = [];
    const rawWeekly = s['weekly'] ?? [];
    if (!Array.isArray(rawWeekly) || rawWeekly.length > MAX_WINDOWS) (bad(`${sAt}.weekly`, `must be a list of at most ${MAX_WINDOWS} windows`), (ok = false));
    else rawWeekly.forEach((w, j) => {
      const win = parseWindow(w, `${sAt}.weekly[${j}]`, bad);
      if (win) weekly.push(win);
      else ok = false;
    });
    const holidays: Holiday[] = [];
    const rawHolidays = s['holidays'] ?? [];
    if (!Array.isArray(rawHolidays) || rawHolidays.length > MAX_HOLIDAYS) (bad(`${sAt}.holidays`, `must be a list of at most ${MAX_HOLIDAYS} dates or ranges`), (ok = false));
    else rawHolidays.forEach((h, j) => {
      const hol = parseHoliday(h, `${sAt}.holidays[${j}]`, bad);
      if (hol) holidays.push(hol);
      else ok = false;
    });
    if (ok) out.push({ name: name as string, weekly, holidays });
  });
  return out;
}
