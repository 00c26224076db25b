/**
 * The G.722 sub-band ADPCM coders (G.722 §3 and §4, blocks 1L–4L and 1H–4H), one sample of one
 * band at a time. Inputs and outputs are in the Recommendation's 15-bit sub-band scale
 * (-16384..16383). These are the units the ITU-T test sequences exercise directly, with the QMF
 * bypassed; the encoder and decoder classes wrap them with the QMF.
 *
 * Each coder exists in two forms: on a band's state words (`…St`, what the encoder and decoder
 * loops call) and on a BandState (the same function, for the sub-band tests).
 */
import { adaptPredictor, adaptScale, type BandState, DET, S } from './g722-band-state.js';
import { IHN, IHP, ILN, ILP, Q2, Q6, QM2, QM4, QM5, QM6, RH2, RL42, WH, WL } from './g722-tables.js';

/** Lower band: NB is limited to 18432, DET = ILB · 2^(NB>>11 - 8) · 4 (LOGSCL, SCALEL). */
const LOWER_NB_MAX = 18432;
const LOWER_SHIFT = 8;
/** Higher band: NB is limited to 22528, DET = ILB · 2^(NB>>11 - 10) · 4 (LOGSCH, SCALEH). */
const HIGHER_NB_MAX = 22528;
const HIGHER_SHIFT = 10;

/**
 * Q6 with its unused entries 30 and 31 set to level 29: the branchless search may look at them, and
 * counts them only when level 29 itself is at or below the difference (mil is 30 then anyway).
 */
const Q6_PADDED = Int32Array.from(Q6, (q, i) => (i >= 30 ? Q6[29] : q));
/** ILP (positive difference) at 0..31, ILN (negative) at 32..63, indexed by sign bit · 32 + mil. */
const IL_BY_SIGN = Int32Array.from([...ILP, ...ILN]);
/** IHP at 0..2, IHN at 4..6, indexed by sign bit · 4 + mih. */
const IH_BY_SIGN = Int32Array.from([...IHP, 0, ...IHN, 0]);

/** Initial DET of each band (G.722 §6.2.1 reset: DETL = 32, DETH = 8). */
export const LOWER_DET0 = 32;
export const HIGHER_DET0 = 8;

/** Adapts the lower band to the 4 most significant bits of its codeword (block 3L, 4L). */
function adaptLower(st: Int32Array, il: number): void {
  const ril = il >> 2;
  const dlt = (st[DET] * QM4[ril]) >> 15; // INVQAL: always the 4-bit path, whatever the mode
  adaptScale(st, WL[RL42[ril]], LOWER_NB_MAX, LOWER_SHIFT);
  adaptPredictor(st, dlt);
}

/** Encodes one lower sub-band sample `xl` into a 6-bit codeword (blocks 1L–4L). */
export function encodeLowerSt(st: Int32Array, xl: number): number {
  let el = xl - st[S]; // SUBTRA
  el = el > 32767 ? 32767 : el < -32768 ? -32768 : el;
  // QUANTL: find the interval of |el| among the decision levels scaled by DET: mil is one more than
  // the number of levels at or below wd (the levels never decrease), at most 30 — the same interval
  // as the Recommendation's linear scan. A branchless binary search (five steps of 16, 8, 4, 2, 1)
  // counts them: the comparisons depend on the signal and would be mispredicted as branches.
  const wd = el ^ (el >> 31); // el >= 0 ? el : -(el + 1)
  const det = st[DET];
  let i = (((Q6_PADDED[16] * det) >> 12) - wd - 1) >> 31 & 16;
  i += (((Q6_PADDED[i + 8] * det) >> 12) - wd - 1) >> 31 & 8;
  i += (((Q6_PADDED[i + 4] * det) >> 12) - wd - 1) >> 31 & 4;
  i += (((Q6_PADDED[i + 2] * det) >> 12) - wd - 1) >> 31 & 2;
  i += (((Q6_PADDED[i + 1] * det) >> 12) - wd - 1) >> 31 & 1;
  const over = 29 - i; // mil = min(i + 1, 30)
  const il = IL_BY_SIGN[((el >>> 31) << 5) | (30 - (over & ~(over >> 31)))];
  adaptLower(st, il);
  return il;
}

/**
 * Decodes one 6-bit lower sub-band codeword into a sample (blocks 5L, 6L and 2L–4L). `mode` is the
 * G.722 mode: 1 = 64 kbit/s (6 bits used), 2 = 56 kbit/s (5 MSBs), 3 = 48 kbit/s (4 MSBs).
 */
export function decodeLowerSt(st: Int32Array, il: number, mode: 1 | 2 | 3): number {
  const q = mode === 1 ? QM6[il] : mode === 2 ? QM5[il >> 1] : QM4[il >> 2];
  let rl = st[S] + ((st[DET] * q) >> 15); // INVQBL, RECONS
  if (rl > 16383) rl = 16383;
  else if (rl < -16384) rl = -16384; // LIMIT
  adaptLower(st, il);
  return rl;
}

/** Encodes one higher sub-band sample `xh` into a 2-bit codeword (blocks 1H–4H). */
export function encodeHigherSt(st: Int32Array, xh: number): number {
  let eh = xh - st[S];
  eh = eh > 32767 ? 32767 : eh < -32768 ? -32768 : eh;
  const wd = eh ^ (eh >> 31); // eh >= 0 ? eh : -(eh + 1)
  const det = st[DET];
  const mih = 1 + ((((Q2 * det) >> 12) - wd - 1) >>> 31); // QUANTH: 2 when wd >= the level, else 1
  const ih = IH_BY_SIGN[((eh >>> 31) << 2) | mih];
  const dh = (det * QM2[ih]) >> 15; // INVQAH
  adaptScale(st, WH[RH2[ih]], HIGHER_NB_MAX, HIGHER_SHIFT);
  adaptPredictor(st, dh);
  return ih;
}

/** Decodes one 2-bit higher sub-band codeword into a sample. */
export function decodeHigherSt(st: Int32Array, ih: number): number {
  const dh = (st[DET] * QM2[ih]) >> 15;
  let rh = st[S] + dh;
  if (rh > 16383) rh = 16383;
  else if (rh < -16384) rh = -16384;
  adaptScale(st, WH[RH2[ih]], HIGHER_NB_MAX, HIGHER_SHIFT);
  adaptPredictor(st, dh);
  return rh;
}

export function encodeLower(band: BandState, xl: number): number {
  return encodeLowerSt(band.st, xl);
}

export function decodeLower(band: BandState, il: number, mode: 1 | 2 | 3 = 1): number {
  return decodeLowerSt(band.st, il, mode);
}

export function encodeHigher(band: BandState, xh: number): number {
  return encodeHigherSt(band.st, xh);
}

export function decodeHigher(band: BandState, ih: number): number {
  return decodeHigherSt(band.st, ih);
}
