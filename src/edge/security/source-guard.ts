import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { CidrSet } from '../../util/cidr-set.js';
import { parseCidr, readIp } from '../../util/ip.js';
import { AuthFailTracker, type AuthFailBanPolicy } from './auth-fail-tracker.js';
import { BanList, type Ban } from './ban-list.js';
import { FloodGuard } from './flood-guard.js';
import { sourceKey } from './source-key.js';

/** The operator's knobs (DESIGN.md "Configuration", `security:`); what SIGHUP reloads. */
export interface SourceGuardPolicy {
  /** IPs and CIDRs never throttled or banned. */
  trusted: string[];
  /** Messages per second from one source before it is throttled, then banned; 0 = off. */
  floodRate: number;
  floodBanSeconds: number;
  authFailBan: AuthFailBanPolicy;
  /** IPv6 sources are counted and banned per network of this many bits; 64 unless set (see source-key.ts). */
  ipv6Prefix?: number;
}

export interface SourceGuardOptions extends SourceGuardPolicy {
  clock: Clock;
  logger: Logger;
  /** Cap on each per-source table (flood buckets, auth-failure counts); default 100,000. */
  maxTracked?: number;
  /** Cap on the ban table; default 100,000. */
  maxBans?: number;
}

export type Admission = 'ok' | 'throttled' | 'banned';

export interface SourceGuardStats {
  /** Entries in the per-source tables (flood + auth failures). */
  tracked: number;
  /** Live bans. */
  banned: number;
  /** Messages answered 'throttled', since start. */
  throttledTotal: number;
  /** Messages answered 'banned', since start. */
  bannedTotal: number;
  /** Bans imposed, since start. */
  bansImposed: number;
}

export const DEFAULT_MAX_TRACKED = 100_000;
const CAPACITY_LOG_INTERVAL_MS = 60_000;

/**
 * The per-source guards of the edge, in front of the parser:
 *
 *   admit(address)      once per inbound datagram / stream message, before parsing
 *   authFailed(address) when a digest response from it proved wrong
 *
 * A source is the remote address as the socket reports it, keyed by source-key.ts
 * (IPv4-mapped folded to IPv4, IPv6 per /64). Trusted sources are answered 'ok' and
 * leave no state. Bans from floods and from auth failures share one BanList.
 *
 * admit() is O(1): one parse of the address into a reused buffer (skipped when the same
 * address comes twice in a row), a scan of the trusted prefixes, and two Map lookups; for
 * an IPv4 source already known it allocates nothing. No timers: expiry is lazy.
 */
export class SourceGuard {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly maxTracked: number;
  private readonly bans: BanList;
  private readonly auth: AuthFailTracker;
  private flood: FloodGuard | undefined;
  private trusted!: CidrSet;
  private policy!: Required<SourceGuardPolicy>;
  private readonly words = new Uint32Array(4);
  // One-entry memo of resolve(): floods come from one address many times in a row.
  private memoAddress: string | undefined;
  private memoKey: string | null = null;
  private throttledTotal = 0;
  private bannedTotal = 0;
  private capacityLoggedAt = -Infinity;

  /** Throws RangeError or InvalidAddressError on a bad policy. */
  constructor(opts: SourceGuardOptions) {
    this.clock = opts.clock;
    this.logger = opts.logger;
    this.maxTracked = Math.max(2, opts.maxTracked ?? DEFAULT_MAX_TRACKED);
    const now = this.clock.now();
    this.bans = new BanList({ logger: this.logger, maxBans: opts.maxBans });
    const { policy, trusted } = checkPolicy(opts);
    this.auth = new AuthFailTracker({ policy: policy.authFailBan, maxTracked: this.maxTracked, bans: this.bans, now, onCapacity: (n) => this.onCapacity('auth', n) });
    this.apply(policy, trusted, now);
  }

  admit(address: string): Admission {
    const key = this.resolve(address);
    if (key === null) return 'ok';
    const now = this.clock.now();
    this.auth.tick(now);
    if (this.bans.isBanned(key, now)) {
      this.bannedTotal++;
      return 'banned';
    }
    if (this.flood === undefined) return 'ok';
    const verdict = this.flood.admit(key, now);
    if (verdict === 'throttled') this.throttledTotal++;
    else if (verdict === 'banned') this.bannedTotal++;
    return verdict;
  }

  authFailed(address: string): void {
    const key = this.resolve(address);
    if (key !== null) this.auth.failed(key, this.clock.now());
  }

  /** Clears nothing on purpose; see auth-fail-tracker.ts. */
  authSucceeded(address: string): void {
    const key = this.resolve(address);
    if (key !== null) this.auth.succeeded(key, this.clock.now());
  }

  isBanned(address: string): boolean {
    const key = this.resolve(address);
    return key !== null && this.bans.isBanned(key, this.clock.now());
  }

  isTrusted(address: string): boolean {
    return this.resolve(address) === null;
  }

  /** Live bans, for the admin API. `address` is the source key (IPv4, or an IPv6 /64). */
  listBans(): Ban[] {
    return this.bans.list(this.clock.now());
  }

  /** Lift a ban on an address, or on a key as listBans() shows it; its counters start afresh. */
  unban(address: string): boolean {
    const key = this.resolve(address) ?? sourceKey(address, readIp(address, this.words), this.words, this.policy.ipv6Prefix);
    this.flood?.forget(key);
    this.auth.forget(key);
    return this.bans.unban(key, this.clock.now());
  }

  /**
   * SIGHUP: new limits and trusted list apply from the next message. Existing bans stay
   * with their original expiry, except those whose whole network is now trusted. A bad
   * policy throws and changes nothing.
   */
  reconfigure(next: SourceGuardPolicy): void {
    const { policy, trusted } = checkPolicy(next);
    const now = this.clock.now();
    this.apply(policy, trusted, now);
    for (const ban of this.bans.list(now)) {
      const net = parseCidr(ban.address);
      if (net && trusted.coversNetwork(net)) this.bans.unban(ban.address, now);
    }
  }

  stats(): SourceGuardStats {
    const now = this.clock.now();
    this.bans.sweep(now);
    this.flood?.tick(now);
    this.auth.tick(now);
    return {
      tracked: (this.flood?.size ?? 0) + this.auth.size,
      banned: this.bans.size,
      throttledTotal: this.throttledTotal,
      bannedTotal: this.bannedTotal,
      bansImposed: this.bans.imposed,
    };
  }

  private apply(policy: Required<SourceGuardPolicy>, trusted: CidrSet, now: number): void {
    this.policy = policy;
    this.trusted = trusted;
    this.memoAddress = undefined;
    this.auth.reconfigure(policy.authFailBan);
    if (policy.floodRate <= 0) {
      this.flood = undefined;
    } else if (this.flood) {
      this.flood.reconfigure({ rate: policy.floodRate, banSeconds: policy.floodBanSeconds });
    } else {
      this.flood = new FloodGuard({
        rate: policy.floodRate,
        banSeconds: policy.floodBanSeconds,
        maxTracked: this.maxTracked,
        bans: this.bans,
        now,
        onCapacity: (n) => this.onCapacity('flood', n),
      });
    }
  }

  /** The source key, or null for a trusted source. */
  private resolve(address: string): string | null {
    if (address === this.memoAddress) return this.memoKey;
    const family = readIp(address, this.words);
    const key = family !== 0 && this.trusted.size > 0 && this.trusted.containsWords(family, this.words) ? null : sourceKey(address, family, this.words, this.policy.ipv6Prefix);
    this.memoAddress = address;
    this.memoKey = key;
    return key;
  }

  private onCapacity(table: 'flood' | 'auth', dropped: number): void {
    const now = this.clock.now();
    if (now - this.capacityLoggedAt < CAPACITY_LOG_INTERVAL_MS) return;
    this.capacityLoggedAt = now;
    try {
      this.logger.warn('per-source table full; forgetting sources not seen lately (spoofed spray?)', { table, cap: this.maxTracked, dropped });
    } catch {
      // a failing sink must not fail admit()
    }
  }
}

function checkPolicy(p: SourceGuardPolicy): { policy: Required<SourceGuardPolicy>; trusted: CidrSet } {
  const num = (name: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`security.${name} must be a number >= 0, got ${String(v)}`);
    return v;
  };
  const a = p.authFailBan ?? ({} as Partial<AuthFailBanPolicy>);
  const policy: Required<SourceGuardPolicy> = {
    trusted: [...(p.trusted ?? [])],
    floodRate: num('floodRate', p.floodRate),
    floodBanSeconds: num('floodBanSeconds', p.floodBanSeconds),
    authFailBan: {
      attempts: num('authFailBan.attempts', a.attempts),
      windowSeconds: num('authFailBan.windowSeconds', a.windowSeconds),
      banSeconds: num('authFailBan.banSeconds', a.banSeconds),
    },
    ipv6Prefix: p.ipv6Prefix ?? 64,
  };
  if (!Number.isInteger(policy.ipv6Prefix) || policy.ipv6Prefix < 1 || policy.ipv6Prefix > 128) {
    throw new RangeError(`ipv6Prefix must be an integer 1-128, got ${String(p.ipv6Prefix)}`);
  }
  return { policy, trusted: new CidrSet(policy.trusted) };
}
