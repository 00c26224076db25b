/**
 * G.711 A-law (ITU-T G.711 §2, Tables 1a/1b): 16-bit linear PCM ⇄ one byte per sample.
 *
 * A-law works on a 13-bit signed sample (12-bit magnitude). Segment 0 and segment 1 both have a
 * step of 2 (in 13-bit units, 16 in 16-bit units); every further segment doubles the step. The
 * transmitted byte is the sign-segment-interval word with the even bits inverted (XOR 0x55,
 * G.711 §2.2), and a positive sample has the sign bit set, so the two "zeros" are 0xD5 (+8) and
 * 0x55 (-8).
 *
 * Negative samples use the ones' complement (~x), as the ITU-T G.191 reference software does, so
 * x and -x-1 get the same magnitude code.
 *
 * Both directions are table lookups built once at module load: a 256-entry Int16Array to decode,
 * a 65,536-entry Uint8Array indexed by the sample's 16-bit pattern to encode.
 */

function encodeBySegments(x: number): number {
  const negative = x < 0;
  let m = (negative ? ~x : x) >> 4; // magnitude in steps of 16 (16-bit scale), 0..2047
  let seg = 0;
  if (m > 15) {
    seg = 1;
    while (m > 31) {
      m >>= 1;
      seg++;
    }
    m -= 16;
  }
  const word = (negative ? 0 : 0x80) | (seg << 4) | m;
  return word ^ 0x55;
}

function decodeBySegments(code: number): number {
  const w = (code & 0xff) ^ 0x55;
  const seg = (w >> 4) & 7;
  let m = w & 0x0f;
  if (seg > 0) m += 16; // the implicit leading one of segments 1..7
  m = (m << 4) + 8; // middle of the interval, 16-bit scale
  if (seg > 1) m <<= seg - 1;
  return w & 0x80 ? m : -m;
}

/** A-law byte → 16-bit linear sample. */
export const ALAW_DECODE: Int16Array = new Int16Array(256);
/** 16-bit sample pattern (x & 0xffff) → A-law byte. */
export const ALAW_ENCODE: Uint8Array = new Uint8Array(65536);

for (let c = 0; c < 256; c++) ALAW_DECODE[c] = decodeBySegments(c);
for (let i = 0; i < 65536; i++) ALAW_ENCODE[i] = encodeBySegments((i << 16) >> 16);

/** One 16-bit sample (integer in -32768..32767) → A-law byte. */
export function alawEncode(sample: number): number {
  return ALAW_ENCODE[sample & 0xffff];
}

/** One A-law byte → 16-bit sample. */
export function alawDecode(code: number): number {
  return ALAW_DECODE[code & 0xff];
}

/**
 * Encodes `pcm` into `out` without allocating; returns the number of bytes written,
 * min(pcm.length, out.length).
 */
export function alawEncodeInto(pcm: Int16Array, out: Uint8Array): number {
  const n = pcm.length < out.length ? pcm.length : out.length;
  for (let i = 0; i < n; i++) out[i] = ALAW_ENCODE[pcm[i] & 0xffff];
  return n;
}

/** Decodes `bytes` into `out` without allocating; returns the number of samples written. */
export function alawDecodeInto(bytes: Uint8Array, out: Int16Array): number {
  const n = bytes.length < out.length ? bytes.length : out.length;
  for (let i = 0; i < n; i++) out[i] = ALAW_DECODE[bytes[i]];
  return n;
}
