import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import type { PbxConfig } from '../config/types.js';
import { DnsCache, DnsClient, type DnsServer } from '../sip/locate/dns-client.js';
import { SipLocator } from '../sip/locate/sip-locator.js';
import { systemResolver } from '../trunk/trunk-target.js';
import type { Clock } from '../util/clock.js';

/**
 * The RFC 3263 locator for outbound SIP targets, from pbx.yaml `dns:`: NAPTR and SRV
 * asked of its servers, or of the system's (/etc/resolv.conf); addresses then from those
 * servers (A/AAAA with TTLs), or without configured servers from the system resolver
 * (getaddrinfo: /etc/hosts, then DNS), as before. Undefined when there is no server at all (trunks then use the system
 * resolver alone, at their configured port).
 */
export function outboundLocator(c: PbxConfig, clock: Clock): SipLocator | undefined {
  const dns = c.dns ?? { timeoutMs: 2_000, cacheMaxSeconds: 3_600, blacklistSeconds: 60 };
  const servers: DnsServer[] = dns.servers ?? systemServers();
  if (servers.length === 0) return undefined;
  const client = new DnsClient({ servers, clock, timeoutMs: dns.timeoutMs });
  const cache = new DnsCache({ query: client.query, clock, maxSeconds: dns.cacheMaxSeconds });
  return new SipLocator({ dns: cache.query, ...(dns.servers ? {} : { addressLookup: systemResolver }) });
}

/** node:dns's servers ("1.2.3.4", "1.2.3.4:5353", "[::1]:53") as addresses and ports. */
function systemServers(): DnsServer[] {
  const out: DnsServer[] = [];
  for (const s of getServers()) {
    if (isIP(s) !== 0) out.push({ address: s, port: 53 });
    else {
      const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
      if (m && isIP(m[1]!) !== 0) out.push({ address: m[1]!, port: Number(m[2]) });
    }
  }
  return out;
}
