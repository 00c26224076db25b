import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { CidrSet } from '../../util/cidr-set.js';
import { parseCidr, readIp } from '../../util/ip.js';
import { AuthFailTracker, type AuthFailBanPolicy } from './auth-fail-tracker.js';
import { BanList, type Ban } from './ban-list.js';
import { AdmissionGate } from './admission-gate.js';
import { FLOOD_IDLE_MS, FloodGuard } from './flood-guard.js';
import { KnownSources } from './known-sources.js';
import { RecentRefusals } from './recent-refusals.js';
import { sourceKey } from '../../util/source-key.js';

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
  /**
   * Messages per second admitted over all untrusted sources together before unknown
   * sources are shed (known ones are still served); 0 or unset = off (issue 16 finding 9).
   */
  admissionRate?: number;
}

export interface SourceGuardOptions extends SourceGuardPolicy {
  clock: Clock;
  logger: Logger;
  /** Cap on each per-source table (flood buckets, auth-failure counts); default 100,000. */
  maxTracked?: number;
  /** Cap on the ban table; default 100,000. */
  maxBans?: number;
  /** Whether an address is one of a trunk's (a carrier's): never blocked by a ban, served first. */
  isTrunkAddress?: (address: string) => boolean;
}

export type Admission = 'ok' | 'throttled' | 'banned';

/**
 * What the SIP front threads may know of admit()'s decisions without asking it (issue 13
 * point 2; plain data, sent to them by the main thread): they drop the refused sources
 * unread, forward every datagram of the others listed here (answering nothing themselves:
 * no STUN, no 400, no challenge) so that admit() decides it, and may answer the rest.
 */
export interface FrontRefusals {
  ipv6Prefix: number;
  /** Source keys every message of which admit() refuses: banned, no authenticated flow, not a trunk's address. */
  refused: string[];
  /**
   * Source keys admit() decides per message: a banned address with an authenticated flow
   * or a trunk's (their other ports are refused), a source with a flow banned, and a
   * source throttled lately (over its flood rate, not banned yet; FLOOD_IDLE_MS).
   */
  forwarded: string[];
  /** The global admission gate shed an unknown source lately: every datagram is forwarded. */
  forwardAll: boolean;
}

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
  /** Messages from unknown sources shed by the global admission limit, since start (also in throttledTotal). */
  shedTotal: number;
  /** Addresses with a live authenticated flow. */
  knownSources: number;
}

/** How long a flow stays known after a request from it authenticated (a REGISTER: its binding's expiry). */
export const KNOWN_FLOW_SECONDS = 300;
/** Added to a binding's expiry: a phone refreshes a little late, or the answer crossed the expiry. */
const BINDING_GRACE_SECONDS = 32;

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
  private gate: AdmissionGate | undefined;
  private readonly known = new KnownSources();
  private readonly isTrunkAddress: (address: string) => boolean;
  private shedLoggedAt = -Infinity;
  private shedAtLastLog = 0;
  private trusted!: CidrSet;
  private policy!: Required<SourceGuardPolicy>;
  private readonly words = new Uint32Array(4);
  // One-entry memo of resolve(): floods come from one address many times in a row.
  private memoAddress: string | undefined;
  private memoKey: string | null = null;
  private throttledTotal = 0;
  private bannedTotal = 0;
  private capacityLoggedAt = -Infinity;
  /** Sources refused lately without a ban of their own (see frontRefusals()). */
  private readonly recent = new RecentRefusals(FLOOD_IDLE_MS);
  private gateShedAt = -Infinity;
  private frontListener: (() => void) | undefined;

  /** Throws RangeError or InvalidAddressError on a bad policy. */
  constructor(opts: SourceGuardOptions) {
    this.clock = opts.clock;
    this.logger = opts.logger;
    this.maxTracked = Math.max(2, opts.maxTracked ?? DEFAULT_MAX_TRACKED);
    this.isTrunkAddress = opts.isTrunkAddress ?? (() => false);
    const now = this.clock.now();
    this.bans = new BanList({ logger: this.logger, maxBans: opts.maxBans });
    const { policy, trusted } = checkPolicy(opts);
    this.auth = new AuthFailTracker({ policy: policy.authFailBan, maxTracked: this.maxTracked, bans: this.bans, now, onCapacity: (n) => this.onCapacity('auth', n) });
    this.apply(policy, trusted, now);
  }

  /**
   * One inbound message (or connection, port 0) from `address`:`port`.
   *
   * Issue 16 finding 6: a ban of an address never blocks a flow from it that has
   * authenticated (a registered phone's own port) nor a trunk's address; and when the
   * address as a whole is over its flood rate, such a source is limited per flow
   * (address:port) instead. So spoofed failures or a flood from a phone's or a
   * carrier's address, on other ports, get those ports refused and leave the phone
   * and the carrier served.
   */
  admit(address: string, port = 0): Admission {
    const key = this.resolve(address);
    if (key === null) return 'ok';
    const now = this.clock.now();
    this.auth.tick(now);
    if (this.bans.isBanned(key, now)) {
      if (this.exempt(key, address, port, now)) return this.refusedLately(key, this.admitFlow(key, address, port, now), now);
      this.bannedTotal++;
      return 'banned';
    }
    if (this.flood !== undefined) {
      const imposed = this.bans.imposed;
      const verdict = this.flood.admit(key, now);
      if (verdict !== 'ok') {
        if (this.bans.imposed !== imposed) this.frontsChanged();
        if (this.exempt(key, address, port, now)) return this.refusedLately(key, this.admitFlow(key, address, port, now), now);
        if (verdict === 'throttled') this.throttledTotal++;
        else this.bannedTotal++;
        return this.refusedLately(key, verdict, now);
      }
    }
    return this.admitGlobal(key, address, now);
  }

  /**
   * Called when what frontRefusals() returns changed in a way the front threads must learn
   * at once (a new ban, a source newly throttled, the admission gate starting to shed):
   * the main thread sends them the new view instead of waiting for its next refresh.
   * Called from admit(): it should only schedule the work.
   */
  onFrontRefusalsChanged(listener: (() => void) | undefined): void {
    this.frontListener = listener;
  }

  /** A refusal that is not a ban of the whole source: its key is listed for the front threads to forward. */
  private refusedLately(key: string, verdict: Admission, now: number): Admission {
    if (verdict !== 'ok' && this.recent.note(key, now)) this.frontsChanged();
    return verdict;
  }

  private frontsChanged(): void {
    try {
      this.frontListener?.();
    } catch {
      // a failing listener must not fail admit()
    }
  }

  /** Failed digest authentication from address:port (port 0 when unknown). */
  authFailed(address: string, port = 0): void {
    const key = this.resolve(address);
    if (key === null) return;
    const now = this.clock.now();
    const imposed = this.bans.imposed;
    this.auth.failed(key, now);
    // An exempt flow that fails itself is counted on its own, and banned on its own: one
    // valid account must not turn its flow into a free brute-force channel.
    if (this.exempt(key, address, port, now)) this.auth.failed(flowKey(key, port), now);
    if (this.bans.imposed !== imposed) this.frontsChanged();
  }

  /**
   * A request from address:port authenticated: the flow is known for `seconds` (a
   * REGISTER's binding expiry, see registered()). Clears no failure count (see
   * auth-fail-tracker.ts).
   */
  authSucceeded(address: string, port = 0, seconds = KNOWN_FLOW_SECONDS): void {
    const key = this.resolve(address);
    if (key === null) return;
    const now = this.clock.now();
    this.auth.succeeded(key, now);
    if (port > 0 && seconds > 0) this.known.add(key, port, now + seconds * 1000, now);
  }

  /** A REGISTER from address:port was accepted with bindings for `seconds`. */
  registered(address: string, port: number, seconds: number): void {
    if (seconds > 0) this.authSucceeded(address, port, seconds + BINDING_GRACE_SECONDS);
  }

  /** Whether address:port is an authenticated flow or the address a trunk's. */
  private exempt(key: string, address: string, port: number, now: number): boolean {
    return (port > 0 && this.known.hasFlow(key, port, now)) || this.trunk(address);
  }

  /** The per-flow limits of an exempt source, then the global gate (which serves it). */
  private admitFlow(key: string, address: string, port: number, now: number): Admission {
    const flow = flowKey(key, port);
    if (this.bans.isBanned(flow, now)) {
      this.bannedTotal++;
      return 'banned';
    }
    if (this.flood !== undefined) {
      const verdict = this.flood.admit(flow, now);
      if (verdict === 'throttled') this.throttledTotal++;
      else if (verdict === 'banned') this.bannedTotal++;
      if (verdict !== 'ok') return verdict;
    }
    return this.admitGlobal(key, address, now);
  }

  private admitGlobal(key: string, address: string, now: number): Admission {
    if (this.gate === undefined) return 'ok';
    if (this.gate.admit(() => this.known.hasAddress(key, now) || this.trunk(address), now) === 'ok') return 'ok';
    this.throttledTotal++;
    const startsShedding = now - this.gateShedAt > FLOOD_IDLE_MS;
    this.gateShedAt = now;
    if (startsShedding) this.frontsChanged();
    if (now - this.shedLoggedAt >= CAPACITY_LOG_INTERVAL_MS) {
      this.shedLoggedAt = now;
      try {
        this.logger.warn('admission limit reached; shedding messages from unknown sources', { rate: this.policy.admissionRate, shedSinceLastReport: this.gate.shedTotal - this.shedAtLastLog });
      } catch {
        // a failing sink must not fail admit()
      }
      this.shedAtLastLog = this.gate.shedTotal;
    }
    return 'throttled';
  }

  private trunk(address: string): boolean {
    try {
      return this.isTrunkAddress(address);
    } catch {
      return false;
    }
  }

  isBanned(address: string): boolean {
    const key = this.resolve(address);
    return key !== null && this.bans.isBanned(key, this.clock.now());
  }

  /**
   * What the SIP front threads may apply without asking admit() (FrontRefusals): the
   * banned source keys whose every message admit() refuses (no live authenticated flow
   * from them, not a trunk's address), and the keys whose messages admit() decides one by
   * one (a banned address with exempt flows, a flow ban, a lately throttled source), which
   * the fronts forward whole. A front thus answers nothing that admit() would refuse.
   */
  frontRefusals(): FrontRefusals {
    const now = this.clock.now();
    const refused = new Set<string>();
    const forwarded = new Set<string>();
    for (const b of this.bans.list(now)) {
      const bar = b.address.indexOf('|');
      // A flow ban (address|port, see flowKey) hits one port of an exempt source: admit() tells the ports apart.
      if (bar >= 0) forwarded.add(b.address.slice(0, bar));
      else if (this.known.hasAddress(b.address, now) || this.trunk(b.address)) forwarded.add(b.address);
      else refused.add(b.address);
    }
    for (const key of this.recent.keys(now)) if (!refused.has(key)) forwarded.add(key);
    return { ipv6Prefix: this.policy.ipv6Prefix, refused: [...refused], forwarded: [...forwarded], forwardAll: now - this.gateShedAt <= FLOOD_IDLE_MS };
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
    const lifted = this.bans.unban(key, this.clock.now());
    if (lifted) this.frontsChanged();
    return lifted;
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
      shedTotal: this.gate?.shedTotal ?? 0,
      knownSources: this.known.size,
    };
  }

  private apply(policy: Required<SourceGuardPolicy>, trusted: CidrSet, now: number): void {
    this.policy = policy;
    this.trusted = trusted;
    this.memoAddress = undefined;
    this.auth.reconfigure(policy.authFailBan);
    if (policy.admissionRate <= 0) this.gate = undefined;
    else if (this.gate) this.gate.reconfigure(policy.admissionRate);
    else this.gate = new AdmissionGate(policy.admissionRate, now);
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

/** The key of one flow of a source: its address key and port (":" is in IPv6 keys, so "|"). */
function flowKey(key: string, port: number): string {
  return `${key}|${port}`;
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
    admissionRate: p.admissionRate === undefined ? 0 : num('admissionRate', p.admissionRate),
  };
  if (!Number.isInteger(policy.ipv6Prefix) || policy.ipv6Prefix < 1 || policy.ipv6Prefix > 128) {
    throw new RangeError(`ipv6Prefix must be an integer 1-128, got ${String(p.ipv6Prefix)}`);
  }
  return { policy, trusted: new CidrSet(policy.trusted) };
}
