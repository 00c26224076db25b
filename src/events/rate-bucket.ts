import type { Clock } from '../util/clock.js';

/**
 * A token bucket per key (a tenant): `ratePerSecond` tokens a second, bursts up to
 * `burst`. take() says whether one more request may go on now, or how many whole seconds
 * to wait (for Retry-After). Keys with a full bucket are forgotten, so memory follows the
 * busy keys only.
 */
export class RateBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly o: { clock: Clock; ratePerSecond: () => number; burst: () => number }) {}

  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const rate = this.o.ratePerSecond();
    if (rate <= 0) return { ok: true };
    const burst = Math.max(1, this.o.burst());
    const now = this.o.clock.now();
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / rate)) };
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.prune(now, rate, burst);
    return { ok: true };
  }

  private prune(now: number, rate: number, burst: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * rate >= burst) this.buckets.delete(k);
  }
}
