import { formatIpv4, formatIpv6, prefixMaskWord, type IpFamily } from './ip.js';

/**
 * The key the guards count and ban a source by, from an address already read with
 * readIp():
 * - IPv4: the dotted quad. The socket's own text is reused when it already is one
 *   (no allocation); an IPv4-mapped spelling folds to it, so "::ffff:192.0.2.2" and
 *   "192.0.2.2" share one bucket and one ban.
 * - IPv6: the network of `ipv6Prefix` bits, e.g. "2001:db8:1:2::/64". One host
 *   usually owns a whole /64 (RFC 4291 §2.5.1 interface ids, RFC 8981 temporary
 *   addresses), so counting per /128 would let it hop to a fresh address, and a fresh
 *   bucket, per message. A LAN of phones in one /64 shares the limit, as phones behind
 *   one IPv4 NAT do. With ipv6Prefix 128 the key is the full canonical address.
 * - Text that is not an address (family 0) is its own key; sockets never report one.
 */
export function sourceKey(address: string, family: 0 | IpFamily, words: Uint32Array, ipv6Prefix: number): string {
  if (family === 4) {
    if (address.indexOf(':') < 0) return address;
    // Node's spelling of a mapped peer, "::ffff:a.b.c.d": its tail is already the strict dotted quad.
    if (address.startsWith('::ffff:') && address.indexOf('.') > 7) return address.slice(7);
    return formatIpv4(words[0]);
  }
  if (family === 0) return String(address);
  if (ipv6Prefix >= 128) return formatIpv6(words);
  const w0 = (words[0] & prefixMaskWord(ipv6Prefix, 0)) >>> 0;
  const w1 = (words[1] & prefixMaskWord(ipv6Prefix, 1)) >>> 0;
  const w2 = (words[2] & prefixMaskWord(ipv6Prefix, 2)) >>> 0;
  const w3 = (words[3] & prefixMaskWord(ipv6Prefix, 3)) >>> 0;
  // The ::ffff:0:0/96 range never gets here (it was folded to IPv4), so a prefix
  // network can not be mistaken for a mapped address by formatIpv6.
  return `${formatIpv6([w0, w1, w2, w3])}/${ipv6Prefix}`;
}
