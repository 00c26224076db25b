/**
 * Syntax of the addresses an operator writes: IP literals, CIDR blocks, DNS names,
 * `host:port` and `proto://host:port`. Pure string checks, no lookups.
 */
import { parseCidr as parseUtilCidr, parseIp } from '../util/ip.js';
import type { ListenProtocol, ListenSpec } from './types.js';

/** Dotted quad, each part 0-255 without leading zeros (they read as octal elsewhere). */
export function isIPv4(s: string): boolean {
  return !s.includes(':') && parseIp(s) !== undefined;
}

/** RFC 4291 §2.2 text forms: eight groups, one `::`, an IPv4 tail allowed. No zone id. */
export function isIPv6(s: string): boolean {
  return s.includes(':') && !s.includes('%') && parseIp(s) !== undefined;
}

export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/**
 * A host name (RFC 1123 §2.1): labels of letters, digits and inner hyphens, at most 63
 * characters each and 253 in all. The last label may not be all digits, so that a
 * mistyped IPv4 address is not taken for a name.
 */
export function isDnsName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  const labels = s.split('.');
  if (!labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1]);
}

/**
 * An IP literal (IPv6 with or without brackets) or a DNS name, returned lowercased and
 * without brackets, or a problem.
 */
export function parseHost(s: string): string | { problem: string } {
  const bare = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  if (bare !== s && !isIPv6(bare)) return { problem: `'${s}' is not an IPv6 address` };
  if (isIP(bare) || isDnsName(bare)) return bare.toLowerCase();
  return { problem: `'${s}' is not an IP address or host name` };
}

function parsePort(s: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** `host:port` or `[v6]:port`; the port is required (1-65535). */
export function parseHostPort(s: string): { host: string; port: number } | { problem: string } {
  let hostText: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') return { problem: `'${s}' is not [ipv6]:port` };
    hostText = s.slice(0, close + 1);
    portText = s.slice(close + 2);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon < 0) return { problem: `'${s}' has no port (write host:port)` };
    hostText = s.slice(0, colon);
    if (hostText.includes(':')) return { problem: `'${s}': write an IPv6 address in brackets, e.g. [::1]:5060` };
    portText = s.slice(colon + 1);
  }
  const port = parsePort(portText);
  if (port === undefined) return { problem: `'${portText}' in '${s}' is not a port (1-65535)` };
  const host = parseHost(hostText);
  if (typeof host !== 'string') return host;
  return { host, port };
}

const PROTOCOLS: readonly ListenProtocol[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

/** `udp://host:port`, `tcp://`, `tls://`, `ws://` or `wss://` (RFC 7118). */
export function parseListenUri(s: string): ListenSpec | { problem: string } {
  const m = /^([A-Za-z]+):\/\/(.*)$/.exec(s);
  if (!m) return { problem: `'${s}' is not proto://host:port (proto is udp, tcp, tls, ws or wss)` };
  const protocol = m[1].toLowerCase() as ListenProtocol;
  if (!PROTOCOLS.includes(protocol)) return { problem: `unknown protocol '${m[1]}' (use udp, tcp, tls, ws or wss)` };
  const hp = parseHostPort(m[2]);
  if ('problem' in hp) return hp;
  return { protocol, host: hp.host, port: hp.port };
}

/**
 * An address or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`), lowercased, as written.
 * Checked with the parser the trusted-source set uses (util/ip.ts), so what passes
 * here is accepted there.
 */
export function parseCidr(s: string): string | { problem: string } {
  const slash = s.indexOf('/');
  const ip = slash < 0 ? s : s.slice(0, slash);
  if (!isIP(ip)) return { problem: `'${ip}' is not an IPv4 or IPv6 address` };
  if (!parseUtilCidr(s)) return { problem: `'${s.slice(slash)}' is not a prefix length (0-${isIPv4(ip) ? 32 : 128})` };
  return s.toLowerCase();
}

/** The address that means "every interface". */
export function isWildcardAddress(host: string): boolean {
  return host === '0.0.0.0' || /^[0:]+$/.test(host);
}
