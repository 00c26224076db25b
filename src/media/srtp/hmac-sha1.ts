const BLOCK = 64;

/**
 * HMAC-SHA1 (RFC 2104 over FIPS 180-4 SHA-1) for SRTP's per-packet tag, written here:
 * node:crypto's Hmac cannot be re-used for a second message, and a fresh Hmac (or copies
 * of prepared Hash objects) per packet costs several native objects and Buffers. Here the
 * key's inner and outer pad blocks are compressed once per stream, and each packet runs
 * SHA-1's compression over the packet (and the ROC or nothing) into state kept in typed
 * arrays: no allocation per packet. Checked against node:crypto's createHmac in the tests.
 */
export class HmacSha1 {
  /** SHA-1 state after the ipad / opad block. */
  private readonly innerStart = new Int32Array(5);
  private readonly outerStart = new Int32Array(5);
  private readonly h = new Int32Array(5);
  private readonly w = new Int32Array(80);
  /** The last block(s) of a message: its remainder, the tail bytes, the padding and the length. */
  private readonly last = Buffer.alloc(2 * BLOCK);
  /** The 20-byte result of the last mac() (overwritten by the next call). */
  readonly out = Buffer.alloc(20);

  constructor(key: Uint8Array) {
    if (key.length > BLOCK) throw new RangeError('HMAC key longer than a block');
    const pad = Buffer.alloc(BLOCK);
    for (const [byte, start] of [[0x36, this.innerStart], [0x5c, this.outerStart]] as const) {
      pad.fill(byte);
      for (let i = 0; i < key.length; i++) pad[i] ^= key[i]!;
      start.set(INIT);
      compress(start, this.w, pad, 0);
    }
  }

  /** HMAC over a[0, aEnd) followed by the bytes of `tail` (the ROC, or none); the 20 bytes are in `out`. */
  mac(a: Uint8Array, aEnd: number, tail: Uint8Array): Buffer {
    const h = this.h;
    const w = this.w;
    const last = this.last;
    // Inner hash: ipad block (already compressed) || message.
    h.set(this.innerStart);
    const full = aEnd - (aEnd % BLOCK);
    for (let o = 0; o < full; o += BLOCK) compress(h, w, a, o);
    let n = 0;
    for (let i = full; i < aEnd; i++) last[n++] = a[i]!;
    for (let i = 0; i < tail.length; i++) last[n++] = tail[i]!;
    finish(h, w, last, n, BLOCK + aEnd + tail.length);
    // Outer hash: opad block || inner digest.
    for (let i = 0; i < 5; i++) last.writeInt32BE(h[i]!, 4 * i);
    h.set(this.outerStart);
    finish(h, w, last, 20, BLOCK + 20);
    for (let i = 0; i < 5; i++) this.out.writeInt32BE(h[i]!, 4 * i);
    return this.out;
  }
}

const INIT = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0);

/** Pad the n bytes at the front of `last` (FIPS 180-4 §5.1.1: 0x80, zeros, the length in bits) and compress. */
function finish(h: Int32Array, w: Int32Array, last: Buffer, n: number, totalBytes: number): void {
  last[n++] = 0x80;
  const end = n <= BLOCK - 8 ? BLOCK : 2 * BLOCK;
  last.fill(0, n, end - 8);
  const bits = totalBytes * 8;
  last.writeUInt32BE(Math.floor(bits / 0x100000000), end - 8);
  last.writeUInt32BE(bits >>> 0, end - 4);
  compress(h, w, last, 0);
  if (end === 2 * BLOCK) compress(h, w, last, BLOCK);
}

/** SHA-1's compression function (FIPS 180-4 §6.1.2) of the block at b[o, o+64) into h. */
function compress(h: Int32Array, w: Int32Array, b: Uint8Array, o: number): void {
  for (let t = 0; t < 16; t++, o += 4) w[t] = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
    w[t] = (x << 1) | (x >>> 31);
  }
  let a = h[0]!, bb = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!;
  for (let t = 0; t < 80; t++) {
    let f: number, k: number;
    if (t < 20) {
      f = (bb & c) | (~bb & d);
      k = 0x5a827999;
    } else if (t < 40) {
      f = bb ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (t < 60) {
      f = (bb & c) | (bb & d) | (c & d);
      k = 0x8f1bbcdc | 0;
    } else {
      f = bb ^ c ^ d;
      k = 0xca62c1d6 | 0;
    }
    const temp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]!) | 0;
    e = d;
    d = c;
    c = (bb << 30) | (bb >>> 2);
    bb = a;
    a = temp;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + bb) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
}

/** Do the first n bytes of `mac` equal buf[at, at+n)? Constant time in the bytes compared. */
export function tagMatches(mac: Uint8Array, buf: Uint8Array, at: number, n: number): boolean {
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= mac[i]! ^ buf[at + i]!;
  return diff === 0;
}
