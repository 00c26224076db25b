import { isIP } from 'node:net';

/**
 * One spelling per IP address, so that a latching check is a string compare with the
 * address dgram reports: no brackets, lower case, and IPv4-mapped IPv6 (RFC 4291
 * §2.5.5.2) folded to plain IPv4. Returns '' for anything that is not an IP literal.
 */
export function canonicalIp(text: string): string {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return '';
  let t = text.trim().toLowerCase();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (t.startsWith('::ffff:') && isIP(t.slice(7)) === 4) t = t.slice(7);
  return isIP(t) === 0 ? '' : t;
}
