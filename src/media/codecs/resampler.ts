/**
 * Streaming sample-rate conversion between 8, 16 and 48 kHz (ratios 1:2, 1:3, 1:6 and back) with
 * a polyphase windowed-sinc FIR low-pass — never sample dropping or repetition.
 *
 * The filter (Kaiser window, 70 dB stopband) passes up to 0.85 of the lower rate's Nyquist
 * frequency (3.4 kHz at 8 kHz, 6.8 kHz at 16 kHz) and stops from 1.05 of it, so whatever would
 * alias or image lands above 0.95 of the band edge and at least 70 dB down.
 *
 * One instance per stream: it keeps the filter history, so consecutive 20 ms frames join without
 * clicks and frame-by-frame output equals one-shot output. After construction `process` does not
 * allocate. The coefficient tables are built once per ratio and direction and shared by every
 * instance; an instance owns only its history.
 *
 * Cost: the prototype is linear-phase (symmetric), and so is every branch used by 2:1 and 1:2 and
 * branch 0 (and R/2) of the others. A symmetric branch is evaluated folded — c(j)·(x(n-j) + x(n-L+1+j))
 * — which halves the multiplications; two accumulators keep the additions from waiting on each other.
 */

import { designLowpass, kaiserBeta } from './kaiser-lowpass.js';

export type SampleRate = 8000 | 16000 | 48000;

const RATES: readonly number[] = [8000, 16000, 48000];
const STOPBAND_DB = 70;
/** Pass band edge and stop band edge, as fractions of the lower rate's Nyquist frequency. */
const PASS_EDGE = 0.85;
const STOP_EDGE = 1.05;
/** Input samples handled per inner pass (bounds the work buffer; longer inputs are split). */
const CHUNK = 960;

interface Design {
  /** Taps per polyphase branch, K. */
  k: number;
  /** The prototype filter h[0..K·R-1] at the higher rate, DC gain 1 (zero-padded to K·R). */
  h: Float64Array;
  /** Group delay of the prototype in samples of the higher rate, (taps - 1) / 2 = R·q. */
  delayHigh: number;
}

/**
 * Prototype design for ratio R: Kaiser's length estimate, rounded up so that the delay (taps-1)/2
 * is a whole number of lower-rate samples (an integer delay at both rates).
 */
function design(r: number): Design {
  const transition = ((STOP_EDGE - PASS_EDGE) * 0.5) / r; // as a fraction of the higher rate
  const estimate = (STOPBAND_DB - 7.95) / (2.285 * 2 * Math.PI * transition);
  const q = Math.ceil(estimate / (2 * r));
  const taps = 2 * r * q + 1;
  const proto = designLowpass({ taps, cutoff: ((PASS_EDGE + STOP_EDGE) / 2) * (0.5 / r), beta: kaiserBeta(STOPBAND_DB), gain: 1 });
  const k = Math.ceil(taps / r);
  const h = new Float64Array(k * r);
  h.set(proto);
  return { k, h, delayHigh: r * q };
}

/** The three prototypes, designed once when the module loads (a few hundred taps each). */
const DESIGNS: ReadonlyMap<number, Design> = new Map([2, 3, 6].map((r) => [r, design(r)]));

/**
 * The FIR applied for one output phase: out = Σ c(j)·x(newest - j), j < c.length (trailing zero
 * taps dropped). `symmetric` when c(j) = c(L-1-j) for every j.
 */
interface Kernel {
  c: Float64Array;
  symmetric: boolean;
}

function kernel(taps: Float64Array): Kernel {
  let len = taps.length;
  while (len > 0 && taps[len - 1] === 0) len--;
  const c = taps.slice(0, len);
  let symmetric = true;
  for (let j = 0; j < len >> 1; j++) if (Math.abs(c[j] - c[len - 1 - j]) > 1e-15 * Math.abs(c[j])) symmetric = false;
  return { c, symmetric };
}

/** Up: one kernel per output phase p (h[p + jR] · R: the zero-stuffed input carries 1/R of the energy); down: the prototype. */
function kernels(r: number, up: boolean): Kernel[] {
  const d = DESIGNS.get(r)!;
  if (!up) return [kernel(d.h)];
  const out: Kernel[] = [];
  for (let p = 0; p < r; p++) {
    const branch = new Float64Array(d.k);
    for (let j = 0; j < d.k; j++) branch[j] = d.h[p + j * r] * r;
    out.push(kernel(branch));
  }
  return out;
}

/** Shared by every instance, built on first use: key `${r}${up ? 'u' : 'd'}`. */
const KERNELS = new Map<string, Kernel[]>();

function sharedKernels(r: number, up: boolean): Kernel[] {
  const key = `${r}${up ? 'u' : 'd'}`;
  let k = KERNELS.get(key);
  if (!k) KERNELS.set(key, (k = kernels(r, up)));
  return k;
}

/** Σ c(j)·w(newest - j) for a kernel, folded when symmetric. */
function fir(kn: Kernel, w: Float64Array, newest: number): number {
  const c = kn.c;
  const len = c.length;
  let a0 = 0;
  let a1 = 0;
  if (kn.symmetric) {
    const half = len >> 1;
    const oldest = newest - len + 1;
    let j = 0;
    for (; j + 1 < half; j += 2) {
      a0 += c[j] * (w[newest - j] + w[oldest + j]);
      a1 += c[j + 1] * (w[newest - j - 1] + w[oldest + j + 1]);
    }
    if (j < half) a0 += c[j] * (w[newest - j] + w[oldest + j]);
    if (len & 1) a1 += c[half] * w[newest - half];
  } else {
    let j = 0;
    for (; j + 1 < len; j += 2) {
      a0 += c[j] * w[newest - j];
      a1 += c[j + 1] * w[newest - j - 1];
    }
    if (j < len) a0 += c[j] * w[newest - j];
  }
  return a0 + a1;
}

export class Resampler {
  /** Conversion factor: the higher rate divided by the lower one (2, 3 or 6). */
  readonly ratio: number;
  readonly up: boolean;
  /** Group delay in output samples (an integer), as the filter adds it: output[n + delay] ~ input at n. */
  readonly delay: number;
  /** Number of FIR taps per output sample. */
  readonly tapsPerOutput: number;
  /** The FIR per output phase (up: R of them, shared by all instances; down: one). */
  private readonly kernels: Kernel[];
  private readonly hist: number;
  /** History of the previous `hist` input samples followed by the current chunk. */
  private readonly work: Float64Array;
  /** Down-sampling only: global input index modulo R, the next output falls where it is 0. */
  private phase = 0;

  constructor(
    readonly fromRate: SampleRate,
    readonly toRate: SampleRate,
  ) {
    if (!RATES.includes(fromRate) || !RATES.includes(toRate) || fromRate === toRate) {
      throw new RangeError(`resampling ${String(fromRate)} Hz → ${String(toRate)} Hz is not supported (8000, 16000, 48000, different)`);
    }
    this.up = toRate > fromRate;
    const r = this.up ? toRate / fromRate : fromRate / toRate;
    this.ratio = r;
    const d = DESIGNS.get(r)!;
    this.kernels = sharedKernels(r, this.up);
    if (this.up) {
      this.hist = d.k - 1;
      this.tapsPerOutput = d.k;
      this.delay = d.delayHigh;
    } else {
      this.hist = d.h.length - 1;
      this.tapsPerOutput = d.h.length;
      this.delay = d.delayHigh / r;
    }
    this.work = new Float64Array(this.hist + CHUNK);
  }

  /** How many samples `process` writes for `inputLength` input samples in the current state. */
  outputLength(inputLength: number): number {
    if (this.up) return inputLength * this.ratio;
    // Outputs fall on global input indices ≡ 0 (mod R); `phase` is the next input's index mod R.
    const first = (this.ratio - this.phase) % this.ratio;
    return inputLength > first ? Math.ceil((inputLength - first) / this.ratio) : 0;
  }

  /**
   * Converts `input` and writes the result into `out`; returns the number of samples written,
   * outputLength(input.length). Throws a RangeError (before changing any state) when `out` is
   * too short.
   */
  process(input: Int16Array, out: Int16Array): number {
    const need = this.outputLength(input.length);
    if (out.length < need) throw new RangeError(`resampler output needs ${need} samples, got ${out.length}`);
    let o = 0;
    for (let start = 0; start < input.length; start += CHUNK) {
      const end = Math.min(input.length, start + CHUNK);
      o = this.up ? this.upChunk(input, start, end, out, o) : this.downChunk(input, start, end, out, o);
    }
    return o;
  }

  /** Clears the history: the next input starts as if after silence. */
  reset(): void {
    this.work.fill(0);
    this.phase = 0;
  }

  private upChunk(input: Int16Array, start: number, end: number, out: Int16Array, o: number): number {
    const work = this.work;
    const hist = this.hist;
    const kernels = this.kernels;
    const r = this.ratio;
    const n = end - start;
    for (let i = 0; i < n; i++) work[hist + i] = input[start + i];
    for (let m = 0; m < n; m++) {
      const newest = hist + m;
      for (let p = 0; p < r; p++) out[o++] = saturate(fir(kernels[p], work, newest));
    }
    work.copyWithin(0, n, n + hist);
    return o;
  }

  private downChunk(input: Int16Array, start: number, end: number, out: Int16Array, o: number): number {
    const work = this.work;
    const hist = this.hist;
    const kn = this.kernels[0];
    const r = this.ratio;
    const n = end - start;
    for (let i = 0; i < n; i++) work[hist + i] = input[start + i];
    let m = (r - this.phase) % r; // first index in this chunk that produces an output
    for (; m < n; m += r) out[o++] = saturate(fir(kn, work, hist + m));
    this.phase = (this.phase + n) % r;
    work.copyWithin(0, n, n + hist);
    return o;
  }
}

function saturate(v: number): number {
  const x = Math.round(v);
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}
