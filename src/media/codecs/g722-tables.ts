/**
 * Constants of ITU-T G.722 (SB-ADPCM), in the Recommendation's fixed-point scales.
 * Names follow the Recommendation's tables so each value can be checked against it.
 */

/** The 24 QMF coefficients h0..h23 (G.722 Table 11; symmetric, h(i) = h(23-i)). */
export const QMF_H: Int32Array = Int32Array.from([
  3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876, 3876, 951, -805, -210, 362, 32, -156, 12, 53, -11, -11, 3,
]);

/**
 * Lower sub-band 6-bit quantizer (G.722 Table 6): normalised decision levels Q6(1..29),
 * compared as (Q6 · DETL) >> 12. Index 0 and 30.. are unused.
 */
export const Q6: Int32Array = Int32Array.from([
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458,
  1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
]);

/** Lower sub-band codeword for interval mil (1..30) of a negative difference (G.722 Table 6, ILN). */
export const ILN: Int32Array = Int32Array.from([
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0,
]);

/** Lower sub-band codeword for interval mil (1..30) of a positive difference (G.722 Table 6, ILP). */
export const ILP: Int32Array = Int32Array.from([
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0,
]);

/** Inverse quantizer outputs for the 6-bit lower-band codeword (64 kbit/s, mode 1; G.722 Table 6, QL6 scaled). */
export const QM6: Int32Array = Int32Array.from([
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
  -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728, 24808,
  21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008,
  3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
]);

/** Inverse quantizer outputs for the 5 MSBs of the codeword (56 kbit/s, mode 2; G.722 Table 7). */
export const QM5: Int32Array = Int32Array.from([
  -280, -280, -23352, -17560, -14120, -11664, -9752, -8184, -6864, -5712, -4696, -3784, -2960, -2208, -1520, -880, 23352,
  17560, 14120, 11664, 9752, 8184, 6864, 5712, 4696, 3784, 2960, 2208, 1520, 880, 280, -280,
]);

/** Inverse quantizer outputs for the 4 MSBs of the codeword (48 kbit/s, mode 3, and the predictor's path; G.722 Table 8). */
export const QM4: Int32Array = Int32Array.from([
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
]);

/** Lower band: 4-bit codeword → index into WL (G.722 Table 8, RIL → IL4). */
export const RL42: Int32Array = Int32Array.from([0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0]);

/** Lower band logarithmic scale factor multipliers (G.722 Table 8, WL). */
export const WL: Int32Array = Int32Array.from([-60, -30, 58, 172, 334, 538, 1198, 3042]);

/** Antilog table for the scale factor: 2048 · 2^(i/32), as tabulated (G.722 Table 14, ILB). */
export const ILB: Int32Array = Int32Array.from([
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896, 2960, 3025, 3091,
  3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
]);

/** Higher sub-band 2-bit quantizer: codeword for interval mih (1, 2) of a negative / positive difference (G.722 Table 9). */
export const IHN: Int32Array = Int32Array.from([0, 1, 0]);
export const IHP: Int32Array = Int32Array.from([0, 3, 2]);

/** Higher sub-band inverse quantizer outputs (G.722 Table 9, QM2). */
export const QM2: Int32Array = Int32Array.from([-7408, -1616, 7408, 1616]);

/** Higher band: codeword → index into WH, and WH itself (G.722 Table 9). */
export const RH2: Int32Array = Int32Array.from([2, 1, 2, 1]);
export const WH: Int32Array = Int32Array.from([0, -214, 798]);

/** Higher band quantizer decision level, compared as (Q2 · DETH) >> 12. */
export const Q2 = 564;
