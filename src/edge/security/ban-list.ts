import type { Logger } from '../../util/logger.js';

export type BanReason = 'flood' | 'auth-fail' | 'admin';

/** One ban, as plain data (for the admin API). Times are clock milliseconds. */
export interface Ban {
  /** The source key: an IPv4 address or an IPv6 network (see source-key.ts). */
  address: string;
  reason: BanReason;
  since: number;
  until: number;
}

export const DEFAULT_MAX_BANS = 100_000;
/** A full table is reported at most this often. */
const FULL_LOG_INTERVAL_MS = 60_000;
/** How often a full table may be swept completely for expired bans. */
const FULL_SWEEP_INTERVAL_MS = 1_000;

/**
 * The shared table of banned sources, with expiry. Its own table with its own cap, so
 * that nothing done to the per-source counters (a spray of spoofed addresses filling
 * them) can push a ban out. When it is full, a new ban is refused (and reported) rather
 * than an existing one evicted: whoever could fill it could otherwise evict the ban on
 * themselves. The flood guard keeps throttling a source whose ban was refused.
 *
 * Expired bans are removed lazily: on lookup, a few from the head on each new ban
 * (insertion order is nearly expiry order), and all at once by sweep()/list().
 * Methods take `now` so that the hot path reads the clock once per message.
 */
export class BanList {
  private readonly bans = new Map<string, Ban>();
  private readonly logger: Logger;
  readonly maxBans: number;
  private fullLoggedAt = -Infinity;
  private fullSweptAt = -Infinity;
  /** Bans imposed since start (not counting extensions of a live ban). */
  imposed = 0;
  /** Bans refused because the table was full. */
  refused = 0;

  constructor(opts: { logger: Logger; maxBans?: number }) {
    this.logger = opts.logger;
    this.maxBans = Math.max(1, opts.maxBans ?? DEFAULT_MAX_BANS);
  }

  /** Live and not yet collected bans. */
  get size(): number {
    return this.bans.size;
  }

  isBanned(key: string, now: number): boolean {
    if (this.bans.size === 0) return false;
    const ban = this.bans.get(key);
    if (ban === undefined) return false;
    if (now < ban.until) return true;
    this.bans.delete(key);
    return false;
  }

  get(key: string, now: number): Ban | undefined {
    return this.isBanned(key, now) ? { ...this.bans.get(key)! } : undefined;
  }

  /**
   * Ban `key` for `seconds`. A live ban is extended if this one ends later (and not
   * logged again). Returns false when the table is full and the ban was not recorded.
   * Logs the new ban at warn with the address, reason and duration.
   */
  ban(key: string, reason: BanReason, seconds: number, now: number, detail?: Record<string, unknown>): boolean {
    const until = now + Math.max(0, seconds) * 1000;
    const live = this.bans.get(key);
    if (live !== undefined && now < live.until) {
      if (until > live.until) {
        // Re-insert so that insertion order keeps following expiry order.
        this.bans.delete(key);
        this.bans.set(key, { ...live, until });
      }
      return true;
    }
    if (live !== undefined) this.bans.delete(key);
    this.collectHead(now, 4);
    if (this.bans.size >= this.maxBans && now - this.fullSweptAt >= FULL_SWEEP_INTERVAL_MS) {
      this.fullSweptAt = now;
      this.sweep(now);
    }
    if (this.bans.size >= this.maxBans) {
      this.refused++;
      if (now - this.fullLoggedAt >= FULL_LOG_INTERVAL_MS) {
        this.fullLoggedAt = now;
        this.log('warn', 'ban table full; new bans refused until some expire', { address: key, reason, maxBans: this.maxBans });
      }
      return false;
    }
    this.bans.set(key, { address: key, reason, since: now, until });
    this.imposed++;
    this.log('warn', 'source banned', { address: key, reason, seconds, ...detail });
    return true;
  }

  /** Lift a ban now (admin). Returns whether there was a live one. */
  unban(key: string, now: number): boolean {
    const ban = this.bans.get(key);
    if (ban === undefined) return false;
    this.bans.delete(key);
    if (now >= ban.until) return false;
    this.log('info', 'source unbanned', { address: key, reason: ban.reason });
    return true;
  }

  /** Live bans, oldest first, as copies. */
  list(now: number): Ban[] {
    this.sweep(now);
    return [...this.bans.values()].map((b) => ({ ...b }));
  }

  /** Remove every expired ban; returns how many. */
  sweep(now: number): number {
    let removed = 0;
    for (const [key, ban] of this.bans) {
      if (now >= ban.until) {
        this.bans.delete(key);
        removed++;
      }
    }
    return removed;
  }

  // Called from the per-message path: a failing log sink must not turn into a thrown admit().
  private log(level: 'warn' | 'info', msg: string, fields: Record<string, unknown>): void {
    try {
      this.logger[level](msg, fields);
    } catch {
      // nothing sensible to do
    }
  }

  private collectHead(now: number, max: number): void {
    let n = 0;
    for (const [key, ban] of this.bans) {
      if (n++ >= max || now < ban.until) return;
      this.bans.delete(key);
    }
  }
}
