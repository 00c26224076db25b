import { ILB } from './g722-tables.js';

/**
 * Layout of one sub-band's state in an Int32Array (see BandState). A flat typed array instead of
 * object fields: the hot loop reads it into locals once per sample and writes it back once, and
 * every value stays a small integer.
 */
export const NB = 0; // logarithmic quantizer scale factor NB (LOGSCL / LOGSCH)
export const DET = 1; // linear quantizer scale factor DET (SCALEL / SCALEH)
export const S = 2; // predictor output s = sp + sz (PREDIC)
export const SZ = 3; // its zero-section part sz (FILTEZ)
const R1 = 4; // reconstructed signal r(n-1)
const P1 = 5; // partial reconstructed signals p(n-1), p(n-2)
const P2 = 6;
const A1 = 7; // pole section coefficients a1, a2
const A2 = 8;
const D1 = 9; // quantized differences d(n-1..n-6) at D1..D1+5
const B1 = 15; // zero section coefficients b1..b6 at B1..B1+5
export const BAND_STATE_WORDS = 21;

/**
 * Scale factor adaptation (LOGSCL/SCALEL, LOGSCH/SCALEH): NB leaks by 127/128 and steps by
 * `step`, is limited to [0, nbMax], and DET = 2^(NB/2048 + ...) from the antilog table, where
 * `shift` is 8 for the lower band and 10 for the higher band.
 */
export function adaptScale(st: Int32Array, step: number, nbMax: number, shift: number): void {
  let nb = ((st[NB] * 127) >> 7) + step;
  if (nb < 0) nb = 0;
  else if (nb > nbMax) nb = nbMax;
  st[NB] = nb;
  const wd2 = shift - (nb >> 11);
  const wd1 = ILB[(nb >> 6) & 31];
  st[DET] = (wd2 < 0 ? wd1 << -wd2 : wd1 >> wd2) << 2;
}

/**
 * Block 4 of G.722 §6.2: given this sample's quantized difference `dq`, reconstruct, adapt the
 * pole (UPPOL2, UPPOL1) and zero (UPZERO) coefficients, shift the delay lines (DELAYA), and
 * compute the next prediction (FILTEP, FILTEZ, PREDIC). Runs twice per byte of every G.722
 * stream, so it is written flat: locals, no helper calls, saturation to 16 bits (the
 * Recommendation's "limit") written out as compares.
 */
export function adaptPredictor(st: Int32Array, dq: number): void {
  const sz0 = st[SZ];
  let r = st[S] + dq; // RECONS
  r = r > 32767 ? 32767 : r < -32768 ? -32768 : r;
  let p = dq + sz0; // PARREC
  p = p > 32767 ? 32767 : p < -32768 ? -32768 : p;
  const p1 = st[P1];
  const a1 = st[A1];
  const a2 = st[A2];

  // Signs as in the Recommendation: 0 counts as positive, so the sign bit decides, and
  // (u ^ v) >> 31 is -1 when u and v differ in sign, 0 when they agree. Sign agreement is data,
  // not a branch: branches on it are mispredicted about half the time.
  const diff1 = (p ^ p1) >> 31;
  const diff2 = (p ^ st[P2]) >> 31;

  // UPPOL2: a2 ← a2·(1 - 2^-7) ± 2^-7 (sign agreement of p(n), p(n-2)) ∓ 4·a1·2^-7 (agreement with p(n-1)).
  let wd1 = a1 * 4;
  wd1 = wd1 > 32767 ? 32767 : wd1 < -32768 ? -32768 : wd1;
  const same1 = ~diff1; // -1 when p(n), p(n-1) agree: then wd2 = -wd1
  let wd2 = (wd1 ^ same1) - same1;
  if (wd2 > 32767) wd2 = 32767;
  let apl2 = (wd2 >> 7) + (128 + (diff2 & -256)) + ((a2 * 32512) >> 15);
  if (apl2 > 12288) apl2 = 12288;
  else if (apl2 < -12288) apl2 = -12288;

  // UPPOL1: a1 ← a1·(1 - 2^-8) ± 3·2^-8, limited to ±(1 - 2^-4 - a2) for stability.
  // (|a1| stays below 2^15, so the sum needs no saturation; 15360 - apl2 lies in 3072..27648.)
  let apl1 = 192 + (diff1 & -384) + ((a1 * 32640) >> 15);
  const lim = 15360 - apl2;
  if (apl1 > lim) apl1 = lim;
  else if (apl1 < -lim) apl1 = -lim;

  // UPZERO: b(i) ← b(i)·(1 - 2^-8) ± 2^-7 by sign agreement of dq(n) and dq(n-i); no step when dq = 0.
  // |b(i)·(1 - 2^-8)| < 32640 and the step is 128, so the sums stay within 16 bits unsaturated.
  const nz = (dq | (0 - dq)) >> 31; // -1 when dq ≠ 0, else 0 (0 - dq, not -dq: no -0)
  const d1 = st[D1];
  const d2 = st[D1 + 1];
  const d3 = st[D1 + 2];
  const d4 = st[D1 + 3];
  const d5 = st[D1 + 4];
  const d6 = st[D1 + 5];
  const b1 = ((st[B1] * 32640) >> 15) + ((128 + (((d1 ^ dq) >> 31) & -256)) & nz);
  const b2 = ((st[B1 + 1] * 32640) >> 15) + ((128 + (((d2 ^ dq) >> 31) & -256)) & nz);
  const b3 = ((st[B1 + 2] * 32640) >> 15) + ((128 + (((d3 ^ dq) >> 31) & -256)) & nz);
  const b4 = ((st[B1 + 3] * 32640) >> 15) + ((128 + (((d4 ^ dq) >> 31) & -256)) & nz);
  const b5 = ((st[B1 + 4] * 32640) >> 15) + ((128 + (((d5 ^ dq) >> 31) & -256)) & nz);
  const b6 = ((st[B1 + 5] * 32640) >> 15) + ((128 + (((d6 ^ dq) >> 31) & -256)) & nz);
  st[B1] = b1;
  st[B1 + 1] = b2;
  st[B1 + 2] = b3;
  st[B1 + 3] = b4;
  st[B1 + 4] = b5;
  st[B1 + 5] = b6;

  // DELAYA: d(n-1..n-6) ← dq(n), d(n-1..n-5); r, p likewise.
  st[D1 + 5] = d5;
  st[D1 + 4] = d4;
  st[D1 + 3] = d3;
  st[D1 + 2] = d2;
  st[D1 + 1] = d1;
  st[D1] = dq;
  const r2 = st[R1];
  st[R1] = r;
  st[P2] = p1;
  st[P1] = p;
  st[A1] = apl1;
  st[A2] = apl2;

  // FILTEP: the pole section on r(n-1), r(n-2) (r is already within 16 bits, 2r needs the limit).
  let rr = r + r;
  rr = rr > 32767 ? 32767 : rr < -32768 ? -32768 : rr;
  let rr2 = r2 + r2;
  rr2 = rr2 > 32767 ? 32767 : rr2 < -32768 ? -32768 : rr2;
  let sp = ((apl1 * rr) >> 15) + ((apl2 * rr2) >> 15);
  sp = sp > 32767 ? 32767 : sp < -32768 ? -32768 : sp;

  // FILTEZ: the zero section on dq(n-1..n-6), accumulated from the oldest tap with saturation.
  let w = d5 + d5;
  w = w > 32767 ? 32767 : w < -32768 ? -32768 : w;
  let sz = (b6 * w) >> 15;
  w = d4 + d4;
  w = w > 32767 ? 32767 : w < -32768 ? -32768 : w;
  sz += (b5 * w) >> 15;
  sz = sz > 32767 ? 32767 : sz < -32768 ? -32768 : sz;
  w = d3 + d3;
  w = w > 32767 ? 32767 : w < -32768 ? -32768 : w;
  sz += (b4 * w) >> 15;
  sz = sz > 32767 ? 32767 : sz < -32768 ? -32768 : sz;
  w = d2 + d2;
  w = w > 32767 ? 32767 : w < -32768 ? -32768 : w;
  sz += (b3 * w) >> 15;
  sz = sz > 32767 ? 32767 : sz < -32768 ? -32768 : sz;
  w = d1 + d1;
  w = w > 32767 ? 32767 : w < -32768 ? -32768 : w;
  sz += (b2 * w) >> 15;
  sz = sz > 32767 ? 32767 : sz < -32768 ? -32768 : sz;
  w = dq + dq;
  w = w > 32767 ? 32767 : w < -32768 ? -32768 : w;
  sz += (b1 * w) >> 15;
  sz = sz > 32767 ? 32767 : sz < -32768 ? -32768 : sz;
  st[SZ] = sz;
  sp += sz; // PREDIC
  st[S] = sp > 32767 ? 32767 : sp < -32768 ? -32768 : sp;
}

/**
 * The state of one G.722 sub-band (lower or higher): the quantizer scale factor and the adaptive
 * predictor with its two-pole and six-zero sections (G.722 §3.5–3.8 and §6.2 block 4).
 * Encoder and decoder each keep one per band; both update it from the same quantized difference,
 * which keeps them in step.
 */
export class BandState {
  /** The state words, laid out as NB, DET, S, SZ, ... above. */
  readonly st = new Int32Array(BAND_STATE_WORDS);

  constructor(private readonly initialDet: number) {
    this.st[DET] = initialDet;
  }

  /** Logarithmic quantizer scale factor NB (LOGSCL / LOGSCH). */
  get nb(): number {
    return this.st[NB];
  }

  /** Linear quantizer scale factor DET (SCALEL / SCALEH). */
  get det(): number {
    return this.st[DET];
  }

  /** Predictor output s = sp + sz (PREDIC). */
  get s(): number {
    return this.st[S];
  }

  reset(): void {
    this.st.fill(0);
    this.st[DET] = this.initialDet;
  }

  adaptScale(step: number, nbMax: number, shift: number): void {
    adaptScale(this.st, step, nbMax, shift);
  }

  adapt(dq: number): void {
    adaptPredictor(this.st, dq);
  }
}
