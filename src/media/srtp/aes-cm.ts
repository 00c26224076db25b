import { createCipheriv, type Cipheriv } from 'node:crypto';

/** The largest payload we encrypt: a UDP datagram on an Ethernet path, rounded up to whole blocks. */
const MAX_BLOCKS = 128; // 2048 bytes

/**
 * AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): the keystream block j of a packet
 * is AES_k(IV + j), with IV = (k_s·2^16) XOR (SSRC·2^64) XOR (i·2^16), where i is the
 * 48-bit packet index (SRTP) or the 31-bit SRTCP index.
 *
 * node:crypto cannot restart a CTR cipher at a new IV without a new object (and a new key
 * schedule), so one AES-ECB object is keyed once per stream and encrypts the packet's
 * counter blocks, written into a buffer kept for the stream's lifetime. The only
 * per-packet allocation is the keystream Buffer that Cipher.update returns.
 */
export class AesCm {
  private readonly ecb: Cipheriv;
  private readonly counters = Buffer.alloc(MAX_BLOCKS * 16);
  /** A view of the first n blocks, made the first time a packet of n blocks comes (a stream has one or two sizes). */
  private readonly views: Array<Buffer | undefined> = new Array(MAX_BLOCKS + 1);

  constructor(
    key: Uint8Array,
    /** The 14-byte session salt k_s. */
    private readonly salt: Uint8Array,
  ) {
    if (key.length !== 16) throw new RangeError('AES-CM key must be 16 bytes');
    if (salt.length !== 14) throw new RangeError('AES-CM salt must be 14 bytes');
    this.ecb = createCipheriv('aes-128-ecb', key, null);
    this.ecb.setAutoPadding(false);
  }

  /** The most bytes xor() can cover in one call. */
  static readonly MAX_BYTES = MAX_BLOCKS * 16;

  /**
   * XOR the keystream for (ssrc, index) into buf[start, end). index is a non-negative
   * integer below 2^48 (exact in a double).
   */
  xor(buf: Uint8Array, start: number, end: number, ssrc: number, index: number): void {
    const len = end - start;
    if (len <= 0) return;
    if (len > AesCm.MAX_BYTES) throw new RangeError('SRTP payload too large');
    const blocks = (len + 15) >>> 4;
    const c = this.counters;
    const s = this.salt;
    const hi = Math.floor(index / 0x100000000); // top 16 bits of the 48-bit index
    const lo = index >>> 0;
    // Bytes 0..13 of the IV; bytes 14..15 are the block counter j (a packet is < 2^16 blocks).
    const b0 = s[0], b1 = s[1], b2 = s[2], b3 = s[3];
    const b4 = s[4] ^ (ssrc >>> 24), b5 = s[5] ^ ((ssrc >>> 16) & 0xff), b6 = s[6] ^ ((ssrc >>> 8) & 0xff), b7 = s[7] ^ (ssrc & 0xff);
    const b8 = s[8] ^ ((hi >>> 8) & 0xff), b9 = s[9] ^ (hi & 0xff);
    const b10 = s[10] ^ (lo >>> 24), b11 = s[11] ^ ((lo >>> 16) & 0xff), b12 = s[12] ^ ((lo >>> 8) & 0xff), b13 = s[13] ^ (lo & 0xff);
    for (let j = 0, o = 0; j < blocks; j++, o += 16) {
      c[o] = b0; c[o + 1] = b1; c[o + 2] = b2; c[o + 3] = b3;
      c[o + 4] = b4; c[o + 5] = b5; c[o + 6] = b6; c[o + 7] = b7;
      c[o + 8] = b8; c[o + 9] = b9; c[o + 10] = b10; c[o + 11] = b11;
      c[o + 12] = b12; c[o + 13] = b13; c[o + 14] = j >>> 8; c[o + 15] = j & 0xff;
    }
    const view = this.views[blocks] ?? (this.views[blocks] = this.counters.subarray(0, blocks * 16));
    const ks = this.ecb.update(view);
    for (let k = 0; k < len; k++) buf[start + k] ^= ks[k]!;
  }
}
