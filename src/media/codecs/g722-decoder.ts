/**
 * G.722 decoder (ITU-T G.722, SB-ADPCM): one byte per pair of 16 kHz samples in, 16-bit PCM out.
 * Mode 1 (64 kbit/s) uses all six lower-band bits; modes 2 and 3 (56 and 48 kbit/s) ignore the
 * one or two least significant bits, which carry auxiliary data there.
 *
 * RTP note: G.722 samples at 16 kHz, but its RTP clock rate is 8000 (RFC 3551 §4.5.2), so a
 * 160-byte payload is 20 ms and 320 output samples.
 *
 * One instance per direction of a call: it keeps the receive QMF delay line and both bands'
 * adaptive predictors. No allocation per call of `decode`.
 */
import { BandState } from './g722-band-state.js';
import { decodeHigherSt, decodeLowerSt, HIGHER_DET0, LOWER_DET0 } from './g722-sub-band.js';

export type G722Mode = 1 | 2 | 3;

/**
 * 11 entries of history plus one 20 ms frame, 16-bit: rl and rh are limited to -16384..16383, so
 * rl ± rh fits, and the delay lines of hundreds of calls should stay in cache.
 */
const HISTORY = 11 + 160;

export class G722Decoder {
  private readonly lower = new BandState(LOWER_DET0);
  private readonly higher = new BandState(HIGHER_DET0);
  /**
   * Receive QMF delay lines of xd = rl - rh and xs = rl + rh in time order, the newest at
   * `pos - 1`; when full, the last 11 move to the front.
   */
  private readonly xd = new Int16Array(HISTORY);
  private readonly xs = new Int16Array(HISTORY);
  private pos = 11;

  constructor(readonly mode: G722Mode = 1) {
    if (mode !== 1 && mode !== 2 && mode !== 3) throw new RangeError(`G.722 mode must be 1, 2 or 3, got ${String(mode)}`);
  }

  /**
   * Decodes `codes` into `out`; returns the number of samples written, 2 · codes.length.
   * Throws a RangeError when `out` is too short. Every byte is a valid codeword: corrupt input
   * makes noise, never an error.
   */
  decode(codes: Uint8Array, out: Int16Array): number {
    const n = codes.length;
    if (out.length < 2 * n) throw new RangeError(`G.722 output needs ${2 * n} samples, got ${out.length}`);
    const xd = this.xd;
    const xs = this.xs;
    const lo = this.lower.st;
    const hi = this.higher.st;
    const mode = this.mode;
    for (let j = 0; j < n; j++) {
      const c = codes[j];
      const rl = decodeLowerSt(lo, c & 0x3f, mode);
      const rh = decodeHigherSt(hi, c >> 6);
      // Receive QMF (G.722 §4.4): two output samples per pair of sub-band samples.
      if (this.pos === HISTORY) {
        xd.copyWithin(0, HISTORY - 11, HISTORY);
        xs.copyWithin(0, HISTORY - 11, HISTORY);
        this.pos = 11;
      }
      const t = this.pos++;
      xd[t] = rl - rh;
      xs[t] = rl + rh;
      // xout1 = Σ xd(j - i)·h(2i), xout2 = Σ xs(j - i)·h(2i + 1), with h0..h23 of Table 11 (QMF_H)
      // written out: no loop, no coefficient loads.
      const xout1 =
        3 * xd[t] - 11 * xd[t - 1] + 12 * xd[t - 2] + 32 * xd[t - 3] - 210 * xd[t - 4] + 951 * xd[t - 5] +
        3876 * xd[t - 6] - 805 * xd[t - 7] + 362 * xd[t - 8] - 156 * xd[t - 9] + 53 * xd[t - 10] - 11 * xd[t - 11];
      const xout2 =
        -11 * xs[t] + 53 * xs[t - 1] - 156 * xs[t - 2] + 362 * xs[t - 3] - 805 * xs[t - 4] + 3876 * xs[t - 5] +
        951 * xs[t - 6] - 210 * xs[t - 7] + 32 * xs[t - 8] + 12 * xs[t - 9] - 11 * xs[t - 10] + 3 * xs[t - 11];
      // 16-bit output: >> 11 (the Recommendation's >> 13 for 14-bit output, times 4).
      const y1 = xout1 >> 11;
      const y2 = xout2 >> 11;
      out[2 * j] = y1 > 32767 ? 32767 : y1 < -32768 ? -32768 : y1;
      out[2 * j + 1] = y2 > 32767 ? 32767 : y2 < -32768 ? -32768 : y2;
    }
    return 2 * n;
  }

  /** Back to the initial state (G.722 §6.2.1 reset). */
  reset(): void {
    this.lower.reset();
    this.higher.reset();
    this.xd.fill(0);
    this.xs.fill(0);
    this.pos = 11;
  }
}
