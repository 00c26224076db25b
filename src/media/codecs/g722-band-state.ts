import { ILB } from './g722-tables.js';

/** Saturates to the 16-bit two's complement range (the Recommendation's "limit"). */
export function sat16(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}

/**
 * The state of one G.722 sub-band (lower or higher): the quantizer scale factor and the adaptive
 * predictor with its two-pole and six-zero sections (G.722 §3.5–3.8 and §6.2 block 4).
 * Encoder and decoder each keep one per band; both update it from the same quantized difference,
 * which keeps them in step.
 */
export class BandState {
  /** Logarithmic quantizer scale factor NB (LOGSCL / LOGSCH). */
  nb = 0;
  /** Linear quantizer scale factor DET (SCALEL / SCALEH). */
  det: number;
  /** Predictor output s = sp + sz (PREDIC), and its zero-section part sz (FILTEZ). */
  s = 0;
  sz = 0;
  /** Delayed reconstructed signals r(n-1), r(n-2) and partial reconstructed signals p(n-1), p(n-2). */
  private r1 = 0;
  private r2 = 0;
  private p1 = 0;
  private p2 = 0;
  /** Pole section coefficients a1, a2. */
  private a1 = 0;
  private a2 = 0;
  /** Delayed quantized differences d(n-1..n-6) and the zero section coefficients b1..b6. */
  private d1 = 0;
  private d2 = 0;
  private d3 = 0;
  private d4 = 0;
  private d5 = 0;
  private d6 = 0;
  private b1 = 0;
  private b2 = 0;
  private b3 = 0;
  private b4 = 0;
  private b5 = 0;
  private b6 = 0;

  constructor(private readonly initialDet: number) {
    this.det = initialDet;
  }

  reset(): void {
    this.nb = 0;
    this.det = this.initialDet;
    this.s = this.sz = 0;
    this.r1 = this.r2 = this.p1 = this.p2 = 0;
    this.a1 = this.a2 = 0;
    this.d1 = this.d2 = this.d3 = this.d4 = this.d5 = this.d6 = 0;
    this.b1 = this.b2 = this.b3 = this.b4 = this.b5 = this.b6 = 0;
  }

  /**
   * Scale factor adaptation (LOGSCL/SCALEL, LOGSCH/SCALEH): NB leaks by 127/128 and steps by
   * `step`, is limited to [0, nbMax], and DET = 2^(NB/2048 + ...) from the antilog table, where
   * `shift` is 8 for the lower band and 10 for the higher band.
   */
  adaptScale(step: number, nbMax: number, shift: number): void {
    let nb = ((this.nb * 127) >> 7) + step;
    if (nb < 0) nb = 0;
    else if (nb > nbMax) nb = nbMax;
    this.nb = nb;
    const wd2 = shift - (nb >> 11);
    const wd1 = ILB[(nb >> 6) & 31];
    this.det = (wd2 < 0 ? wd1 << -wd2 : wd1 >> wd2) << 2;
  }

  /**
   * Block 4 of G.722 §6.2: given this sample's quantized difference `dq`, reconstruct, adapt the
   * pole (UPPOL2, UPPOL1) and zero (UPZERO) coefficients, shift the delay lines (DELAYA), and
   * compute the next prediction (FILTEP, FILTEZ, PREDIC).
   */
  adapt(dq: number): void {
    const r = sat16(this.s + dq); // RECONS
    const p = sat16(dq + this.sz); // PARREC

    // Signs as in the Recommendation: 0 counts as positive.
    const sg0 = p < 0;
    const sg1 = this.p1 < 0;
    const sg2 = this.p2 < 0;

    // UPPOL2: a2 ← a2·(1 - 2^-7) ± 2^-7 (sign agreement of p(n), p(n-2)) ∓ 4·a1·2^-7 (agreement with p(n-1)).
    const wd1 = sat16(this.a1 * 4);
    let wd2 = sg0 === sg1 ? -wd1 : wd1;
    if (wd2 > 32767) wd2 = 32767;
    let apl2 = (wd2 >> 7) + (sg0 === sg2 ? 128 : -128) + ((this.a2 * 32512) >> 15);
    if (apl2 > 12288) apl2 = 12288;
    else if (apl2 < -12288) apl2 = -12288;

    // UPPOL1: a1 ← a1·(1 - 2^-8) ± 3·2^-8, limited to ±(1 - 2^-4 - a2) for stability.
    let apl1 = sat16((sg0 === sg1 ? 192 : -192) + ((this.a1 * 32640) >> 15));
    const lim = sat16(15360 - apl2);
    if (apl1 > lim) apl1 = lim;
    else if (apl1 < -lim) apl1 = -lim;

    // UPZERO: b(i) ← b(i)·(1 - 2^-8) ± 2^-7 by sign agreement of dq(n) and dq(n-i); no step when dq = 0.
    // (Unrolled over the six taps: this runs twice per pair of samples in every G.722 stream.)
    const step = dq === 0 ? 0 : 128;
    const sgd = dq < 0;
    const b1 = sat16((this.d1 < 0 === sgd ? step : -step) + ((this.b1 * 32640) >> 15));
    const b2 = sat16((this.d2 < 0 === sgd ? step : -step) + ((this.b2 * 32640) >> 15));
    const b3 = sat16((this.d3 < 0 === sgd ? step : -step) + ((this.b3 * 32640) >> 15));
    const b4 = sat16((this.d4 < 0 === sgd ? step : -step) + ((this.b4 * 32640) >> 15));
    const b5 = sat16((this.d5 < 0 === sgd ? step : -step) + ((this.b5 * 32640) >> 15));
    const b6 = sat16((this.d6 < 0 === sgd ? step : -step) + ((this.b6 * 32640) >> 15));
    this.b1 = b1;
    this.b2 = b2;
    this.b3 = b3;
    this.b4 = b4;
    this.b5 = b5;
    this.b6 = b6;

    // DELAYA
    const d6 = (this.d6 = this.d5);
    const d5 = (this.d5 = this.d4);
    const d4 = (this.d4 = this.d3);
    const d3 = (this.d3 = this.d2);
    const d2 = (this.d2 = this.d1);
    const d1 = (this.d1 = dq);
    this.r2 = this.r1;
    this.r1 = r;
    this.p2 = this.p1;
    this.p1 = p;
    this.a1 = apl1;
    this.a2 = apl2;

    // FILTEP: the pole section on r(n-1), r(n-2).
    const sp = sat16(((apl1 * sat16(r + r)) >> 15) + ((apl2 * sat16(this.r2 + this.r2)) >> 15));
    // FILTEZ: the zero section on dq(n-1..n-6), accumulated from the oldest tap with saturation.
    let sz = (b6 * sat16(d6 + d6)) >> 15;
    sz = sat16(sz + ((b5 * sat16(d5 + d5)) >> 15));
    sz = sat16(sz + ((b4 * sat16(d4 + d4)) >> 15));
    sz = sat16(sz + ((b3 * sat16(d3 + d3)) >> 15));
    sz = sat16(sz + ((b2 * sat16(d2 + d2)) >> 15));
    sz = sat16(sz + ((b1 * sat16(d1 + d1)) >> 15));
    this.sz = sz;
    this.s = sat16(sp + sz); // PREDIC
  }
}
