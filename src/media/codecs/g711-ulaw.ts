/**
 * G.711 µ-law (ITU-T G.711 §3, Tables 2a/2b): 16-bit linear PCM ⇄ one byte per sample.
 *
 * µ-law works on a 14-bit magnitude (the 16-bit sample shifted right by 2). The magnitude is
 * biased by 33 and clipped at 8191; eight segments of sixteen intervals follow, each segment
 * doubling the step (2, 4, ... 256 in the biased 14-bit scale). The transmitted byte is the
 * inverted sign-segment-interval word (G.711 §3.2: all bits inverted, so silence is 0xFF), whose
 * sign bit is 0 for a positive sample: on the line bit 7 is 1 for positive, 0x80 = +32124.
 *
 * Negative samples use the ones' complement (~x) before the shift, as the ITU-T G.191 reference
 * software does: the decision thresholds of the negative half mirror the positive ones exactly
 * around -0.5, so x and -x-1 get the same magnitude code.
 *
 * Both directions are table lookups: decode through a 256-entry Int16Array, encode through a
 * 65,536-entry Uint8Array indexed by the sample's 16-bit pattern, built once at module load.
 */

const BIAS = 33;
const CLIP = 0x1fff;

/** Encodes one sample with the segment algorithm (used to build the table; no allocation). */
function encodeBySegments(x: number): number {
  const negative = x < 0;
  let m = (negative ? ~x : x) >> 2; // 14-bit magnitude, 0..8191
  m += BIAS;
  if (m > CLIP) m = CLIP;
  // Segment = position of the highest set bit above bit 5 (m >= 32 always after the bias).
  let seg = 0;
  for (let v = m >> 6; v !== 0; v >>= 1) seg++;
  const interval = (m >> (seg + 1)) & 0x0f;
  const word = (negative ? 0x80 : 0) | (seg << 4) | interval;
  return ~word & 0xff;
}

function decodeBySegments(code: number): number {
  const u = ~code & 0xff;
  const seg = (u >> 4) & 7;
  const interval = u & 0x0f;
  // The middle of the interval in the biased 14-bit scale, times 4 for 16 bits, minus the bias.
  const magnitude = (((interval << 3) + (BIAS << 2)) << seg) - (BIAS << 2);
  return u & 0x80 ? -magnitude : magnitude;
}

/** µ-law byte → 16-bit linear sample. */
export const ULAW_DECODE: Int16Array = new Int16Array(256);
/** 16-bit sample pattern (x & 0xffff) → µ-law byte. */
export const ULAW_ENCODE: Uint8Array = new Uint8Array(65536);

for (let c = 0; c < 256; c++) ULAW_DECODE[c] = decodeBySegments(c);
for (let i = 0; i < 65536; i++) ULAW_ENCODE[i] = encodeBySegments((i << 16) >> 16);

/** One 16-bit sample (integer in -32768..32767) → µ-law byte. */
export function ulawEncode(sample: number): number {
  return ULAW_ENCODE[sample & 0xffff];
}

/** One µ-law byte → 16-bit sample. */
export function ulawDecode(code: number): number {
  return ULAW_DECODE[code & 0xff];
}

/**
 * Encodes `pcm` into `out` without allocating; returns the number of bytes written,
 * min(pcm.length, out.length).
 */
export function ulawEncodeInto(pcm: Int16Array, out: Uint8Array): number {
  const n = pcm.length < out.length ? pcm.length : out.length;
  for (let i = 0; i < n; i++) out[i] = ULAW_ENCODE[pcm[i] & 0xffff];
  return n;
}

/** Decodes `bytes` into `out` without allocating; returns the number of samples written. */
export function ulawDecodeInto(bytes: Uint8Array, out: Int16Array): number {
  const n = bytes.length < out.length ? bytes.length : out.length;
  for (let i = 0; i < n; i++) out[i] = ULAW_DECODE[bytes[i]];
  return n;
}
