/**
 * G.722 encoder (ITU-T G.722, SB-ADPCM, 64 kbit/s = mode 1): 16 kHz 16-bit PCM in, one byte per
 * pair of samples out (2 bits of the higher sub-band above 6 bits of the lower sub-band).
 *
 * RTP note: G.722 samples at 16 kHz, but its RTP clock rate is 8000 (RFC 3551 §4.5.2, an
 * erratum kept for compatibility): a 20 ms frame is 320 samples, 160 bytes, and advances the RTP
 * timestamp by 160.
 *
 * One instance per direction of a call: it keeps the transmit QMF delay line and both bands'
 * adaptive predictors. No allocation per call of `encode`.
 */
import { BandState } from './g722-band-state.js';
import { encodeHigherSt, encodeLowerSt, HIGHER_DET0, LOWER_DET0 } from './g722-sub-band.js';

/**
 * 22 samples of history plus one 20 ms frame: small and 16-bit (input samples are), because a
 * worker holds one per call direction and the delay lines of hundreds of calls should stay in cache.
 */
const HISTORY = 22 + 2 * 160;

export class G722Encoder {
  private readonly lower = new BandState(LOWER_DET0);
  private readonly higher = new BandState(HIGHER_DET0);
  /**
   * Transmit QMF delay line: samples in time order, the newest at index `pos - 1`; when the buffer
   * is full the last 22 move to the front (once every HISTORY / 2 pairs instead of every pair).
   */
  private readonly x = new Int16Array(HISTORY);
  private pos = 22;

  /**
   * Encodes `pcm` (an even number of 16 kHz samples) into `out`; returns the number of bytes
   * written, pcm.length / 2. Throws a RangeError when the length is odd or `out` is too short.
   */
  encode(pcm: Int16Array, out: Uint8Array): number {
    const n = pcm.length >> 1;
    if (pcm.length & 1) throw new RangeError(`G.722 encodes pairs of samples; got ${pcm.length} samples`);
    if (out.length < n) throw new RangeError(`G.722 output needs ${n} bytes, got ${out.length}`);
    const x = this.x;
    const lo = this.lower.st;
    const hi = this.higher.st;
    for (let j = 0; j < n; j++) {
      // Transmit QMF (G.722 §3.1): shift in two samples, then split into the two sub-bands.
      if (this.pos === HISTORY) {
        x.copyWithin(0, HISTORY - 22, HISTORY);
        this.pos = 22;
      }
      const t = this.pos + 1;
      this.pos = t + 1;
      x[t - 1] = pcm[2 * j];
      x[t] = pcm[2 * j + 1];
      // xa = Σ x(j - 2i)·h(2i), xb = Σ x(j - 2i - 1)·h(2i + 1), x(j) the newest sample (at t), with
      // h0..h23 of Table 11 (QMF_H) written out: no loop, no coefficient loads.
      const xa =
        3 * x[t] - 11 * x[t - 2] + 12 * x[t - 4] + 32 * x[t - 6] - 210 * x[t - 8] + 951 * x[t - 10] +
        3876 * x[t - 12] - 805 * x[t - 14] + 362 * x[t - 16] - 156 * x[t - 18] + 53 * x[t - 20] - 11 * x[t - 22];
      const xb =
        -11 * x[t - 1] + 53 * x[t - 3] - 156 * x[t - 5] + 362 * x[t - 7] - 805 * x[t - 9] + 3876 * x[t - 11] +
        951 * x[t - 13] - 210 * x[t - 15] + 32 * x[t - 17] + 12 * x[t - 19] - 11 * x[t - 21] + 3 * x[t - 23];
      // 16-bit input: >> 14 (the Recommendation's >> 12 on 14-bit input) gives the 15-bit sub-band
      // samples, limited to -16384..16383 as in G.722 §3.1.
      let xl = (xa + xb) >> 14;
      let xh = (xa - xb) >> 14;
      if (xl > 16383) xl = 16383;
      else if (xl < -16384) xl = -16384;
      if (xh > 16383) xh = 16383;
      else if (xh < -16384) xh = -16384;
      out[j] = (encodeHigherSt(hi, xh) << 6) | encodeLowerSt(lo, xl);
    }
    return n;
  }

  /** Back to the initial state (G.722 §6.2.1 reset), e.g. when a stream restarts. */
  reset(): void {
    this.lower.reset();
    this.higher.reset();
    this.x.fill(0);
    this.pos = 22;
  }
}
