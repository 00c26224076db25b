/**
 * Soft clipping of a 32-bit sum into 16-bit PCM: linear up to a knee, then a smooth curve that
 * approaches full scale and never reaches it, so a loud sum of several voices bends instead of
 * wrapping round (a two's-complement wrap turns a peak into a full-scale step of the opposite
 * sign, the loudest click there is).
 *
 * Above the knee T the excess e = |x| - T is mapped to R·e / (R + e) with R = 32767 - T: the
 * curve leaves the line with slope 1 (no corner), is monotonic, and stays below 32767 for any
 * finite input. The knee is -2.5 dBFS (24,576): a single speaker at a sane level passes
 * untouched, only the overlap of several loud voices is bent.
 *
 * Role in the media engine: the conference mixer (every mix-minus) and the recorder (mono mix
 * of two legs). Per sample, no state, no allocation.
 */

export const SOFT_KNEE = 24576;
const RANGE = 32767 - SOFT_KNEE;

/** One sample (any number) → an integer in [-32767, 32767]. */
export function softLimit(x: number): number {
  if (x > SOFT_KNEE) {
    const e = x - SOFT_KNEE;
    return SOFT_KNEE + Math.floor((RANGE * e) / (RANGE + e));
  }
  if (x < -SOFT_KNEE) {
    const e = -x - SOFT_KNEE;
    return -SOFT_KNEE - Math.floor((RANGE * e) / (RANGE + e));
  }
  return Math.round(x);
}
