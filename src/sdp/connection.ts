import { formatIp, normalizeIp, parseIp } from '../util/ip.js';
import type { Connection, MediaDescription, SessionDescription } from './types.js';

/** `address` as the c= (or o=) of the PBX: IP4 or IP6 by its family, canonical text; undefined when it is not an IP literal. */
export function connectionFor(address: string): Connection | undefined {
  const ip = parseIp(address);
  if (ip === undefined) return undefined;
  return { netType: 'IN', addrType: ip.family === 4 ? 'IP4' : 'IP6', address: formatIp(ip) };
}

/** RFC 8866 §5.7: a media-level c= overrides the session-level one. */
export function effectiveConnection(sd: SessionDescription, m: MediaDescription): Connection | undefined {
  return m.connection ?? sd.connection;
}

/**
 * RFC 2543 hold: c=0.0.0.0 says "send me nothing" (RFC 3264 §8.4 discourages it but
 * phones still send it). The IPv6 unspecified address is read the same way.
 */
export function isHoldConnection(c: Connection | undefined): boolean {
  if (c === undefined) return false;
  const ip = normalizeIp(c.address);
  return ip === '0.0.0.0' || ip === '::';
}
