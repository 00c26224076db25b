/**
 * Adaptive jitter buffer for the media paths that decode (transcode, mix, record, detect).
 *
 * Role in the media engine: the media worker pushes each RTP packet of a decoded leg in as
 * it arrives and pulls one frame every 20 ms on its pacing loop; what comes out is either
 * the next frame's payload (to decode), PULL_LOST (a frame that should be there: conceal it
 * with Opus PLC or repeatAndFade() for G.711), or PULL_EMPTY (nothing to play: silence,
 * still buffering, or a pause between talk spurts). The relay path never uses it.
 *
 * - Reorders by sequence number (16-bit, modulo 2^16), drops duplicates, packets older than
 *   what was already played, and oversize payloads, each with a counter.
 * - Target delay 20-200 ms from the interarrival jitter J of RFC 3550 §6.4.1 (A.8):
 *   target = safety + 4·J, raised at once when J grows or a frame underruns, lowered slowly
 *   (1/128 of the difference per packet) when it calms; a buffer that stays a frame above
 *   target drops one frame to catch up.
 * - A new SSRC, a confirmed sequence jump, or a marker bit after the buffer ran dry (a new
 *   talk spurt, RFC 3551 §4.1) re-buffers to the target delay.
 * - One packet is one frame of `frameMs`; the worker repacketizes other ptimes before.
 * - No timers and no allocation per packet: payloads are copied into a preallocated ring,
 *   and time comes from the injected clock at push() and pull().
 */

export const PULL_EMPTY = -1;
export const PULL_LOST = -2;

export interface JitterBufferOptions {
  clock: { now(): number };
  /** RTP clock rate of the payload (8000 for G.711, 48000 for Opus). */
  clockRate: number;
  /** Duration of one packet and of one pull. Default 20. */
  frameMs?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Added to 4·J. Default one frame. */
  safetyMs?: number;
  /** Largest payload kept; larger ones are dropped. Default 1500. */
  maxPayloadBytes?: number;
  /** Frames in the ring, a power of two; default 64 (more than 200 ms of 10 ms frames). */
  capacity?: number;
  /** Frames concealed on an empty buffer before it counts as a pause. Default 5. */
  maxConcealFrames?: number;
  /** Pulls the buffer must stay above target + one frame before a frame is dropped. Default 25. */
  shrinkAfterPulls?: number;
}

export interface JitterBufferCounters {
  pushed: number;
  played: number;
  /** Missing frames reported as PULL_LOST with later frames present. */
  lost: number;
  /** PULL_LOST on an empty buffer while playing (a late packet). */
  underruns: number;
  duplicates: number;
  /** Older than the frame already played. */
  late: number;
  oversize: number;
  /** Far out of the window and not (yet) confirmed as a new sequence. */
  outOfWindow: number;
  /** Frames dropped to bring the delay down to target. */
  shrinkDrops: number;
  /** New SSRC, confirmed jump, new talk spurt. */
  resets: number;
}

const SEQ_MASK = 0xffff;
const HALF_SEQ = 0x8000;
const TWO_32 = 0x1_0000_0000;
/** Behind the window by more than this, a packet may be a restarted sequence (RFC 3550 §A.1). */
const MAX_MISORDER = 100;

export class JitterBuffer {
  readonly counters: JitterBufferCounters = { pushed: 0, played: 0, lost: 0, underruns: 0, duplicates: 0, late: 0, oversize: 0, outOfWindow: 0, shrinkDrops: 0, resets: 0 };
  /** Sequence number, RTP timestamp and marker of the frame the last pull() returned. */
  frameSeq = 0;
  frameTimestamp = 0;
  frameMarker = false;

  private readonly clock: { now(): number };
  private readonly unitsPerMs: number;
  private readonly frameMs: number;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly safety: number;
  private readonly maxPayload: number;
  private readonly cap: number;
  private readonly mask: number;
  private readonly maxConceal: number;
  private readonly shrinkAfter: number;

  // The ring: slot i holds seq (slotSeq[i] = seq, or -1 when empty).
  private readonly storage: Buffer;
  private readonly slotSeq: Int32Array;
  private readonly slotLen: Int32Array;
  private readonly slotTs: Float64Array;
  private readonly slotMarker: Uint8Array;
  private readonly slotArrival: Float64Array;

  private hasSource = false;
  private ssrc = 0;
  private playing = false;
  /** Lowest sequence number of the window (the next to play when playing). */
  private base = 0;
  private high = 0;
  private count = 0;
  private hasPlayed = false;
  private lastPlayed = 0;
  private concealRun = 0;
  private overTarget = 0;
  private pendingJump = -1;
  // The spare slot (after the ring in storage): the packet that may start a new sequence.
  private spareLen = 0;
  private spareTs = 0;
  private spareMarker = 0;
  private spareArrival = 0;

  // RFC 3550 §6.4.1 jitter, in timestamp units.
  private hasTransit = false;
  private transit = 0;
  private jitter = 0;
  private target: number;

  constructor(opts: JitterBufferOptions) {
    this.clock = opts.clock;
    this.unitsPerMs = opts.clockRate / 1000;
    this.frameMs = opts.frameMs ?? 20;
    this.minDelay = opts.minDelayMs ?? 20;
    this.maxDelay = opts.maxDelayMs ?? 200;
    this.safety = opts.safetyMs ?? this.frameMs;
    this.maxPayload = opts.maxPayloadBytes ?? 1500;
    this.cap = opts.capacity ?? 64;
    if (this.cap < 2 || (this.cap & (this.cap - 1)) !== 0 || this.cap > 4096) throw new RangeError(`jitter buffer capacity ${this.cap} is not a power of two in 2..4096`);
    this.mask = this.cap - 1;
    this.maxConceal = opts.maxConcealFrames ?? 5;
    this.shrinkAfter = opts.shrinkAfterPulls ?? 25;
    this.storage = Buffer.alloc((this.cap + 1) * this.maxPayload);
    this.slotSeq = new Int32Array(this.cap).fill(-1);
    this.slotLen = new Int32Array(this.cap);
    this.slotTs = new Float64Array(this.cap);
    this.slotMarker = new Uint8Array(this.cap);
    this.slotArrival = new Float64Array(this.cap);
    this.target = this.minDelay;
  }

  /** The delay the buffer aims for, ms. */
  get targetDelayMs(): number {
    return this.target;
  }

  /** RFC 3550 interarrival jitter, ms. */
  get jitterMs(): number {
    return this.jitter / this.unitsPerMs;
  }

  /** Audio buffered from the next frame to play up to the newest, ms. */
  get bufferedMs(): number {
    return this.count === 0 ? 0 : (((this.high - this.base) & SEQ_MASK) + 1) * this.frameMs;
  }

  get isPlaying(): boolean {
    return this.playing;
  }

  /** One RTP packet: its payload (`off`, `len` inside `buf`) and header fields. */
  push(buf: Buffer, off: number, len: number, seq: number, timestamp: number, ssrc: number, marker: boolean): void {
    const now = this.clock.now();
    this.counters.pushed++;
    seq &= SEQ_MASK;
    timestamp >>>= 0;
    ssrc >>>= 0;
    if (len < 0 || len > this.maxPayload || off < 0 || off + len > buf.length) {
      this.counters.oversize++;
      return;
    }
    if (!this.hasSource || ssrc !== this.ssrc) {
      if (this.hasSource) this.counters.resets++;
      this.hasSource = true;
      this.ssrc = ssrc;
      this.flush();
      this.hasPlayed = false;
      this.hasTransit = false;
      this.jitter = 0;
    }

    if (this.count === 0) {
      // Nothing buffered. A marker bit while playing starts a new talk spurt: re-buffer.
      if (this.playing && marker && this.hasPlayed && seqAfter(seq, this.lastPlayed)) {
        this.playing = false;
        this.counters.resets++;
      }
      if (this.playing) {
        // Still in the flow: the window starts at the next frame to play.
        if (!this.place(seq, buf, off, len, timestamp, marker)) return;
      } else {
        if (this.hasPlayed && !seqAfter(seq, this.lastPlayed) && ((this.lastPlayed - seq) & SEQ_MASK) <= MAX_MISORDER) {
          this.counters.late++;
          return;
        }
        this.base = seq;
        this.high = seq;
        this.pendingJump = -1;
      }
    } else if (!this.place(seq, buf, off, len, timestamp, marker)) {
      return;
    }

    const i = seq & this.mask;
    if (this.slotSeq[i] === seq) {
      this.counters.duplicates++;
      return;
    }
    this.slotSeq[i] = seq;
    this.slotLen[i] = len;
    this.slotTs[i] = timestamp;
    this.slotMarker[i] = marker ? 1 : 0;
    this.slotArrival[i] = now;
    buf.copy(this.storage, i * this.maxPayload, off, off + len);
    this.count++;
    if (this.count === 1 || seqAfter(seq, this.high)) this.high = seq;
    if (seqAfter(this.base, seq)) this.base = seq;
    this.estimate(now, timestamp);
  }

  /**
   * Fits seq into the window [base, base + capacity). Returns false when the packet is dropped
   * (late, or out of the window); a jump confirmed by the next packet (seq + 1) restarts the window.
   */
  private place(seq: number, buf: Buffer, off: number, len: number, ts: number, marker: boolean): boolean {
    const ahead = (seq - this.base) & SEQ_MASK;
    if (ahead < HALF_SEQ) {
      if (ahead < this.cap) return true;
    } else {
      const behind = SEQ_MASK + 1 - ahead;
      if (!this.playing && behind < this.cap - ((this.high - this.base) & SEQ_MASK) && !(this.hasPlayed && !seqAfter(seq, this.lastPlayed))) {
        return true; // still buffering: an earlier packet extends the window back
      }
      if (behind <= MAX_MISORDER) {
        this.counters.late++;
        return false;
      }
    }
    // Far away: a restarted sender, or garbage. Believe it when the next packet follows it;
    // the first packet of the jump waits in the spare slot meanwhile.
    if (seq === this.pendingJump) {
      this.counters.resets++;
      this.flush();
      this.hasPlayed = false;
      this.hasTransit = false;
      const first = (seq - 1) & SEQ_MASK;
      const i = first & this.mask;
      this.storage.copy(this.storage, i * this.maxPayload, this.cap * this.maxPayload, this.cap * this.maxPayload + this.spareLen);
      this.slotSeq[i] = first;
      this.slotLen[i] = this.spareLen;
      this.slotTs[i] = this.spareTs;
      this.slotMarker[i] = this.spareMarker;
      this.slotArrival[i] = this.spareArrival;
      this.count = 1;
      this.base = first;
      this.high = first;
      return true;
    }
    this.pendingJump = (seq + 1) & SEQ_MASK;
    this.counters.outOfWindow++;
    buf.copy(this.storage, this.cap * this.maxPayload, off, off + len);
    this.spareLen = len;
    this.spareTs = ts;
    this.spareMarker = marker ? 1 : 0;
    this.spareArrival = this.clock.now();
    return false;
  }

  /**
   * The next frame, every frameMs. Copies the payload into `out` and returns its length, or
   * PULL_LOST (conceal one frame), or PULL_EMPTY (nothing to play).
   */
  pull(out: Buffer): number {
    const now = this.clock.now();
    if (!this.playing) {
      if (this.count === 0) return PULL_EMPTY;
      const oldest = this.slotArrival[this.base & this.mask];
      if (this.bufferedMs < this.target && now - oldest < this.target) return PULL_EMPTY;
      this.playing = true;
      this.concealRun = 0;
      this.overTarget = 0;
    }

    // Catch up when the delay stays above target (after a jitter spike has passed).
    if (this.count > 0 && this.bufferedMs > this.target + this.frameMs) {
      if (++this.overTarget >= this.shrinkAfter) {
        this.overTarget = 0;
        this.counters.shrinkDrops++;
        this.discard(this.base);
      }
    } else {
      this.overTarget = 0;
    }

    if (this.count === 0) {
      // Underrun: the next packet is late or the talk spurt ended. Conceal a few frames
      // without moving on, so a late packet still plays; then call it a pause.
      if (++this.concealRun <= this.maxConceal) {
        this.counters.underruns++;
        if (this.concealRun === 1) this.raise(this.target + this.frameMs);
        return PULL_LOST;
      }
      this.playing = false;
      return PULL_EMPTY;
    }
    this.concealRun = 0;
    const seq = this.base;
    const i = seq & this.mask;
    if (this.slotSeq[i] !== seq) {
      this.counters.lost++;
      this.advance(seq);
      return PULL_LOST;
    }
    const len = this.slotLen[i];
    if (out.length < len) throw new RangeError(`jitter buffer: output of ${out.length} bytes is smaller than a ${len}-byte frame`);
    this.storage.copy(out, 0, i * this.maxPayload, i * this.maxPayload + len);
    this.frameSeq = seq;
    this.frameTimestamp = this.slotTs[i];
    this.frameMarker = this.slotMarker[i] === 1;
    this.counters.played++;
    this.discard(seq);
    return len;
  }

  /** Forget everything, e.g. on a re-INVITE that changes the codec. */
  reset(): void {
    this.flush();
    this.hasSource = false;
    this.hasPlayed = false;
    this.hasTransit = false;
    this.jitter = 0;
    this.target = this.minDelay;
  }

  private discard(seq: number): void {
    const i = seq & this.mask;
    if (this.slotSeq[i] === seq) {
      this.slotSeq[i] = -1;
      this.count--;
    }
    this.advance(seq);
  }

  private advance(seq: number): void {
    this.hasPlayed = true;
    this.lastPlayed = seq;
    this.base = (seq + 1) & SEQ_MASK;
    if (this.count === 0) this.high = seq;
  }

  private flush(): void {
    if (this.count > 0) this.slotSeq.fill(-1);
    this.count = 0;
    this.playing = false;
    this.pendingJump = -1;
  }

  /** RFC 3550 §6.4.1: J += (|D| - J) / 16, D from the relative transit times. */
  private estimate(now: number, ts: number): void {
    const transit = now * this.unitsPerMs - ts;
    if (this.hasTransit) {
      let d = transit - this.transit;
      if (d > TWO_32 / 2) d -= TWO_32;
      else if (d < -TWO_32 / 2) d += TWO_32;
      if (d < 0) d = -d;
      // A timestamp jump (new talk spurt after silence, a restarted clock) is not jitter.
      if (d < 1000 * this.unitsPerMs) this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
    this.hasTransit = true;
    const desired = this.clamp(this.safety + (4 * this.jitter) / this.unitsPerMs);
    if (desired > this.target) this.target = desired;
    else this.target += (desired - this.target) / 128;
  }

  private raise(ms: number): void {
    this.target = this.clamp(Math.max(this.target, ms));
  }

  private clamp(ms: number): number {
    return ms < this.minDelay ? this.minDelay : ms > this.maxDelay ? this.maxDelay : ms;
  }
}

/** Serial number arithmetic on 16-bit sequence numbers: is a after b? */
function seqAfter(a: number, b: number): boolean {
  const d = (a - b) & SEQ_MASK;
  return d !== 0 && d < HALF_SEQ;
}
