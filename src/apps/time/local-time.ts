/**
 * The wall-clock date, weekday and minute of an instant in an IANA time zone, from the
 * time-zone database of Node's Intl (ICU): DST rules and their history come with it, so
 * nothing here knows about offsets. Formatters are cached per zone (a few hundred at most).
 */

export interface LocalTime {
  /** YYYY-MM-DD in the zone. */
  date: string;
  /** 0 = Monday ... 6 = Sunday. */
  weekday: number;
  /** Minutes since local midnight as the wall clock reads it (0-1439). */
  minute: number;
}

const WEEKDAY_INDEX: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws a RangeError for a zone Intl does not know: callers validate zones at apply.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local time of `nowMs` in `timeZone`. */
export function localTime(nowMs: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(nowMs)) parts[p.type] = p.value;
  const hour = Number(parts['hour']) % 24;
  return {
    date: `${parts['year']}-${parts['month']}-${parts['day']}`,
    weekday: WEEKDAY_INDEX[parts['weekday'] ?? ''] ?? 0,
    minute: hour * 60 + Number(parts['minute']),
  };
}
