/**
 * Where an RTP packet's payload starts (RFC 3550 §5.1, §5.3.1): 12 bytes, 4 per CSRC,
 * and the header extension (4 bytes plus its length in 32-bit words) when X is set.
 * -1 when the header does not fit in `len`: such a packet cannot be SRTP (RFC 3711 §3.1
 * encrypts the payload only, so the header must be whole).
 */
export function rtpHeaderLength(buf: Uint8Array, len: number): number {
  if (len < 12) return -1;
  let h = 12 + 4 * (buf[0]! & 0x0f);
  if (buf[0]! & 0x10) {
    if (len < h + 4) return -1;
    h += 4 + 4 * ((buf[h + 2]! << 8) | buf[h + 3]!);
  }
  return h <= len ? h : -1;
}
