import { isIP, isIPv6 } from 'node:net';

const IPV4_RE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * The one spelling of an address used in Endpoints and connection keys: IPv6 bare
 * and in canonical short form, IPv4-mapped IPv6 (from dual-stack sockets) as plain
 * IPv4, host names lowercased.
 */
export function normalizeAddress(address: string): string {
  // Fast path for the common case, a dotted IPv4 address (every packet goes through here).
  if (IPV4_RE.test(address)) return address;
  let s = address;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(s);
  if (mapped) return mapped[1]!;
  if (isIPv6(s) && !s.includes('%')) {
    try {
      return new URL(`http://[${s}]/`).hostname.slice(1, -1);
    } catch {
      return s.toLowerCase();
    }
  }
  return s.toLowerCase();
}

/** True when two spellings name the same address (a Via sent-by host against a packet source). */
export function sameAddress(a: string, b: string): boolean {
  return normalizeAddress(a) === normalizeAddress(b);
}

/** 6 for an IPv6 literal, 4 for IPv4 and for host names (resolved as IPv4). */
export function familyOf(address: string): 4 | 6 {
  return isIP(normalizeAddress(address)) === 6 ? 6 : 4;
}

export function isLoopback(address: string): boolean {
  const a = normalizeAddress(address);
  return a === '::1' || a.startsWith('127.') || a === 'localhost';
}

export function isWildcard(address: string): boolean {
  const a = normalizeAddress(address);
  return a === '0.0.0.0' || a === '::';
}
