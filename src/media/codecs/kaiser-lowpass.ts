/**
 * Windowed-sinc low-pass FIR design with a Kaiser window (Kaiser's formulas for β and the length
 * from the wanted stopband attenuation and transition width; see e.g. Oppenheim & Schafer,
 * "Discrete-Time Signal Processing", §7.5.3). Pure; used once per resampling ratio.
 */

/** Zeroth-order modified Bessel function of the first kind, by its power series. */
export function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser's β for a stopband attenuation of `attenuationDb`. */
export function kaiserBeta(attenuationDb: number): number {
  const a = attenuationDb;
  if (a > 50) return 0.1102 * (a - 8.7);
  if (a >= 21) return 0.5842 * Math.pow(a - 21, 0.4) + 0.07886 * (a - 21);
  return 0;
}

export interface LowpassSpec {
  /** Number of taps (odd, so the filter is linear-phase with an integer delay of (taps-1)/2). */
  taps: number;
  /** Cutoff (the -6 dB point) as a fraction of the sample rate, 0..0.5. */
  cutoff: number;
  /** Kaiser β. */
  beta: number;
  /** DC gain of the whole filter. */
  gain: number;
}

/** The impulse response h[0..taps-1], normalised so that Σh = gain. */
export function designLowpass(spec: LowpassSpec): Float64Array {
  const { taps, cutoff, beta, gain } = spec;
  const h = new Float64Array(taps);
  const c = (taps - 1) / 2;
  const i0b = besselI0(beta);
  let sum = 0;
  for (let n = 0; n < taps; n++) {
    const t = n - c;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const r = c === 0 ? 0 : t / c;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0b;
    h[n] = sinc * w;
    sum += h[n];
  }
  for (let n = 0; n < taps; n++) h[n] *= gain / sum;
  return h;
}
