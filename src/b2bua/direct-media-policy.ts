/**
 * Whether an answered call may have its media flow end to end (direct media, media bypass),
 * the PBX stepping out of the RTP path: a pure decision over what the call knows. The first
 * reason found is returned (for the log); undefined means the legs may be joined directly.
 *
 * What keeps the PBX in the path:
 * - the tenant's policy (off by default), and for a trunk leg the trunk's own (off unless named);
 * - a feature that needs the media: recording (always, or on demand: the `*1` code travels in
 *   the RTP, RFC 4733 or in-band, and only a PBX in the path hears it), music on hold (a held
 *   party), transcoding (the legs carry different codecs or payload types);
 * - SRTP or DTLS on a leg (SDES keys are the PBX's own per leg, a browser's DTLS ends at the
 *   PBX: the two ends share no keys);
 * - reachability: each leg's media address as its SDP says, against the address its
 *   signalling comes from and the Contact it gave. When they differ the phone is behind a NAT
 *   (RFC 3581 practice: only the address seen on the wire is reachable), and its SDP address
 *   means nothing to anyone outside that NAT. Two legs may be joined when neither is behind a
 *   NAT and both media addresses are of the same class (public, private, loopback), or when
 *   both are behind the same NAT (the same public source address) with private SDP
 *   addresses. Anything else (one NATed leg, two different NATs, mixed classes) stays relayed.
 */
import { addressClass } from '../util/address-class.js';
import { normalizeIp } from '../util/ip.js';

export interface DirectMediaLeg {
  /** The address the leg's signalling comes from (its registration's received address, its INVITE's source). */
  signalling: string;
  /** The c= address of its last SDP. */
  sdpAddress: string;
  /** The host of its Contact (as registered, or of its INVITE), when an IP literal. */
  contactHost?: string;
  /** A trunk leg: the trunk's name. */
  trunk?: string;
  /** SDES-SRTP or DTLS-SRTP on this leg. */
  secure: boolean;
  /** Music on hold plays to it, or the last description it got holds it. */
  held: boolean;
  /** The codec it carries: payload type, name and clock rate. */
  codec?: { payloadType: number; name: string; clockRate: number };
}

export interface DirectMediaInput {
  /** The tenant's policy: direct media on. */
  tenantOn: boolean;
  /** The tenant's trunks whose legs may be joined directly. */
  trunks: readonly string[];
  /** The call's recording policy. */
  recording: 'never' | 'always' | 'on-demand';
  a: DirectMediaLeg;
  b: DirectMediaLeg;
}

/** Why the call's media stays in the PBX; undefined: it may flow end to end. */
export function directMediaRefusal(i: DirectMediaInput): string | undefined {
  if (!i.tenantOn) return 'off for this tenant';
  for (const [name, leg] of [['caller', i.a], ['callee', i.b]] as const) {
    if (leg.trunk !== undefined && !i.trunks.includes(leg.trunk)) return `the ${name}'s trunk ${leg.trunk} does not allow it`;
    if (leg.secure) return `the ${name}'s leg is encrypted (SRTP/DTLS)`;
    if (leg.held) return `the ${name} is on hold`;
  }
  if (i.recording !== 'never') return `recording policy ${i.recording}`;
  const ca = i.a.codec;
  const cb = i.b.codec;
  if (!ca || !cb) return 'no codec agreed yet';
  if (ca.payloadType !== cb.payloadType || ca.name.toLowerCase() !== cb.name.toLowerCase() || ca.clockRate !== cb.clockRate) return 'the legs carry different codecs (transcoding)';
  return reachability(i.a, i.b);
}

/** A leg is behind a NAT when its SDP or Contact names an address its packets do not come from. */
export function behindNat(leg: DirectMediaLeg): boolean {
  const src = normalizeIp(leg.signalling) ?? leg.signalling;
  const sdp = normalizeIp(leg.sdpAddress) ?? leg.sdpAddress;
  if (sdp !== src) return true;
  if (leg.contactHost !== undefined) {
    const contact = normalizeIp(leg.contactHost);
    if (contact !== undefined && contact !== src) return true;
  }
  return false;
}

function reachability(a: DirectMediaLeg, b: DirectMediaLeg): string | undefined {
  if (normalizeIp(a.sdpAddress) === undefined || normalizeIp(b.sdpAddress) === undefined) return 'a media address is no IP literal';
  const natA = behindNat(a);
  const natB = behindNat(b);
  if (!natA && !natB) {
    const ca = addressClass(a.sdpAddress) ?? 'public';
    const cb = addressClass(b.sdpAddress) ?? 'public';
    return ca === cb ? undefined : `the legs' media addresses are of different classes (${ca}, ${cb})`;
  }
  if (natA && natB) {
    const sameNat = (normalizeIp(a.signalling) ?? a.signalling) === (normalizeIp(b.signalling) ?? b.signalling);
    if (sameNat && addressClass(a.sdpAddress) === 'private' && addressClass(b.sdpAddress) === 'private') return undefined;
    return 'the legs are behind different NATs';
  }
  return `the ${natA ? 'caller' : 'callee'} is behind a NAT and the other is not`;
}
