/**
 * Exponential back-off with a bound: the wait before attempt `n` (n ≥ 2) is
 * base·2^(n-2), at most maxMs. Undefined when no attempt is left.
 */
export function retryDelayMs(attempt: number, o: { attempts: number; baseMs: number; maxMs: number }): number | undefined {
  if (attempt > o.attempts) return undefined;
  return Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, attempt - 2));
}
