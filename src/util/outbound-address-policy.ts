import { addressClass } from './address-class.js';
import { CidrSet } from './cidr-set.js';
import { normalizeIp } from './ip.js';

export interface OutboundAddressPolicyOptions {
  /** The PBX's own addresses (rtp.address, SIP listeners, publicAddress, its interfaces): always refused. */
  ownAddresses: readonly string[];
  /** Private ranges (RFC 1918, 100.64/10, fc00::/7) allowed. Default false. */
  allowPrivate?: boolean;
  /** Networks allowed whatever their class (an operator's carriers on an internal network, tests on loopback). */
  allowedNetworks?: readonly string[];
}

/**
 * Where a tenant may make the PBX connect (its own trunks): not to the PBX's
 * neighbourhood. A tenant-admin who could point a trunk at 127.0.0.1:<port> would have
 * the PBX open connections and send requests to services that trust local callers
 * (request forgery). Refused: special-use addresses (loopback, link-local, unspecified,
 * multicast, broadcast), the PBX's own addresses, and unless allowed, private ranges.
 * allowedNetworks lets the operator open chosen networks; the PBX's own addresses stay
 * refused (a trunk at itself is a loop).
 */
export class OutboundAddressPolicy {
  private readonly own: Set<string>;
  private readonly allowed: CidrSet;
  private readonly allowPrivate: boolean;

  /** Throws InvalidAddressError for an allowedNetworks entry that is not a network. */
  constructor(o: OutboundAddressPolicyOptions) {
    this.own = new Set(o.ownAddresses.map((a) => normalizeIp(a)).filter((a): a is string => a !== undefined));
    this.allowed = new CidrSet(o.allowedNetworks ?? []);
    this.allowPrivate = o.allowPrivate ?? false;
  }

  /** Why a tenant trunk may not reach this IP; undefined when it may (and for text that is not an IP). */
  refusal(ip: string): string | undefined {
    const a = normalizeIp(stripBrackets(ip));
    if (a === undefined) return undefined;
    if (this.own.has(a)) return `${a} is one of the PBX's own addresses, which a tenant trunk may not reach`;
    if (this.allowed.contains(a)) return undefined;
    const cls = addressClass(a);
    if (cls === undefined || (cls === 'private' && this.allowPrivate)) return undefined;
    const hint = cls === 'private' ? 'security.tenantTrunkPrivateNetworks or security.tenantTrunkAllowedNetworks' : 'security.tenantTrunkAllowedNetworks';
    return `${a} is ${/^[aeiu]/.test(cls) ? 'an' : 'a'} ${cls} address, which a tenant trunk may not reach (the operator may allow it in pbx.yaml ${hint})`;
  }

  /** The same for a configured host: an IP literal is checked now; a name only once resolved (undefined here). */
  hostRefusal(host: string): string | undefined {
    return this.refusal(host);
  }
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
