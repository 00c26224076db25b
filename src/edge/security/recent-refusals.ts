/**
 * Source keys admit() refused lately without a ban of the whole source (a flood guard's
 * throttle, a refusal per flow of an exempt source), each with the time of its last
 * refusal: the SIP front threads answer nothing for these and forward every datagram, so
 * the main thread's admit() decides it (source-guard.ts frontRefusals()). Bounded: at the
 * cap the oldest entry goes, as a spray of spoofed sources must not grow it; a source
 * pushed out is only answered by a front again until its next refusal.
 */
export class RecentRefusals {
  private readonly last = new Map<string, number>();

  constructor(
    /** How long a refusal keeps its key listed, in ms. */
    private readonly windowMs: number,
    private readonly max = 10_000,
  ) {}

  get size(): number {
    return this.last.size;
  }

  /** A refusal of `key` at `now`; true when the key was not listed (the listing changed). */
  note(key: string, now: number): boolean {
    const had = this.last.delete(key);
    this.last.set(key, now);
    if (this.last.size > this.max) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    return !had;
  }

  /** The keys refused within the window before `now`; older ones are forgotten. */
  keys(now: number): string[] {
    const out: string[] = [];
    for (const [key, at] of this.last) {
      if (now - at > this.windowMs || at > now) this.last.delete(key);
      else out.push(key);
    }
    return out;
  }

  clear(): void {
    this.last.clear();
  }
}
