/**
 * Packet loss concealment for codecs without their own (G.711, G.722): repeat the last good
 * frame, fading out, so a lost 20 ms is a soft repeat instead of a click, and a long gap
 * decays to silence instead of a buzzing loop.
 *
 * Role in the media engine: the decoding paths call remember() with every decoded frame and
 * conceal() for each PULL_LOST of the jitter buffer; Opus uses its own PLC instead.
 * Linear PCM (Int16Array), preallocated, no allocation per frame. This is the simple
 * repeat-and-fade scheme, not the pitch-waveform replication of G.711 Appendix I.
 */

export class RepeatAndFade {
  private readonly last: Int16Array;
  private lastLength = 0;
  private lostRun = 0;
  /** Just after a loss: the next good frame fades in from the concealed level. */
  private recoverFrom = 1;

  /**
   * @param maxSamples  largest frame (960 for 20 ms at 48 kHz)
   * @param fadeFrames  consecutive lost frames until silence (default 5, 100 ms of 20 ms frames)
   */
  constructor(
    maxSamples: number,
    private readonly fadeFrames = 5,
  ) {
    this.last = new Int16Array(maxSamples);
  }

  /** A good decoded frame; smooths the step after a loss (in place), then keeps a copy. */
  remember(frame: Int16Array): void {
    const n = Math.min(frame.length, this.last.length);
    if (this.lostRun > 0 && this.recoverFrom < 1) {
      // Fade in from the level the concealment had reached, over this frame.
      const g0 = this.recoverFrom;
      for (let i = 0; i < n; i++) frame[i] = Math.round(frame[i] * (g0 + ((1 - g0) * (i + 1)) / n));
    }
    this.last.set(n === frame.length ? frame : frame.subarray(0, n));
    this.lastLength = n;
    this.lostRun = 0;
    this.recoverFrom = 1;
  }

  /** Fills `out` for one lost frame: the last good frame, gain ramping down linearly across losses. */
  conceal(out: Int16Array): void {
    const k = this.lostRun++;
    const n = out.length;
    if (this.lastLength === 0 || k >= this.fadeFrames) {
      out.fill(0);
      this.recoverFrom = 0;
      return;
    }
    const g0 = 1 - k / this.fadeFrames;
    const g1 = 1 - (k + 1) / this.fadeFrames;
    for (let i = 0; i < n; i++) {
      const g = g0 + ((g1 - g0) * (i + 1)) / n;
      out[i] = Math.round(this.last[i % this.lastLength] * g);
    }
    this.recoverFrom = g1;
  }

  /** Consecutive frames concealed so far. */
  get lostFrames(): number {
    return this.lostRun;
  }
}
