/**
 * Allocation-free reads of the fixed RTP header (RFC 3550 §5.1) and the first bytes
 * of an RTCP packet (§6.4), straight from the datagram Buffer.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 */

export const RTP_HEADER_BYTES = 12;
/** An RTCP header with its sender SSRC (RFC 3550 §6.4.1). */
export const RTCP_MIN_BYTES = 8;

/** What classifyRtpPort() found. Plain numbers: compared on every packet. */
export const INVALID = 0;
export const RTP = 1;
export const RTCP = 2;
export type PacketKind = typeof INVALID | typeof RTP | typeof RTCP;

/**
 * What a datagram on an RTP port is. Version 2 and at least 12 bytes is RTP, unless its
 * second byte is 192-223, which RFC 5761 §4 reserves for RTCP sent over the RTP port
 * (rtcp-mux).
 */
export function classifyRtpPort(buf: Buffer): PacketKind {
  if (buf.length < RTCP_MIN_BYTES || buf[0] >> 6 !== 2) return INVALID;
  const b1 = buf[1];
  if (b1 >= 192 && b1 <= 223) return RTCP;
  return buf.length >= RTP_HEADER_BYTES ? RTP : INVALID;
}

/** A datagram on an RTCP port: version 2, at least a header and SSRC. */
export function isRtcp(buf: Buffer): boolean {
  return buf.length >= RTCP_MIN_BYTES && buf[0] >> 6 === 2;
}

export function rtpSequence(buf: Buffer): number {
  return (buf[2] << 8) | buf[3];
}

// Byte reads, not readUInt32BE: the callers checked the length (classifyRtpPort), and the
// relay reads these on every packet; `>>> 0` keeps the value unsigned.
export function rtpTimestamp(buf: Buffer): number {
  return ((buf[4] << 24) | (buf[5] << 16) | (buf[6] << 8) | buf[7]) >>> 0;
}

export function rtpSsrc(buf: Buffer): number {
  return ((buf[8] << 24) | (buf[9] << 16) | (buf[10] << 8) | buf[11]) >>> 0;
}

export function rtpPayloadType(buf: Buffer): number {
  return buf[1] & 0x7f;
}
