/**
 * In-band DTMF detection (ITU-T Q.23 tones, Q.24 receiver limits) on 8 kHz linear PCM, for
 * G.711 phones that send neither RFC 4733 events nor SIP INFO.
 *
 * Streaming: `process()` takes frames of any length (typically 160 samples) and cuts them into
 * fixed analysis blocks of 102 samples (12.75 ms); nothing is allocated per frame, only one
 * event object per digit.
 *
 * Why 102 samples: a rectangular window of N samples has its first spectral null at 8000/N Hz;
 * with N = 102 that is 78.4 Hz, about the spacing of the low group (697/770/852/941 Hz: 73-89 Hz
 * apart), so a row tone leaks at most about -22 dB into its neighbours and one row can be told
 * from the next. Longer blocks (the classic 205) separate better but blur timing: the duration
 * rule below needs three blocks inside the shortest digit that must be accepted (40 ms = 320
 * samples; 3 × 102 = 306), and 105/106 would leave less margin there. The DTMF frequencies need
 * not fall on DFT bins: the Goertzel filters are tuned to the exact frequencies.
 *
 * Each block is classified:
 * - the strongest row and the strongest column make the candidate key;
 * - "continuing" (loose) test: both tones above the minimum level less 8 dB, their power at least
 *   45 % of the block's total power, twist within the limits plus 3 dB. A block that is partly
 *   tone and partly silence passes when about half of it is tone (the Goertzel power of a tone
 *   present in m of N samples is (m/N)² of its power, the block energy m/N of it, so the ratio
 *   is m/N);
 * - "valid" (strict) test, Q.24 / Bellcore GR-506 practice:
 *   - each tone at least `minToneDbm0` (default -35 dBm0: Q.24 asks operation down to about
 *     -25 dBm0 per tone, and Bellcore non-operation well below; -40 dBm0 is refused);
 *   - twist: the row (low group) may be up to 8 dB stronger than the column ("normal" twist at
 *     the receiver: lines lose more of the high group) and the column up to 4 dB stronger than
 *     the row ("reverse" twist);
 *   - each peak at least 8 dB above every other tone of its own group;
 *   - the two tones carry at least 70 % of the block's power: speech and music spread their
 *     power over many frequencies, a DTMF signal has nothing else;
 *   - frequency within ±2.5 % of nominal (Q.24: operate at ±1.5 %, do not operate at ±3.5 %).
 *     The rectangular Goertzel cannot tell 1.5 % from 3.5 % at 697 Hz (10 Hz against 24 Hz, in
 *     a 78 Hz wide bin), so the offset is measured: on a Hann-windowed copy of the block, the
 *     magnitudes a, b, c at f - 78.4, f and f + 78.4 Hz give the offset in bins as
 *     δ = 2(c - a)/(a + 2b + c) (exact for a Hann window; Grandke 1983). The Hann window keeps
 *     the other group's tone (≥ 190 Hz away from any of those points) about 30 dB down;
 *   - the column's second harmonic at least 12 dB below the column (music: a note's overtones).
 *     The row's second harmonic is not checked: 2 × 697 = 1394 Hz is within a bin of 1336 Hz.
 *
 * Timing (Q.24: accept 40 ms tones and 40 ms pauses; reject 20 ms tones; bridge 10 ms breaks):
 * - a digit starts when a run of consecutive "continuing" blocks of one key is at least three
 *   blocks long and contains two consecutive "valid" blocks. A 40 ms tone always gives such a
 *   run (two whole blocks, and a partial one that is at least 58 samples tone); a 20 ms tone
 *   (160 samples) never does (it covers at most one whole block plus 58 samples, or two partial
 *   blocks). The digit is reported once, when it starts;
 * - it ends at the second consecutive block that does not continue it. A 10 ms break (80
 *   samples) spoils at most one block (of two blocks sharing it, one keeps at least 62 of its
 *   102 samples as tone, more than the ~46 a continuing block needs); a 30 ms pause (240
 *   samples) always spoils two consecutive blocks (one wholly silent, and a neighbour with at
 *   most 33 samples of tone on one side or the other);
 * - start and end are estimated to a few samples from the tone fraction m/N of the first and
 *   last blocks; the event carries the duration.
 */
import { goertzelPower } from './goertzel.js';
import { dbm0ToPower } from './dbm0.js';
import { DTMF_COLUMNS, DTMF_ROWS, dtmfDigitAt, type DtmfDigit } from './dtmf-tones.js';

export const DTMF_SAMPLE_RATE = 8000;
/** Analysis block length in samples (12.75 ms). */
export const DTMF_BLOCK = 102;

export interface DtmfDetectorOptions {
  /** Minimum level of each tone in a valid block, dBm0 (default -35). */
  minToneDbm0?: number;
  /** How much stronger the row tone may be than the column tone, dB (default 8). */
  maxNormalTwistDb?: number;
  /** How much stronger the column tone may be than the row tone, dB (default 4). */
  maxReverseTwistDb?: number;
  /** Largest accepted frequency offset, as a fraction of the nominal frequency (default 0.025). */
  maxFrequencyDeviation?: number;
}

/** A digit heard on the line; samples count from the first sample given to the detector. */
export interface DtmfToneStart {
  digit: DtmfDigit;
  startSample: number;
  startMs: number;
}

export interface DtmfToneEvent extends DtmfToneStart {
  durationMs: number;
}

export interface DtmfDetectorListener {
  /** Once per digit, as soon as it is confirmed (about 38 ms after the tone began). */
  onStart?(e: DtmfToneStart): void;
  /** Once per digit, when it has ended, with its duration. */
  onEnd(e: DtmfToneEvent): void;
}

const N = DTMF_BLOCK;
const BIN_HZ = DTMF_SAMPLE_RATE / N;
const FREQS = [...DTMF_ROWS, ...DTMF_COLUMNS];
const COEFFS = Float64Array.from(FREQS, (f) => 2 * Math.cos((2 * Math.PI * f) / DTMF_SAMPLE_RATE));
/** Periodic Hann window, so that f ± 8000/N are exactly the neighbouring DFT bins. */
const HANN = Float64Array.from({ length: N }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N));

const RELATIVE_PEAK = Math.pow(10, 8 / 10);
const VALID_RATIO = 0.7;
const CONTINUE_RATIO = 0.45;
const CONTINUE_SLACK_DB = 3;
const CONTINUE_LEVEL_DB = 8;
const HARMONIC_LIMIT = Math.pow(10, -12 / 10);
/** A block whose candidate tone carries less than this share of its power holds no tone at all. */
const TRACE_RATIO = 0.1;

const NONE = -1;

export class DtmfDetector {
  private readonly minPower: number;
  private readonly continuePower: number;
  private readonly normalTwist: number;
  private readonly reverseTwist: number;
  private readonly continueNormalTwist: number;
  private readonly continueReverseTwist: number;
  private readonly maxDeviation: number;

  private readonly block = new Float64Array(N);
  private readonly windowed = new Float64Array(N);
  private readonly power = new Float64Array(8);
  private fill = 0;
  /** Sample index of block[0]. */
  private blockStart = 0;

  // The current run of consecutive blocks that continue one key.
  private runKey = NONE;
  private runBlocks = 0;
  private strictStreak = 0;
  private runHasTwoValid = false;
  private runReported = false;
  private runStart = 0;

  // The digit being reported.
  private active = NONE;
  private activeStart = 0;
  private activeEnd = 0;
  private misses = 0;

  private prevKey = NONE;
  private prevRatio = 0;

  constructor(
    private readonly listener: DtmfDetectorListener,
    options: DtmfDetectorOptions = {},
  ) {
    const minDbm0 = options.minToneDbm0 ?? -35;
    const normalDb = options.maxNormalTwistDb ?? 8;
    const reverseDb = options.maxReverseTwistDb ?? 4;
    this.minPower = dbm0ToPower(minDbm0);
    this.continuePower = dbm0ToPower(minDbm0 - CONTINUE_LEVEL_DB);
    this.normalTwist = Math.pow(10, normalDb / 10);
    this.reverseTwist = Math.pow(10, reverseDb / 10);
    this.continueNormalTwist = Math.pow(10, (normalDb + CONTINUE_SLACK_DB) / 10);
    this.continueReverseTwist = Math.pow(10, (reverseDb + CONTINUE_SLACK_DB) / 10);
    this.maxDeviation = options.maxFrequencyDeviation ?? 0.025;
  }

  /** Feeds 8 kHz samples; any frame length. */
  process(frame: Int16Array): void {
    const block = this.block;
    let i = 0;
    while (i < frame.length) {
      const take = Math.min(N - this.fill, frame.length - i);
      for (let k = 0; k < take; k++) block[this.fill + k] = frame[i + k];
      this.fill += take;
      i += take;
      if (this.fill === N) {
        this.analyse();
        this.blockStart += N;
        this.fill = 0;
      }
    }
  }

  /** Ends a digit still sounding (end of the call or stream); the partial block is dropped. */
  flush(): void {
    if (this.active !== NONE) this.end();
    this.runKey = NONE;
    this.runBlocks = 0;
    this.strictStreak = 0;
    this.runHasTwoValid = false;
    this.prevKey = NONE;
    this.blockStart += this.fill;
    this.fill = 0;
  }

  private analyse(): void {
    const x = this.block;
    const power = this.power;
    let energy = 0;
    for (let i = 0; i < N; i++) energy += x[i] * x[i];
    energy /= N;
    // A tone's Goertzel power is at most twice the block's mean power (Cauchy-Schwarz): a block
    // too quiet to hold even a continuing tone skips the filters (silence costs one pass).
    if (2 * energy < this.continuePower) {
      this.track(NONE, false, NONE, 0);
      this.prevKey = NONE;
      this.prevRatio = 0;
      return;
    }
    for (let k = 0; k < 8; k++) {
      const coeff = COEFFS[k];
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < N; i++) {
        const s0 = x[i] + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      power[k] = (2 * (s1 * s1 + s2 * s2 - coeff * s1 * s2)) / (N * N);
    }
    let r = 0;
    for (let k = 1; k < 4; k++) if (power[k] > power[r]) r = k;
    let c = 4;
    for (let k = 5; k < 8; k++) if (power[k] > power[c]) c = k;
    const pr = power[r];
    const pc = power[c];
    const key = r * 4 + (c - 4);
    const ratio = energy > 0 ? (pr + pc) / energy : 0;

    const continues =
      pr >= this.continuePower && pc >= this.continuePower && ratio >= CONTINUE_RATIO && pr <= pc * this.continueNormalTwist && pc <= pr * this.continueReverseTwist;
    const valid = continues && this.isValid(r, c, ratio);
    this.track(continues ? key : NONE, valid, key, ratio);
    this.prevKey = key;
    this.prevRatio = ratio;
  }

  private isValid(r: number, c: number, ratio: number): boolean {
    const power = this.power;
    const pr = power[r];
    const pc = power[c];
    if (pr < this.minPower || pc < this.minPower || ratio < VALID_RATIO) return false;
    if (pr > pc * this.normalTwist || pc > pr * this.reverseTwist) return false;
    for (let k = 0; k < 4; k++) if (k !== r && power[k] * RELATIVE_PEAK > pr) return false;
    for (let k = 4; k < 8; k++) if (k !== c && power[k] * RELATIVE_PEAK > pc) return false;
    const fc = FREQS[c];
    if (goertzelPower(this.block, DTMF_SAMPLE_RATE, 2 * fc, 0, N) > pc * HARMONIC_LIMIT) return false;
    const w = this.windowed;
    for (let i = 0; i < N; i++) w[i] = this.block[i] * HANN[i];
    return this.onFrequency(FREQS[r]) && this.onFrequency(fc);
  }

  /** Whether the tone near `f` in the windowed block is within the allowed deviation. */
  private onFrequency(f: number): boolean {
    const w = this.windowed;
    const a = Math.sqrt(goertzelPower(w, DTMF_SAMPLE_RATE, f - BIN_HZ, 0, N));
    const b = Math.sqrt(goertzelPower(w, DTMF_SAMPLE_RATE, f, 0, N));
    const c = Math.sqrt(goertzelPower(w, DTMF_SAMPLE_RATE, f + BIN_HZ, 0, N));
    const sum = a + 2 * b + c;
    if (sum <= 0) return false;
    const offsetHz = ((2 * (c - a)) / sum) * BIN_HZ;
    return Math.abs(offsetHz) <= this.maxDeviation * f;
  }

  /** The timing rules: run of blocks → digit start; two missing blocks → digit end. */
  private track(cand: number, valid: boolean, key: number, ratio: number): void {
    const s0 = this.blockStart;
    if (cand !== NONE && cand === this.runKey) {
      this.runBlocks++;
      this.strictStreak = valid ? this.strictStreak + 1 : 0;
    } else {
      this.runKey = cand;
      this.runBlocks = cand === NONE ? 0 : 1;
      this.strictStreak = cand !== NONE && valid ? 1 : 0;
      this.runHasTwoValid = false;
      this.runReported = false;
      if (cand !== NONE) {
        // A whole block of tone: it may have begun in the previous block, which then held the
        // same key as a fraction of its power.
        if (ratio >= 0.9 && this.prevKey === cand && this.prevRatio >= TRACE_RATIO) this.runStart = s0 - N * Math.min(1, this.prevRatio);
        else this.runStart = s0 + N * (1 - Math.min(1, ratio));
      }
    }
    if (this.strictStreak >= 2) this.runHasTwoValid = true;

    if (this.active !== NONE) {
      if (cand === this.active) {
        this.misses = 0;
        this.activeEnd = s0 + (ratio >= 0.9 ? N : N * ratio);
      } else {
        if (this.misses === 0 && key === this.active && ratio >= TRACE_RATIO) this.activeEnd = s0 + N * Math.min(1, ratio);
        this.misses++;
        if (this.misses >= 2) this.end();
      }
    }
    if (this.active === NONE && this.runKey !== NONE && !this.runReported && this.runBlocks >= 3 && this.runHasTwoValid) {
      this.runReported = true;
      this.active = this.runKey;
      this.activeStart = Math.max(0, Math.round(this.runStart));
      this.activeEnd = s0 + N;
      this.misses = 0;
      this.listener.onStart?.({ digit: keyDigit(this.active), startSample: this.activeStart, startMs: this.activeStart / 8 });
    }
  }

  private end(): void {
    const digit = keyDigit(this.active);
    const start = this.activeStart;
    const end = Math.max(start, Math.round(this.activeEnd));
    this.active = NONE;
    this.misses = 0;
    this.listener.onEnd({ digit, startSample: start, startMs: start / 8, durationMs: (end - start) / 8 });
  }
}

function keyDigit(key: number): DtmfDigit {
  return dtmfDigitAt(key >> 2, key & 3);
}
