/**
 * Where the payload of an RTP packet lies (RFC 3550 §5.1, §5.3.1): after the fixed
 * header, the CSRC list and a header extension, and before any padding. The packet is
 * hostile: every length is checked against the datagram, and a bad one reads as -1.
 */
import { RTP_HEADER_BYTES } from './rtp-header.js';

/** Offset of the payload, or -1 when the CSRC list or the extension runs past the datagram. */
export function rtpPayloadOffset(buf: Buffer): number {
  if (buf.length < RTP_HEADER_BYTES) return -1;
  let off = RTP_HEADER_BYTES + 4 * (buf[0] & 0x0f);
  if (buf[0] & 0x10) {
    // §5.3.1: 16 bits profile-defined, 16 bits length in 32-bit words, then the words.
    if (off + 4 > buf.length) return -1;
    off += 4 + 4 * buf.readUInt16BE(off + 2);
  }
  return off <= buf.length ? off : -1;
}

/** End of the payload (before padding), or -1 when the padding count is impossible. */
export function rtpPayloadEnd(buf: Buffer, offset: number): number {
  if (!(buf[0] & 0x20)) return buf.length;
  const pad = buf[buf.length - 1];
  // §5.1: the last octet counts the padding, itself included.
  if (pad === 0 || buf.length - pad < offset) return -1;
  return buf.length - pad;
}
