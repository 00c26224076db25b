import { CidrSet } from './cidr-set.js';
import { normalizeIp } from './ip.js';

/**
 * What kind of address an IP literal is, for the rules that keep the PBX from being
 * used to reach what sits next to it (request forgery, UDP injection): addresses that
 * are never a remote phone or carrier on the public network.
 *
 * Special-use (RFC 6890): unspecified, loopback, link-local, multicast, limited broadcast.
 * Private (RFC 1918, RFC 6598 shared CGN space, RFC 4193 unique local): an operator's
 * internal networks.
 */
export type AddressClass = 'unspecified' | 'loopback' | 'link-local' | 'multicast' | 'broadcast' | 'private';

const CLASSES: ReadonlyArray<[Exclude<AddressClass, 'private'>, CidrSet]> = [
  ['unspecified', new CidrSet(['0.0.0.0/8', '::/128'])],
  ['loopback', new CidrSet(['127.0.0.0/8', '::1/128'])],
  ['link-local', new CidrSet(['169.254.0.0/16', 'fe80::/10'])],
  ['multicast', new CidrSet(['224.0.0.0/4', 'ff00::/8'])],
  ['broadcast', new CidrSet(['255.255.255.255/32'])],
];

/** RFC 1918, RFC 6598 (100.64/10), RFC 4193 (fc00::/7). */
export const PRIVATE_NETWORKS: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'];
const PRIVATE = new CidrSet(PRIVATE_NETWORKS);

/**
 * The special-use class of an IP literal (IPv4-mapped IPv6 counts as its IPv4 form),
 * or undefined for an ordinary unicast address. Not an IP literal: undefined.
 */
export function specialUseClass(ip: string): Exclude<AddressClass, 'private'> | undefined {
  const a = normalizeIp(ip);
  if (a === undefined) return undefined;
  for (const [name, set] of CLASSES) if (set.contains(a)) return name;
  return undefined;
}

/** The class of an IP literal including private ranges; undefined for a public unicast address. */
export function addressClass(ip: string): AddressClass | undefined {
  const special = specialUseClass(ip);
  if (special) return special;
  const a = normalizeIp(ip);
  return a !== undefined && PRIVATE.contains(a) ? 'private' : undefined;
}
