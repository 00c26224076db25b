export const HOUR = 3600_000;

/** Calls started in each of the 24 hours before `now` (the last bucket ends at the next full hour). */
export function callsPerHour(startedAt: readonly string[], now: number): { hours: number[]; calls: number[] } {
  const end = Math.ceil(now / HOUR) * HOUR;
  const start = end - 24 * HOUR;
  const hours = Array.from({ length: 24 }, (_, i) => (start + i * HOUR) / 1000);
  const calls = new Array<number>(24).fill(0);
  for (const s of startedAt) {
    const t = Date.parse(s);
    if (Number.isNaN(t) || t < start || t >= end) continue;
    calls[Math.floor((t - start) / HOUR)]!++;
  }
  return { hours, calls };
}
