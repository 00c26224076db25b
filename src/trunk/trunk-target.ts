import { lookup } from 'node:dns/promises';
import type { Trunk as TrunkConfig } from '../model/routing-plan.js';
import type { LocatedTarget, LocateInput, SipLocator } from '../sip/locate/sip-locator.js';
import type { Target, TransportProtocol } from '../sip/transport/types.js';
import { CidrSet } from '../util/cidr-set.js';
import type { Clock } from '../util/clock.js';
import { normalizeIp, parseCidr } from '../util/ip.js';
import { silentLogger, type Logger } from '../util/logger.js';

/** A host name's addresses, IPv4 first; rejects when it has none. */
export type HostResolver = (host: string) => Promise<string[]>;

/** node:dns lookup (the system resolver: /etc/hosts, then DNS), every address, IPv4 first. */
export const systemResolver: HostResolver = async (host) => {
  const all = await lookup(host, { all: true, verbatim: true });
  return ipv4First(all.map((a) => a.address));
};

/** A host name that could not be resolved. */
export class HostResolveError extends Error {
  constructor(
    readonly host: string,
    detail: string,
    opts: { cause?: unknown } = {},
  ) {
    super(`cannot resolve ${host}: ${detail}`, { cause: opts.cause });
    this.name = 'HostResolveError';
  }
}

/** Why a trunk may not be sent to this (resolved) address; undefined when it may. */
export type AddressRefusal = (address: string) => string | undefined;

/** Every address a trunk's host resolved to is one it may not reach (a tenant trunk at 127.0.0.1...). */
export class TrunkTargetRefused extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(`not connecting to ${host}${host === address ? '' : ` (resolves to ${address})`}: ${reason}`);
    this.name = 'TrunkTargetRefused';
  }
}

/** Where a trunk's requests go, before resolution: its outbound proxy if set, else its host. */
export function trunkNextHop(trunk: TrunkConfig): { protocol: TransportProtocol; host: string; port: number } {
  const hop = trunk.outboundProxy ?? { host: trunk.host, port: trunk.port };
  return { protocol: trunk.transport, host: hop.host, port: hop.port };
}

export interface TrunkResolverOptions {
  clock: Clock;
  /** Default: systemResolver (node:dns lookup). */
  resolve?: HostResolver;
  /** How long an answer is used before it is asked again; default 5 min (lookup() gives no TTL). */
  ttlMs?: number;
  /** A lookup that has not answered by then fails; default 5 s. */
  lookupTimeoutMs?: number;
  /** Bound on the names kept; the least recently resolved goes first. Default 10 000. */
  maxHosts?: number;
  logger?: Logger;
  /**
   * RFC 3263 (NAPTR, SRV, A/AAAA with TTLs) for trunks known by a name: src/sip/locate.
   * Absent: the name's addresses from `resolve`, at the configured port.
   */
  locator?: SipLocator;
  /** How long a target that failed (503, timeout, transport error) is passed over; default 60 s. */
  blacklistMs?: number;
}

interface LocatedEntry {
  targets: LocatedTarget[];
  expiresAt: number;
}

interface CacheEntry {
  addresses: string[];
  expiresAt: number;
}

/** A trunk's allowedSources, read once per trunk object: networks, and names to resolve. */
interface SourceList {
  cidrs: CidrSet;
  names: string[];
}

const HOST_NAME_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/;

/**
 * Resolves the hosts trunks are known by, with a cache, and answers the one question
 * that keeps trunk credentials safe: did this packet come from that trunk?
 *
 * Host names are resolved with node:dns lookup (IPv4 first). No RFC 3263 NAPTR/SRV:
 * a trunk's host and port are used as configured. An answer is used for ttlMs, then
 * asked again; when asking again fails, the last answer stays in use (a carrier does
 * not vanish because a resolver hiccupped). The last answer also stays the one
 * isFromTrunk() compares against, since it is where our requests went.
 */
export class TrunkResolver {
  private readonly resolveHost: HostResolver;
  private readonly ttlMs: number;
  private readonly lookupTimeoutMs: number;
  private readonly maxHosts: number;
  private readonly log: Logger;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<string[]>>();
  private readonly sources = new WeakMap<TrunkConfig, SourceList>();
  private readonly located = new Map<string, LocatedEntry>();
  private readonly locating = new Map<string, Promise<LocatedTarget[]>>();
  /** "protocol address port" -> clock.now() until which it is passed over. */
  private readonly failed = new Map<string, number>();
  private readonly locatedHosts = new Set<string>();

  constructor(private readonly o: TrunkResolverOptions) {
    this.resolveHost = o.resolve ?? systemResolver;
    this.ttlMs = o.ttlMs ?? 300_000;
    this.lookupTimeoutMs = o.lookupTimeoutMs ?? 5_000;
    this.maxHosts = o.maxHosts ?? 10_000;
    this.log = (o.logger ?? silentLogger).child('trunk-dns');
  }

  /**
   * Where to send a request for this trunk now: the first address of its next hop that
   * `refuse` does not refuse (a tenant trunk checks every answer of DNS, since a name may
   * resolve to 127.0.0.1). Rejects with HostResolveError or TrunkTargetRefused.
   */
  async target(trunk: TrunkConfig, refuse?: AddressRefusal): Promise<Target> {
    return (await this.targets(trunk, refuse))[0]!;
  }

  /**
   * Every place to send a request for this trunk, in the order to try (RFC 3263 with a
   * locator: SRV priority and weight), less the refused ones and, while others remain,
   * the ones that failed lately (markFailed). Rejects with HostResolveError (or the
   * locator's LocateError) or TrunkTargetRefused when every address is refused.
   */
  async targets(trunk: TrunkConfig, refuse?: AddressRefusal): Promise<Target[]> {
    const hop = trunkNextHop(trunk);
    const input = this.locateInput(trunk);
    if (input) return this.usable(trunk, hop.host, await this.locateCached(input), refuse);
    const addresses = await this.resolve(hop.host);
    return [{ protocol: hop.protocol, address: pickAllowed(hop.host, addresses, refuse), port: hop.port, ...tlsOf(trunk, hop.host) }];
  }

  /**
   * Where to send a request for this trunk, from what is known now (an IP literal, or a
   * name resolved before: prepare() warms it); undefined when the name is not resolved
   * yet, and its lookup is started so that a later call finds it. Throws
   * TrunkTargetRefused when `refuse` refuses every address.
   */
  targetNow(trunk: TrunkConfig, refuse?: AddressRefusal): Target | undefined {
    return this.targetsNow(trunk, refuse)?.[0];
  }

  /** targets() from what is known now; undefined (and a lookup started) when nothing is. */
  targetsNow(trunk: TrunkConfig, refuse?: AddressRefusal): Target[] | undefined {
    const hop = trunkNextHop(trunk);
    const literal = normalizeIp(stripBrackets(hop.host));
    if (literal !== undefined) return [{ protocol: hop.protocol, address: pickAllowed(hop.host, [literal], refuse), port: hop.port, ...tlsOf(trunk, hop.host) }];
    const input = this.locateInput(trunk);
    if (input) {
      const key = locateKey(input);
      const hit = this.located.get(key);
      if (!hit || hit.expiresAt <= this.o.clock.now()) this.warmLocate(input);
      return hit ? this.usable(trunk, hop.host, hit.targets, refuse) : undefined;
    }
    const name = hop.host.toLowerCase();
    const hit = this.cache.get(name);
    if (!hit || hit.expiresAt <= this.o.clock.now()) this.warm(name);
    return hit ? [{ protocol: hop.protocol, address: pickAllowed(hop.host, hit.addresses, refuse), port: hop.port, ...tlsOf(trunk, hop.host) }] : undefined;
  }

  /**
   * A target that did not answer (408), was unavailable (503) or could not be reached:
   * passed over by targets() for blacklistMs while the trunk has others (RFC 3263 §4.3).
   */
  markFailed(target: Pick<Target, 'protocol' | 'address' | 'port'>): void {
    this.failed.set(targetKey(target), this.o.clock.now() + (this.o.blacklistMs ?? 60_000));
    if (this.failed.size > 10_000) this.failed.delete(this.failed.keys().next().value as string);
    this.log.info('trunk target passed over for a while', { target: targetKey(target), seconds: (this.o.blacklistMs ?? 60_000) / 1000 });
  }

  /** Whether a target is passed over now. */
  isFailed(target: Pick<Target, 'protocol' | 'address' | 'port'>): boolean {
    const k = targetKey(target);
    const until = this.failed.get(k);
    if (until === undefined) return false;
    if (until > this.o.clock.now()) return true;
    this.failed.delete(k);
    return false;
  }

  /**
   * The RFC 3263 question for a trunk's next hop, when there is a locator and the hop is a
   * name: without a port of its own (the transport's default port stands for "none", as
   * the config fills it in), NAPTR and SRV are asked; with one, only A/AAAA.
   */
  private locateInput(trunk: TrunkConfig): LocateInput | undefined {
    if (!this.o.locator) return undefined;
    const hop = trunkNextHop(trunk);
    if (normalizeIp(stripBrackets(hop.host)) !== undefined) return undefined;
    const defaultPort = hop.protocol === 'tls' ? 5061 : 5060;
    return { host: hop.host.toLowerCase(), transport: hop.protocol, ...(hop.port !== defaultPort ? { port: hop.port } : {}) };
  }

  private usable(trunk: TrunkConfig, host: string, located: readonly LocatedTarget[], refuse: AddressRefusal | undefined): Target[] {
    let first: TrunkTargetRefused | undefined;
    const allowed: LocatedTarget[] = [];
    for (const t of located) {
      const why = refuse?.(t.address);
      if (why === undefined) allowed.push(t);
      else first ??= new TrunkTargetRefused(host, t.address, why);
    }
    if (allowed.length === 0) throw first ?? new HostResolveError(host, 'no targets');
    const fresh = allowed.filter((t) => !this.isFailed(t));
    return (fresh.length > 0 ? fresh : allowed).map((t) => ({ protocol: t.protocol, address: t.address, port: t.port, ...tlsOf(trunk, host) }));
  }

  private locateCached(input: LocateInput): Promise<LocatedTarget[]> {
    const key = locateKey(input);
    const hit = this.located.get(key);
    if (hit && hit.expiresAt > this.o.clock.now()) return Promise.resolve(hit.targets);
    return this.locating.get(key) ?? this.startLocate(input);
  }

  private warmLocate(input: LocateInput): void {
    if (this.locating.has(locateKey(input))) return;
    this.startLocate(input).catch(() => {
      /* logged in startLocate */
    });
  }

  private startLocate(input: LocateInput): Promise<LocatedTarget[]> {
    const key = locateKey(input);
    if (this.locatedHosts.size < 10_000) this.locatedHosts.add(input.host);
    const p = this.o.locator!.locate(input).then(
      (r) => {
        // The locator's cache keeps DNS answers for their TTL; this one only spares the walk.
        this.located.set(key, { targets: r.targets, expiresAt: this.o.clock.now() + Math.min(r.ttlSeconds * 1000, this.ttlMs) });
        // isFromTrunk: the carrier answers from the addresses its name led to.
        const prev = this.cache.get(input.host)?.addresses ?? [];
        this.store(input.host, ipv4First([...r.targets.map((t) => t.address), ...prev]).slice(0, 64), Math.max(r.ttlSeconds * 1000, 30_000));
        this.log.debug('trunk located', { host: input.host, via: r.via, targets: r.targets.map(targetKey) });
        return r.targets;
      },
      (err: unknown) => {
        const stale = this.located.get(key);
        if (stale) {
          this.log.warn('locating failed; keeping the last answer', { host: input.host, error: err });
          this.located.set(key, { targets: stale.targets, expiresAt: this.o.clock.now() + Math.min(this.ttlMs, 30_000) });
          return stale.targets;
        }
        this.log.warn('locating failed', { host: input.host, error: err });
        throw err instanceof Error ? err : new HostResolveError(input.host, String(err));
      },
    );
    const tracked = p.finally(() => {
      if (this.locating.get(key) === tracked) this.locating.delete(key);
    });
    this.locating.set(key, tracked);
    return tracked;
  }

  /** The addresses of a host (an IP literal is its own answer), IPv4 first. Rejects with HostResolveError. */
  async resolve(host: string): Promise<string[]> {
    const literal = normalizeIp(stripBrackets(host));
    if (literal !== undefined) return [literal];
    const name = host.toLowerCase();
    if (!HOST_NAME_RE.test(name)) throw new HostResolveError(host, 'not a host name');
    const hit = this.cache.get(name);
    if (hit && hit.expiresAt > this.o.clock.now()) return hit.addresses;
    return this.inflight.get(name) ?? this.startLookup(name);
  }

  /**
   * Resolve every name a trunk is known by (host, outbound proxy, named allowedSources),
   * so that isFromTrunk() can answer for it. Failures are logged, never raised.
   */
  async prepare(trunk: TrunkConfig): Promise<void> {
    const input = this.locateInput(trunk);
    // The next hop is located (RFC 3263) when there is a locator; the other names are looked up.
    const names = [trunk.host, ...(trunk.outboundProxy ? [trunk.outboundProxy.host] : []), ...this.sourceList(trunk).names].filter((n) => n.toLowerCase() !== input?.host);
    await Promise.all([
      ...(input ? [this.locateCached(input).then(() => undefined, (e: unknown) => this.log.warn('trunk not located', { trunk: trunk.name, host: input.host, error: e }))] : []),
      ...names.map((n) => this.resolve(n).catch((e: unknown) => this.log.warn('trunk host not resolved', { trunk: trunk.name, host: n, error: e }))),
    ]);
  }

  /**
   * Whether a packet from `address` comes from this trunk: the address is the trunk's
   * host or outbound proxy (as last resolved), or lies inside one of its allowedSources
   * (CIDRs, addresses, or host names as last resolved). A name not resolved yet does not
   * match; its lookup is started so that it will.
   */
  isFromTrunk(trunk: TrunkConfig, address: string): boolean {
    const a = normalizeIp(stripBrackets(address));
    if (a === undefined) return false;
    const list = this.sourceList(trunk);
    if (list.cidrs.contains(a)) return true;
    if (this.hostMatches(trunk.host, a)) return true;
    if (trunk.outboundProxy && this.hostMatches(trunk.outboundProxy.host, a)) return true;
    for (const n of list.names) if (this.hostMatches(n, a)) return true;
    return false;
  }

  private hostMatches(host: string, address: string): boolean {
    const literal = normalizeIp(stripBrackets(host));
    if (literal !== undefined) return literal === address;
    const name = host.toLowerCase();
    const hit = this.cache.get(name);
    // A located name is refreshed by its trunk's own lookups (targetsNow, prepare).
    if ((!hit || hit.expiresAt <= this.o.clock.now()) && !this.locatedHosts.has(name)) this.warm(name);
    return hit !== undefined && hit.addresses.includes(address);
  }

  private warm(name: string): void {
    if (!HOST_NAME_RE.test(name) || this.inflight.has(name)) return;
    this.startLookup(name).catch(() => {
      /* logged in startLookup */
    });
  }

  private startLookup(name: string): Promise<string[]> {
    const p = this.lookupBounded(name).then(
      (found) => {
        const addresses = ipv4First(found.map((x) => normalizeIp(x)).filter((x): x is string => x !== undefined));
        if (addresses.length === 0) throw new HostResolveError(name, 'no addresses');
        this.store(name, addresses, this.ttlMs);
        return addresses;
      },
      (err: unknown) => {
        const stale = this.cache.get(name);
        if (stale) {
          // Keep using the last answer a while rather than losing the trunk.
          this.log.warn('lookup failed; keeping the last answer', { host: name, error: err });
          this.store(name, stale.addresses, Math.min(this.ttlMs, 30_000));
          return stale.addresses;
        }
        this.log.warn('lookup failed', { host: name, error: err });
        throw err instanceof HostResolveError ? err : new HostResolveError(name, err instanceof Error ? err.message : String(err), { cause: err });
      },
    );
    const tracked = p.finally(() => {
      if (this.inflight.get(name) === tracked) this.inflight.delete(name);
    });
    this.inflight.set(name, tracked);
    return tracked;
  }

  private lookupBounded(name: string): Promise<string[]> {
    return new Promise<string[]>((resolve, reject) => {
      const timer = this.o.clock.setTimeout(() => reject(new HostResolveError(name, `no answer in ${this.lookupTimeoutMs} ms`)), this.lookupTimeoutMs);
      let p: Promise<string[]>;
      try {
        p = this.resolveHost(name);
      } catch (e) {
        p = Promise.reject(e);
      }
      p.then(
        (v) => {
          this.o.clock.clearTimeout(timer);
          resolve(Array.isArray(v) ? v : []);
        },
        (e: unknown) => {
          this.o.clock.clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  private store(name: string, addresses: string[], ttlMs: number): void {
    this.cache.delete(name);
    this.cache.set(name, { addresses, expiresAt: this.o.clock.now() + ttlMs });
    while (this.cache.size > this.maxHosts) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }

  private sourceList(trunk: TrunkConfig): SourceList {
    let list = this.sources.get(trunk);
    if (list) return list;
    const cidrs: string[] = [];
    const names: string[] = [];
    for (const raw of trunk.allowedSources ?? []) {
      const s = String(raw).trim();
      if (parseCidr(s)) cidrs.push(s);
      else if (HOST_NAME_RE.test(s.toLowerCase())) names.push(s.toLowerCase());
      else this.log.warn('allowedSources entry ignored: neither a network nor a host name', { trunk: trunk.name, entry: s });
    }
    list = { cidrs: new CidrSet(cidrs), names };
    this.sources.set(trunk, list);
    return list;
  }
}

/**
 * For a TLS trunk: the name its certificate must be for (the configured host, not the IP
 * it resolved to: RFC 5922 §7.3), sent as SNI, and its own CAs when it has them.
 */
function tlsOf(trunk: TrunkConfig, host: string): Pick<Target, 'tls'> {
  if (trunk.transport !== 'tls') return {};
  const name = stripBrackets(host);
  return { tls: { ...(normalizeIp(name) === undefined ? { serverName: name } : {}), ...(trunk.tlsCa !== undefined ? { ca: trunk.tlsCa } : {}) } };
}

/** The first address not refused; throws TrunkTargetRefused naming the first refusal when all are. */
function pickAllowed(host: string, addresses: readonly string[], refuse: AddressRefusal | undefined): string {
  if (!refuse) return addresses[0]!;
  let first: TrunkTargetRefused | undefined;
  for (const a of addresses) {
    const why = refuse(a);
    if (why === undefined) return a;
    first ??= new TrunkTargetRefused(host, a, why);
  }
  throw first!;
}

function targetKey(t: Pick<Target, 'protocol' | 'address' | 'port'>): string {
  return `${t.protocol} ${t.address} ${t.port}`;
}

function locateKey(i: LocateInput): string {
  return `${i.transport ?? ''} ${i.host} ${i.port ?? ''}`;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** IPv4 addresses first, each family in the order given; duplicates dropped. */
export function ipv4First(addresses: readonly string[]): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const a of addresses) {
    const list = a.includes(':') ? v6 : v4;
    if (!list.includes(a)) list.push(a);
  }
  return [...v4, ...v6];
}
