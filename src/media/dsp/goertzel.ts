/**
 * The Goertzel algorithm: the power of one frequency component of a block of samples, in O(N)
 * with two state variables — cheaper than an FFT when only a few frequencies matter (DTMF
 * detection, tone checks in tests).
 */

/** Samples the functions here accept: 16-bit PCM or floating point. */
export type Samples = Int16Array | Float32Array | Float64Array;

/**
 * Mean power of the `frequency` component of samples[start, start + length), scaled so that a
 * sine of amplitude A at that frequency gives A²/2 (its mean power) when the block holds a whole
 * number of periods. The frequency need not fall on an FFT bin.
 */
export function goertzelPower(samples: Samples, sampleRate: number, frequency: number, start = 0, length = samples.length - start): number {
  if (length <= 0) return 0;
  const w = (2 * Math.PI * frequency) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  const end = start + length;
  for (let i = start; i < end; i++) {
    const s0 = samples[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  // |X(ω)|² = s1² + s2² - coeff·s1·s2; a sine of amplitude A gives |X| = A·N/2.
  const mag2 = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * mag2) / (length * length);
}

/** Mean power of samples[start, start + length) (A²/2 for a sine of amplitude A). */
export function meanPower(samples: Samples, start = 0, length = samples.length - start): number {
  if (length <= 0) return 0;
  let sum = 0;
  const end = start + length;
  for (let i = start; i < end; i++) sum += samples[i] * samples[i];
  return sum / length;
}

/** A power ratio in decibels (10·log10), -Infinity for 0. */
export function powerDb(power: number, reference = 1): number {
  return 10 * Math.log10(power / reference);
}

/**
 * The share of a signal's power that is at `frequency` (0..1 for a clean tone), over
 * samples[start, start+length): how a tone is found in decoded audio.
 */
export function toneShare(samples: Samples, sampleRate: number, frequency: number, start = 0, length = samples.length - start): number {
  const total = meanPower(samples, start, length);
  return total > 0 ? goertzelPower(samples, sampleRate, frequency, start, length) / total : 0;
}
