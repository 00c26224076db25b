/**
 * The G.722 sub-band ADPCM coders (G.722 §3 and §4, blocks 1L–4L and 1H–4H), one sample of one
 * band at a time. Inputs and outputs are in the Recommendation's 15-bit sub-band scale
 * (-16384..16383). These are the units the ITU-T test sequences exercise directly, with the QMF
 * bypassed; the encoder and decoder classes wrap them with the QMF.
 */
import { type BandState, sat16 } from './g722-band-state.js';
import { IHN, IHP, ILN, ILP, Q2, Q6, QM2, QM4, QM5, QM6, RH2, RL42, WH, WL } from './g722-tables.js';

/** Lower band: NB is limited to 18432, DET = ILB · 2^(NB>>11 - 8) · 4 (LOGSCL, SCALEL). */
const LOWER_NB_MAX = 18432;
const LOWER_SHIFT = 8;
/** Higher band: NB is limited to 22528, DET = ILB · 2^(NB>>11 - 10) · 4 (LOGSCH, SCALEH). */
const HIGHER_NB_MAX = 22528;
const HIGHER_SHIFT = 10;

/** Initial DET of each band (G.722 §6.2.1 reset: DETL = 32, DETH = 8). */
export const LOWER_DET0 = 32;
export const HIGHER_DET0 = 8;

/** Adapts the lower band to the 4 most significant bits of its codeword (block 3L, 4L). */
function adaptLower(band: BandState, il: number): void {
  const ril = il >> 2;
  const dlt = (band.det * QM4[ril]) >> 15; // INVQAL: always the 4-bit path, whatever the mode
  band.adaptScale(WL[RL42[ril]], LOWER_NB_MAX, LOWER_SHIFT);
  band.adapt(dlt);
}

/** Encodes one lower sub-band sample `xl` into a 6-bit codeword (blocks 1L–4L). */
export function encodeLower(band: BandState, xl: number): number {
  const el = sat16(xl - band.s); // SUBTRA
  // QUANTL: find the interval of |el| among the decision levels scaled by DET.
  const wd = el >= 0 ? el : -(el + 1);
  const det = band.det;
  // The levels grow with mil, so a binary search finds the first mil with wd < level (30 if none),
  // the same interval as the Recommendation's linear scan, in five steps instead of up to thirty.
  let lo = 1;
  let hi = 30;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (wd < (Q6[mid] * det) >> 12) hi = mid;
    else lo = mid + 1;
  }
  const mil = lo;
  const il = el < 0 ? ILN[mil] : ILP[mil];
  adaptLower(band, il);
  return il;
}

/**
 * Decodes one 6-bit lower sub-band codeword into a sample (blocks 5L, 6L and 2L–4L). `mode` is the
 * G.722 mode: 1 = 64 kbit/s (6 bits used), 2 = 56 kbit/s (5 MSBs), 3 = 48 kbit/s (4 MSBs).
 */
export function decodeLower(band: BandState, il: number, mode: 1 | 2 | 3 = 1): number {
  const q = mode === 1 ? QM6[il] : mode === 2 ? QM5[il >> 1] : QM4[il >> 2];
  let rl = band.s + ((band.det * q) >> 15); // INVQBL, RECONS
  if (rl > 16383) rl = 16383;
  else if (rl < -16384) rl = -16384; // LIMIT
  adaptLower(band, il);
  return rl;
}

/** Encodes one higher sub-band sample `xh` into a 2-bit codeword (blocks 1H–4H). */
export function encodeHigher(band: BandState, xh: number): number {
  const eh = sat16(xh - band.s);
  const wd = eh >= 0 ? eh : -(eh + 1);
  const mih = wd >= (Q2 * band.det) >> 12 ? 2 : 1; // QUANTH
  const ih = eh < 0 ? IHN[mih] : IHP[mih];
  const dh = (band.det * QM2[ih]) >> 15; // INVQAH
  band.adaptScale(WH[RH2[ih]], HIGHER_NB_MAX, HIGHER_SHIFT);
  band.adapt(dh);
  return ih;
}

/** Decodes one 2-bit higher sub-band codeword into a sample. */
export function decodeHigher(band: BandState, ih: number): number {
  const dh = (band.det * QM2[ih]) >> 15;
  let rh = band.s + dh;
  if (rh > 16383) rh = 16383;
  else if (rh < -16384) rh = -16384;
  band.adaptScale(WH[RH2[ih]], HIGHER_NB_MAX, HIGHER_SHIFT);
  band.adapt(dh);
  return rh;
}
