/**
 * Nonce-count replay protection (RFC 7616 §3.4, nc; RFC 2617 §3.2.2: "the server can
 * detect request replays by maintaining its own copy of this count").
 *
 * Per nonce: the highest nc accepted and a 32-bit window of the ones below it, so
 * requests sent on one nonce in parallel (an INVITE and a SUBSCRIBE racing over UDP)
 * may arrive out of order, but no nc is ever accepted twice, and one older than the
 * window is refused.
 *
 * Only successful authentications are recorded, so an unauthenticated sender cannot
 * fill the table. Entries live as long as their nonce (issue time + TTL). The table
 * has a hard cap; when it is full the oldest entry goes, and every nonce issued no
 * later than the newest evicted one is from then on answered 'forgotten' when it has
 * no entry (the caller answers stale=true and the client takes a fresh nonce), so an
 * evicted nonce never becomes replayable.
 */
import type { Clock } from '../../util/clock.js';

const WINDOW = 32;

interface Entry {
  issuedAt: number;
  highest: number;
  /** Bit i set: nc (highest - i) was accepted. */
  seen: number;
}

export type NonceCountVerdict =
  | 'ok'
  /** This nc was already used with this nonce, or is older than the window. */
  | 'replay'
  /** This nonce's record may have been evicted: it cannot be trusted any more. */
  | 'forgotten';

export interface NonceCounterOptions {
  clock: Clock;
  /** Lifetime of a nonce, ms (the nonce TTL). */
  ttlMs: number;
  /** Hard cap on remembered nonces. */
  maxEntries: number;
}

export class NonceCounter {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private ttlMs: number;
  private readonly maxEntries: number;
  /** Issue time of the newest nonce whose live entry was evicted. */
  private evictedUpTo = -Infinity;

  constructor(opts: NonceCounterOptions) {
    if (!(opts.maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
    this.clock = opts.clock;
    this.ttlMs = opts.ttlMs;
    this.maxEntries = Math.floor(opts.maxEntries);
  }

  /** Follows NonceCodec.setTtlSeconds. */
  setTtlMs(ttlMs: number): void {
    this.ttlMs = ttlMs;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Record a successful authentication with nonce `key` (issued at `issuedAt`) and
   * nonce-count `nc` (1 … 2^32-1). Nothing is recorded unless the verdict is 'ok'.
   */
  use(key: string, issuedAt: number, nc: number): NonceCountVerdict {
    const e = this.entries.get(key);
    if (e === undefined) {
      if (issuedAt <= this.evictedUpTo) return 'forgotten';
      this.makeRoom();
      this.entries.set(ownCopy(key), { issuedAt, highest: nc, seen: 1 });
      return 'ok';
    }
    if (nc > e.highest) {
      const shift = nc - e.highest;
      e.seen = shift >= WINDOW ? 1 : ((e.seen << shift) | 1) >>> 0;
      e.highest = nc;
      return 'ok';
    }
    const offset = e.highest - nc;
    if (offset >= WINDOW) return 'replay';
    const bit = (1 << offset) >>> 0;
    if ((e.seen & bit) !== 0) return 'replay';
    e.seen = (e.seen | bit) >>> 0;
    return 'ok';
  }

  /** Drop expired entries from the old end, then evict the oldest while full. */
  private makeRoom(): void {
    const now = this.clock.now();
    for (const [key, e] of this.entries) {
      if (now - e.issuedAt > this.ttlMs) this.entries.delete(key);
      else break;
    }
    while (this.entries.size >= this.maxEntries) {
      const first = this.entries.entries().next();
      if (first.done) break;
      const [key, e] = first.value;
      this.entries.delete(key);
      if (now - e.issuedAt <= this.ttlMs && e.issuedAt > this.evictedUpTo) this.evictedUpTo = e.issuedAt;
    }
  }
}

/**
 * The key as a string of its own. The nonce arrives as a slice of the Authorization value,
 * itself a slice of the whole header section: V8 keeps a slice's parent alive, so a stored
 * slice would hold every request's header text (~0.5 KB) for the nonce's lifetime (issue 13:
 * live heap per registered contact). A Buffer round trip makes a flat copy.
 */
function ownCopy(key: string): string {
  return Buffer.from(key, 'utf8').toString('utf8');
}
