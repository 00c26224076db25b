/**
 * A SIP proxy in front of the PBX (the cluster's Kamailio edge) relays every phone's request, so
 * the packet's source is the proxy. The proxy says who sent the request in one header it writes
 * itself, `X-PBX-Source: udp:<address>:<port>` (IPv6 in brackets), after removing any the sender
 * wrote. Only from the addresses in pbx.yaml `sip.trustedEdges` is that header believed: the
 * request's `client` becomes that address, and bans, flood guards, failed-login counts and
 * registrations see the phone. From any other source the header is ignored (and logged once a
 * minute): anyone can write a header.
 *
 * Responses still go to the packet's source (RFC 3261 §18.2.2: the top Via is the edge's).
 */
import { isIP } from 'node:net';
import type { Inbound, Endpoint } from '../sip/transport/types.js';
import type { SipRequest } from '../sip/message/types.js';
import { CidrSet } from '../util/cidr-set.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export const SOURCE_HEADER = 'x-pbx-source';

/** `udp:203.0.113.5:5060`, `tcp:[2001:db8::5]:5061`; undefined for anything else. */
export function parseSourceHeader(value: string): Endpoint | undefined {
  const m = /^\s*(udp|tcp|tls):(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):([0-9]{1,5})\s*$/i.exec(value);
  if (!m) return undefined;
  const address = (m[2] ?? m[3])!.toLowerCase();
  const port = Number(m[4]);
  if (port < 1 || port > 65535) return undefined;
  if (m[2] !== undefined ? isIP(address) !== 6 : isIP(address) !== 4) return undefined;
  return { protocol: m[1]!.toLowerCase() as Endpoint['protocol'], address, port };
}

export class TrustedEdges {
  private set: CidrSet;
  private lastWarnAt = -Infinity;

  constructor(
    cidrs: readonly string[],
    private readonly o: { clock: Clock; logger: Logger },
  ) {
    this.set = new CidrSet(cidrs);
  }

  reconfigure(cidrs: readonly string[]): void {
    this.set = new CidrSet(cidrs);
  }

  isEdge(address: string): boolean {
    return this.set.size > 0 && this.set.contains(address);
  }

  /** The request as the edge tells it: `client` set when a trusted edge named a well-formed one. */
  stamp(inbound: Inbound): Inbound {
    const req = inbound.message as SipRequest;
    const values = req.headers.filter((h) => h.name === SOURCE_HEADER);
    if (values.length === 0) return inbound;
    if (!this.isEdge(inbound.source.address)) {
      this.warn('X-PBX-Source from a source that is not a trusted edge ignored', inbound.source.address, values[0]!.value);
      return inbound;
    }
    // One header, well-formed: anything else means the edge is misconfigured; the edge's own address stands.
    const client = values.length === 1 ? parseSourceHeader(values[0]!.value) : undefined;
    if (!client) {
      this.warn('malformed or repeated X-PBX-Source from a trusted edge ignored', inbound.source.address, values.map((v) => v.value).join(', '));
      return inbound;
    }
    return { ...inbound, client };
  }

  private warn(msg: string, from: string, value: string): void {
    const now = this.o.clock.now();
    if (now - this.lastWarnAt < 60_000) return;
    this.lastWarnAt = now;
    this.o.logger.warn(msg, { from, value: value.slice(0, 100) });
  }
}
