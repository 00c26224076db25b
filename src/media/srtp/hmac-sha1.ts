import { createHash, type Hash } from 'node:crypto';

const BLOCK = 64;

/**
 * HMAC-SHA1 (RFC 2104) with the key's inner and outer pads hashed once per stream: each
 * packet copies the two prepared hash states instead of keying a new HMAC object.
 */
export class HmacSha1 {
  private readonly inner: Hash;
  private readonly outer: Hash;

  constructor(key: Uint8Array) {
    if (key.length > BLOCK) throw new RangeError('HMAC key longer than a block');
    const ipad = Buffer.alloc(BLOCK, 0x36);
    const opad = Buffer.alloc(BLOCK, 0x5c);
    for (let i = 0; i < key.length; i++) {
      ipad[i] ^= key[i]!;
      opad[i] ^= key[i]!;
    }
    this.inner = createHash('sha1').update(ipad);
    this.outer = createHash('sha1').update(opad);
  }

  /** HMAC over a[aStart, aEnd) followed by the 4 bytes of `tail` (ROC or SRTCP index), 20 bytes. */
  mac(a: Buffer, aEnd: number, tail: Buffer): Buffer {
    const inner = this.inner.copy();
    inner.update(aEnd === a.length ? a : a.subarray(0, aEnd));
    inner.update(tail);
    const outer = this.outer.copy();
    outer.update(inner.digest());
    return outer.digest();
  }
}

/** Do the first n bytes of `mac` equal buf[at, at+n)? Constant time in the bytes compared. */
export function tagMatches(mac: Buffer, buf: Buffer, at: number, n: number): boolean {
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= mac[i]! ^ buf[at + i]!;
  return diff === 0;
}
