/**
 * A cap on the digits one leg may report per second: a DTMF flood (hundreds of events a
 * second, hostile or a stuck sender) costs a counter, never a queue or a stall. A person
 * presses at most about ten keys a second (Q.24 allows 40 ms tones with 40 ms pauses:
 * 12.5/s), so the default lets twice that through.
 */
export const DEFAULT_DIGITS_PER_SECOND = 25;

export class DtmfFloodGuard {
  /** Digits refused since the leg started. */
  dropped = 0;
  private windowStart = -Infinity;
  private count = 0;

  constructor(
    private readonly now: () => number,
    private readonly perSecond = DEFAULT_DIGITS_PER_SECOND,
  ) {}

  /** May one more digit be reported now? Counts the refusal when not. */
  admit(): boolean {
    const t = this.now();
    if (t - this.windowStart >= 1000) {
      this.windowStart = t;
      this.count = 0;
    }
    if (this.count >= this.perSecond) {
      this.dropped++;
      return false;
    }
    this.count++;
    return true;
  }
}
