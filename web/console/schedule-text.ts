/**
 * A schedule's weekly windows and holidays as the console's fields hold them, and back
 * (src/model/schedule.ts is the shape the API takes). Values go to the API as typed: it
 * checks them and names the problem. Pure.
 */

/** `days` as typed: "mon-fri" stays a range, "sat, sun" becomes a list. */
export function daysValue(s: string): string | string[] {
  const t = s.trim();
  if (/^[A-Za-z]+-[A-Za-z]+$/.test(t)) return t;
  return t.split(/[\s,]+/).filter((x) => x !== '');
}

export function daysText(days: unknown): string {
  return Array.isArray(days) ? days.join(', ') : String(days ?? '');
}

/** One holiday a line: "2026-12-25", or a range "2026-12-24..2026-12-26" (or "... to ..."). */
export function holidaysValue(text: string): Array<{ date: string } | { from: string; to: string }> {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^(\S+)\s*(?:\.\.|\s+to\s+)\s*(\S+)$/.exec(l);
      return m ? { from: m[1]!, to: m[2]! } : { date: l };
    });
}

export function holidaysText(holidays: unknown): string {
  if (!Array.isArray(holidays)) return '';
  return holidays.map((h: { date?: string; from?: string; to?: string }) => (h.date !== undefined ? h.date : `${h.from}..${h.to}`)).join('\n');
}

/** '/holidays/2/date' → 3 (the line of the text area); undefined for a pointer not into one holiday. */
export function holidayLine(pointer: string): number | undefined {
  const m = /^\/holidays\/(\d+)(?:\/|$)/.exec(pointer);
  return m ? Number(m[1]) + 1 : undefined;
}
