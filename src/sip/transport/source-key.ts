import { isIPv6 } from 'node:net';

/**
 * The key a connection's source is counted under: an IPv4 address as it is, an IPv6
 * address by its /64 prefix. One subscriber usually gets a whole /64 (RFC 6177 §2), so
 * counting exact IPv6 addresses would give one host 2^64 separate allowances.
 */
export function sourceKey(address: string): string {
  if (!isIPv6(address)) return address;
  const zone = address.indexOf('%');
  const bare = zone >= 0 ? address.slice(0, zone) : address;
  return `${expandIpv6(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, lowercased, without leading zeros. */
function expandIpv6(a: string): string[] {
  let text = a.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is two groups.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const n = v4.slice(1, 5).map(Number);
    text = `${text.slice(0, v4.index)}${((n[0]! << 8) | n[1]!).toString(16)}:${((n[2]! << 8) | n[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => (g.replace(/^0+/, '') || '0'));
}
