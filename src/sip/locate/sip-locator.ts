import { isIP } from 'node:net';
import type { TransportProtocol } from '../transport/types.js';
import { DnsLookupError, type DnsQuery } from './dns-client.js';
import { canonicalName, RR, type DnsRecord } from './dns-wire.js';
import { orderSrv } from './srv-order.js';

/** What to locate: the host and port of a SIP URI, its transport= parameter, sips:. */
export interface LocateInput {
  host: string;
  /** Absent: the URI had none, so NAPTR and SRV are asked (RFC 3263 §4.2). */
  port?: number;
  /** The URI's transport= (or the trunk's configured transport). */
  transport?: TransportProtocol;
  /** A sips: URI: TLS only (RFC 3263 §4.1). */
  secure?: boolean;
}

/** One place to send to, in the order to try. */
export interface LocatedTarget {
  protocol: TransportProtocol;
  address: string;
  port: number;
}

export interface LocateResult {
  targets: LocatedTarget[];
  /** How long this answer holds: the smallest TTL met on the way (0 for an IP literal: nothing to keep). */
  ttlSeconds: number;
  /** How it was found, for logs: 'literal' | 'a' | 'srv' | 'naptr'. */
  via: 'literal' | 'a' | 'srv' | 'naptr';
}

/** No target found, or the DNS answers were refused. */
export class LocateError extends Error {
  constructor(
    readonly host: string,
    detail: string,
    opts: { cause?: unknown } = {},
  ) {
    super(`cannot locate SIP server ${host}: ${detail}`, { cause: opts.cause });
    this.name = 'LocateError';
  }
}

export interface SipLocatorOptions {
  dns: DnsQuery;
  /** [0, 1): the RFC 2782 weighted draw. */
  random?: () => number;
  /** Addresses kept in one result; default 16. */
  maxTargets?: number;
  /** SRV records followed per name; default 8 (the rest are ignored). */
  maxSrv?: number;
  /** NAPTR records considered; default 8. */
  maxNaptr?: number;
  /**
   * Asked for a name's addresses instead of DNS A/AAAA (the system resolver, which reads
   * /etc/hosts too); its answers count as valid `addressTtlSeconds` (default 300).
   */
  addressLookup?: (name: string) => Promise<string[]>;
  addressTtlSeconds?: number;
}

/** RFC 3263 §4.1 services and their transports. */
const SERVICES: ReadonlyArray<{ service: string; protocol: TransportProtocol; srvPrefix: string }> = [
  { service: 'SIP+D2U', protocol: 'udp', srvPrefix: '_sip._udp' },
  { service: 'SIP+D2T', protocol: 'tcp', srvPrefix: '_sip._tcp' },
  { service: 'SIPS+D2T', protocol: 'tls', srvPrefix: '_sips._tcp' },
];

const HOST_RE = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*$/;

function defaultPort(protocol: TransportProtocol): number {
  return protocol === 'tls' ? 5061 : 5060;
}

/**
 * Locating SIP servers (RFC 3263 §4): from a URI's host, port, transport and scheme to
 * an ordered list of transport/address/port to try.
 *
 * - an IP literal is used as is (§4.2);
 * - a name with a port: its A and AAAA records (IPv4 first);
 * - else NAPTR (RFC 3403) for the SIP services we support, by order then preference
 *   (only 's' records; when the transport or sips: is given, only its service), each
 *   replacement asked for SRV; without usable NAPTR, SRV at _sip._udp / _sip._tcp /
 *   _sips._tcp directly (§4.1, the transport's own when one is given);
 * - SRV targets are tried in RFC 2782 order (priority, then weighted draw), each by its
 *   A/AAAA records; an SRV target "." means the service is not offered there;
 * - without SRV records: the name's A/AAAA at the default port (§4.2).
 *
 * Answers are untrusted: record counts are capped, a NAPTR or SRV that names itself
 * (or a name already met) is refused as a loop, and names must be host names.
 * One deviation: with a transport given we still read NAPTR, to find the SRV name the
 * domain publishes for that transport (RFC 3263 would go straight to SRV).
 */
export class SipLocator {
  private readonly random: () => number;
  private readonly maxTargets: number;
  private readonly maxSrv: number;
  private readonly maxNaptr: number;

  constructor(private readonly o: SipLocatorOptions) {
    this.random = o.random ?? Math.random;
    this.maxTargets = o.maxTargets ?? 16;
    this.maxSrv = o.maxSrv ?? 8;
    this.maxNaptr = o.maxNaptr ?? 8;
  }

  async locate(input: LocateInput): Promise<LocateResult> {
    const bare = input.host.startsWith('[') && input.host.endsWith(']') ? input.host.slice(1, -1) : input.host;
    const wanted: TransportProtocol | undefined = input.secure ? 'tls' : input.transport;
    if (isIP(bare) !== 0) {
      const protocol = wanted ?? 'udp';
      return { targets: [{ protocol, address: bare, port: input.port ?? defaultPort(protocol) }], ttlSeconds: 0, via: 'literal' };
    }
    const host = canonicalName(bare);
    if (!HOST_RE.test(host)) throw new LocateError(input.host, 'not a host name');
    if (input.port !== undefined) {
      const protocol = wanted ?? 'udp';
      const a = await this.addresses(host);
      return { targets: this.cap(a.addresses.map((address) => ({ protocol, address, port: input.port! }))), ttlSeconds: a.ttl, via: 'a' };
    }
    let ttl = Number.POSITIVE_INFINITY;
    const seen = new Set<string>([host]);
    // §4.1: NAPTR first.
    const services = SERVICES.filter((s) => wanted === undefined || s.protocol === wanted);
    const naptr = await this.o.dns(host, RR.NAPTR).catch(() => ({ records: [] as DnsRecord[], ttlSeconds: 0 }));
    ttl = Math.min(ttl, naptr.ttlSeconds);
    if (naptr.records.length > this.maxNaptr) throw new LocateError(host, `${naptr.records.length} NAPTR records, more than the ${this.maxNaptr} accepted`);
    const usable = naptr.records
      .filter((r): r is Extract<DnsRecord, { type: 'NAPTR' }> => r.type === 'NAPTR' && r.flags === 's')
      .map((r) => ({ r, svc: services.find((s) => s.service === r.service) }))
      .filter((x) => x.svc !== undefined)
      .sort((a, b) => a.r.order - b.r.order || a.r.preference - b.r.preference);
    const srvNames: Array<{ name: string; protocol: TransportProtocol }> = [];
    if (usable.length > 0) {
      // §4.1: the lowest order wins; within it, preference order.
      const order = usable[0]!.r.order;
      for (const { r, svc } of usable.filter((x) => x.r.order === order)) {
        const name = canonicalName(r.replacement);
        if (name === '' || seen.has(name)) throw new LocateError(host, `NAPTR replacement ${name || '.'} refers back (loop)`);
        if (!HOST_RE.test(name)) throw new LocateError(host, `NAPTR replacement '${name}' is not a host name`);
        srvNames.push({ name, protocol: svc!.protocol });
      }
    } else {
      for (const s of services) srvNames.push({ name: `${s.srvPrefix}.${host}`, protocol: s.protocol });
    }
    const targets: LocatedTarget[] = [];
    let anySrv = false;
    for (const { name, protocol } of srvNames) {
      const srv = await this.o.dns(name, RR.SRV).catch((e: unknown) => {
        // A hostile answer is refused; a server that does not answer (no NAPTR led here) is as no SRV (§4.2).
        if (usable.length > 0 || (e instanceof DnsLookupError && e.refused)) throw new LocateError(host, (e as Error).message, { cause: e });
        return { records: [] as DnsRecord[], ttlSeconds: 0 };
      });
      const records = srv.records.filter((r): r is Extract<DnsRecord, { type: 'SRV' }> => r.type === 'SRV');
      if (records.length === 0) continue;
      ttl = Math.min(ttl, srv.ttlSeconds);
      anySrv = true;
      if (records.length > this.maxSrv) throw new LocateError(host, `${records.length} SRV records at ${name}, more than the ${this.maxSrv} accepted`);
      for (const rec of orderSrv(records, this.random)) {
        const target = canonicalName(rec.target);
        if (target === '') continue; // RFC 2782: "." = the service is decidedly not available here
        if (target === name || target === host || srvNames.some((n) => n.name === target)) throw new LocateError(host, `SRV target ${target} refers back (loop)`);
        if (!HOST_RE.test(target)) throw new LocateError(host, `SRV target '${target}' is not a host name`);
        if (rec.port === 0) continue;
        const a = await this.addresses(target).catch(() => ({ addresses: [] as string[], ttl: Number.POSITIVE_INFINITY }));
        ttl = Math.min(ttl, a.ttl);
        for (const address of a.addresses) targets.push({ protocol, address, port: rec.port });
        if (targets.length >= this.maxTargets) break;
      }
      if (targets.length >= this.maxTargets) break;
      // §4.1: a client SHOULD try the transports in NAPTR preference order; one with targets is enough.
      if (targets.length > 0) break;
    }
    if (anySrv) {
      if (targets.length === 0) throw new LocateError(host, 'SRV records give no reachable target');
      return { targets: this.cap(dedupe(targets)), ttlSeconds: finite(ttl), via: usable.length > 0 ? 'naptr' : 'srv' };
    }
    // §4.2: no SRV: the name's own addresses, default port.
    const protocol = wanted ?? 'udp';
    const a = await this.addresses(host);
    return { targets: this.cap(a.addresses.map((address) => ({ protocol, address, port: defaultPort(protocol) }))), ttlSeconds: finite(Math.min(ttl, a.ttl)), via: 'a' };
  }

  /** A then AAAA of a name, IPv4 first; throws LocateError when there is none. */
  private async addresses(name: string): Promise<{ addresses: string[]; ttl: number }> {
    if (this.o.addressLookup) {
      let found: string[];
      try {
        found = await this.o.addressLookup(name);
      } catch (e) {
        throw new LocateError(name, e instanceof Error ? e.message : String(e), { cause: e });
      }
      const ok = [...new Set(found.filter((a) => isIP(a) !== 0))];
      if (ok.length === 0) throw new LocateError(name, 'no addresses');
      return { addresses: [...ok.filter((a) => !a.includes(':')), ...ok.filter((a) => a.includes(':'))].slice(0, this.maxTargets), ttl: this.o.addressTtlSeconds ?? 300 };
    }
    const [v4, v6] = await Promise.allSettled([this.o.dns(name, RR.A), this.o.dns(name, RR.AAAA)]);
    const addresses: string[] = [];
    let ttl = Number.POSITIVE_INFINITY;
    for (const r of [v4, v6]) {
      if (r.status !== 'fulfilled') continue;
      for (const rec of r.value.records) if ((rec.type === 'A' || rec.type === 'AAAA') && !addresses.includes(rec.address)) addresses.push(rec.address);
      if (r.value.records.length > 0) ttl = Math.min(ttl, r.value.ttlSeconds);
    }
    if (addresses.length === 0) {
      const why = v4.status === 'rejected' ? (v4.reason as Error).message : 'no A or AAAA records';
      throw new LocateError(name, why);
    }
    return { addresses, ttl };
  }

  private cap(targets: LocatedTarget[]): LocatedTarget[] {
    return targets.slice(0, this.maxTargets);
  }
}

function dedupe(targets: LocatedTarget[]): LocatedTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const k = `${t.protocol} ${t.address} ${t.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function finite(ttl: number): number {
  return Number.isFinite(ttl) ? ttl : 0;
}
