import type { BanList } from './ban-list.js';
import { GenerationMap } from './generation-map.js';

/**
 * Drops within a throttle streak may be at most this far apart; a longer quiet spell
 * (no message over the rate) ends the streak.
 */
export const FLOOD_STREAK_GAP_MS = 1_000;
/** A streak this long bans the source: it has kept going over the rate for 3 s. */
export const FLOOD_STREAK_BAN_MS = 3_000;
/**
 * Entries untouched this long are forgotten. It covers both the bucket refill (burst /
 * rate = 1 s) and the streak gap, so a forgotten source is exactly a fresh one.
 */
export const FLOOD_IDLE_MS = 2_000;

export type FloodVerdict = 'ok' | 'throttled' | 'banned';

interface Bucket {
  tokens: number;
  last: number;
  streakStart: number;
  lastDrop: number;
  streakDrops: number;
}

export interface FloodGuardOptions {
  /** Messages per second from one source; burst is the same number. Must be > 0. */
  rate: number;
  banSeconds: number;
  maxTracked: number;
  bans: BanList;
  now: number;
  onCapacity?: (dropped: number) => void;
}

/**
 * Per-source flood limit: a token bucket per source key (rate = burst = `rate`).
 *
 * - Within the rate: 'ok'.
 * - Over it: 'throttled'; the caller drops the message. Each drop extends a throttle
 *   streak (drops no more than FLOOD_STREAK_GAP_MS apart).
 * - The ban rule: a source is banned for banSeconds when, within one streak, either
 *   more than `rate` messages were dropped (it sent over twice its allowance), or the
 *   streak has lasted FLOOD_STREAK_BAN_MS (it kept going over, by any margin of at
 *   least one message a second, for 3 s). The message that trips it gets 'banned'.
 *
 * Keys come from the caller already resolved (trusted sources never get here; see
 * source-guard.ts). Memory: at most maxTracked entries (see generation-map.ts).
 */
export class FloodGuard {
  private readonly table: GenerationMap<Bucket>;
  private rate: number;
  private banSeconds: number;
  private readonly bans: BanList;

  constructor(opts: FloodGuardOptions) {
    this.rate = opts.rate;
    this.banSeconds = opts.banSeconds;
    this.bans = opts.bans;
    this.table = new GenerationMap<Bucket>(opts.maxTracked, FLOOD_IDLE_MS, opts.now, opts.onCapacity);
  }

  get size(): number {
    return this.table.size;
  }

  /** New limits apply from the next message; a bucket holding more than the new burst is cut down to it. */
  reconfigure(opts: { rate: number; banSeconds: number }): void {
    this.rate = opts.rate;
    this.banSeconds = opts.banSeconds;
  }

  admit(key: string, now: number): FloodVerdict {
    const rate = this.rate;
    const b = this.table.get(key, now);
    if (b === undefined) {
      this.table.add(key, { tokens: rate - 1, last: now, streakStart: now, lastDrop: now, streakDrops: 0 }, now);
      return 'ok';
    }
    const elapsed = now - b.last;
    if (elapsed > 0) b.tokens += (elapsed * rate) / 1000;
    if (b.tokens > rate) b.tokens = rate;
    b.last = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 'ok';
    }
    if (b.streakDrops === 0 || now - b.lastDrop > FLOOD_STREAK_GAP_MS || now < b.lastDrop) {
      b.streakStart = now;
      b.streakDrops = 0;
    }
    b.lastDrop = now;
    b.streakDrops++;
    if (b.streakDrops > rate || now - b.streakStart >= FLOOD_STREAK_BAN_MS) {
      const drops = b.streakDrops;
      const streakMs = now - b.streakStart;
      if (this.bans.ban(key, 'flood', this.banSeconds, now, { rate, dropped: drops, overForMs: streakMs })) {
        // Banned sources are not counted; after the ban it starts with a full bucket.
        this.table.delete(key);
        return 'banned';
      }
      // The ban table is full: keep throttling, and start a new streak before trying again.
      b.streakDrops = 0;
    }
    return 'throttled';
  }

  tick(now: number): void {
    this.table.tick(now);
  }

  forget(key: string): void {
    this.table.delete(key);
  }

  clear(): void {
    this.table.clear();
  }
}
