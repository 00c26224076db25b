export type GateVerdict = 'ok' | 'shed';

/**
 * The global admission limit (issue 16 finding 9): a flood spread over many sources,
 * each under the per-source limit, can still take all the event loop has. One token
 * bucket over all sources (rate = burst = `rate` messages a second). While it has
 * tokens every message is admitted and takes one. When it is empty, a message from a
 * known source (an address with a live authenticated binding or flow, a trunk; trusted
 * sources never get here) is still admitted, and one from an unknown source is shed:
 * known sources are served first, unknown ones get what is left.
 *
 * Shedding is not a ban: it ends as soon as the offered load falls under the rate.
 * `isKnown` is asked only when the bucket is empty, so the common path is one compare.
 */
export class AdmissionGate {
  private tokens: number;
  private last: number;
  /** Messages shed since start. */
  shedTotal = 0;

  constructor(
    private rate: number,
    now: number,
  ) {
    if (!(rate > 0)) throw new RangeError('admission rate must be positive');
    this.tokens = rate;
    this.last = now;
  }

  reconfigure(rate: number): void {
    if (!(rate > 0)) throw new RangeError('admission rate must be positive');
    this.rate = rate;
    if (this.tokens > rate) this.tokens = rate;
  }

  /** Whether the bucket was empty at the last message (for monitoring). */
  get saturated(): boolean {
    return this.tokens < 1;
  }

  admit(isKnown: () => boolean, now: number): GateVerdict {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.rate, this.tokens + (elapsed * this.rate) / 1000);
      this.last = now;
    } else if (elapsed < 0) {
      this.last = now; // the clock stepped back: refill from here
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'ok';
    }
    if (isKnown()) return 'ok';
    this.shedTotal++;
    return 'shed';
  }
}
