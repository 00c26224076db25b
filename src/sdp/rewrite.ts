import { parseRtcpAttribute } from './attributes.js';
import { cloneSdp } from './clone.js';
import { connectionFor, effectiveConnection, isHoldConnection } from './connection.js';
import { SdpError } from './sdp-error.js';
import type { Attribute, SessionDescription } from './types.js';

/** Where the PBX receives the media of one leg. */
export interface RelayAddress {
  /** The PBX's media address (rtp.address), IPv4 or IPv6. */
  address: string;
  /** One RTP port per m= line, in order; RTCP is on port + 1. Ignored for disabled (port 0) lines. */
  ports: readonly number[];
}

/**
 * The description as the PBX relays it: the media now flows to `relay.address`.
 * - c= lines: the session-level one becomes the PBX's (added when missing); a media-level
 *   one does too, except that a stream held the RFC 2543 way (c=0.0.0.0) keeps its
 *   0.0.0.0, so that the hold reaches the other leg.
 * - m= ports: ports[i] for every enabled line (a /count suffix dropped: one port each);
 *   a disabled line (port 0) stays disabled.
 * - a=rtcp (RFC 3605): rewritten to port + 1 at the c= address.
 * - ICE (RFC 8839: a=candidate, a=remote-candidates, a=end-of-candidates, a=ice-*) is
 *   removed at both levels: the PBX relays, and the other leg must not try to reach the
 *   phone's own candidates.
 * - a=rtcp-mux, a=rtcp-mux-only (RFC 5761, RFC 8858) and a=group:BUNDLE (RFC 8843) are
 *   removed: each stream gets its own relay port with RTCP beside it on port + 1, so
 *   neither leg may be led to multiplex (an answer without them turns them off).
 * Everything else (rtpmap, fmtp, ptime, directions, unknown lines) is kept. The origin is
 * not touched; SdpOrigin stamps the PBX's own. `sd` itself is not modified.
 */
export function rewriteConnection(sd: SessionDescription, relay: RelayAddress): SessionDescription {
  const pbx = connectionFor(relay.address);
  if (pbx === undefined) throw new SdpError('bad-argument', `relay address ${JSON.stringify(String(relay.address)).slice(0, 60)} is not an IP address`);
  const out = cloneSdp(sd);
  for (let i = 0; i < out.media.length; i++) {
    const m = out.media[i]!;
    const held = isHoldConnection(effectiveConnection(sd, sd.media[i]!));
    m.attributes = m.attributes.filter(kept);
    if (m.port === 0) {
      if (m.connection) m.connection = { ...pbx };
      continue;
    }
    const port = relay.ports[i];
    // RTCP goes on port + 1 (RFC 3550 §11), which must exist too.
    if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65534) {
      throw new SdpError('bad-argument', `no usable relay port for m= line ${i}: ${port}`);
    }
    m.port = port;
    delete m.portCount;
    if (held) m.connection = { ...effectiveConnection(sd, sd.media[i]!)! };
    else if (m.connection) m.connection = { ...pbx };
    // An a=rtcp we cannot read is dropped: RTCP then defaults to port + 1 anyway.
    m.attributes = m.attributes.filter((a) => a.name.toLowerCase() !== 'rtcp' || parseRtcpAttribute(a.value) !== undefined);
    for (const a of m.attributes) if (a.name.toLowerCase() === 'rtcp') a.value = String(port + 1);
  }
  out.connection = pbx;
  out.attributes = out.attributes.filter(kept);
  return out;
}

/** Transport attributes of the phone that must not reach the other leg through a relay. */
const DROPPED: ReadonlySet<string> = new Set(['candidate', 'remote-candidates', 'end-of-candidates', 'rtcp-mux', 'rtcp-mux-only']);

function kept(a: Attribute): boolean {
  const name = a.name.toLowerCase();
  if (DROPPED.has(name) || name.startsWith('ice-')) return false;
  return !(name === 'group' && /^\s*BUNDLE(\s|$)/i.test(a.value ?? ''));
}
