import { normalizeIp } from '../util/ip.js';
import { findAttribute, hasAttribute, parseRtcpAttribute } from './attributes.js';
import { effectiveConnection } from './connection.js';
import { SdpError } from './sdp-error.js';
import type { SessionDescription } from './types.js';

/** Where a phone says it receives one stream: what the media worker sends to (and latches against). */
export interface MediaEndpoint {
  /** Canonical IP text (IPv4-mapped IPv6 folded to IPv4); 0.0.0.0 for an RFC 2543 hold. */
  address: string;
  /** 0 when the stream is disabled. */
  port: number;
  /** a=rtcp's address when it gives one (RFC 3605), else `address`. */
  rtcpAddress: string;
  /** a=rtcp's port, else port + 1 (RFC 3550 §11); 0 when the stream is disabled or port + 1 does not exist. */
  rtcpPort: number;
  /**
   * a=rtcp-mux is present (RFC 5761). The PBX never offers or accepts mux (rewriteConnection
   * strips it), so in what a phone answers it means the phone multiplexes regardless.
   */
  rtcpMux: boolean;
}

/**
 * The endpoint of stream `mediaIndex`, from the media's c= or else the session's.
 * Throws SdpError: 'bad-argument' for an index out of range, 'no-connection' when there
 * is no c= or its address is not an IP literal (a name, a multicast group with /ttl).
 */
export function mediaEndpoint(sd: SessionDescription, mediaIndex = 0): MediaEndpoint {
  if (!Number.isInteger(mediaIndex) || mediaIndex < 0 || mediaIndex >= sd.media.length) {
    throw new SdpError('bad-argument', `media index ${mediaIndex} of ${sd.media.length}`);
  }
  const m = sd.media[mediaIndex]!;
  const c = effectiveConnection(sd, m);
  if (c === undefined) throw new SdpError('no-connection', `no c= for m= line ${mediaIndex}`);
  const address = c.netType.toUpperCase() === 'IN' ? normalizeIp(c.address) : undefined;
  if (address === undefined) throw new SdpError('no-connection', `c= of m= line ${mediaIndex} is not an IP address`);
  const rtcpMux = hasAttribute(m.attributes, 'rtcp-mux');
  if (m.port === 0) return { address, port: 0, rtcpAddress: address, rtcpPort: 0, rtcpMux };
  const rtcp = parseRtcpAttribute(findAttribute(m.attributes, 'rtcp')?.value);
  let rtcpAddress = address;
  if (rtcp?.address !== undefined && rtcp.netType?.toUpperCase() === 'IN') rtcpAddress = normalizeIp(rtcp.address) ?? address;
  const rtcpPort = rtcp?.port ?? (m.port < 65535 ? m.port + 1 : 0);
  return { address, port: m.port, rtcpAddress, rtcpPort, rtcpMux };
}
