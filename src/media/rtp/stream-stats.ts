/**
 * Loss and jitter of the RTP stream one leg receives, from the sequence numbers and
 * timestamps of the packets relayed (RFC 3550 §A.1, §A.3, §A.8). No allocation per packet.
 *
 * A new SSRC, a restart (re-INVITE), or a confirmed large sequence jump starts a new
 * source: what the old one expected and received is kept in the totals.
 */

const SEQ_MOD = 0x10000;
/** RFC 3550 §A.1: jumps of up to this many sequence numbers are taken as loss. */
const MAX_DROPOUT = 3000;
/** RFC 3550 §A.1: packets up to this many behind the highest are reordered or duplicates. */
const MAX_MISORDER = 100;
const TWO_32 = 0x1_0000_0000;
const TWO_31 = 0x8000_0000;

export class StreamStats {
  private readonly unitsPerMs: number;
  private hasSource = false;
  private ssrc = 0;
  // RFC 3550 §A.1 source state.
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private badSeq = SEQ_MOD + 1;
  private received = 0;
  // RFC 3550 §A.8 state, in timestamp units.
  private hasTransit = false;
  private transit = 0;
  private jitter = 0;
  private maxJitter = 0;
  // Totals of the sources before the current one.
  private priorExpected = 0;
  private priorReceived = 0;

  constructor(readonly clockRate = 8000) {
    this.unitsPerMs = clockRate / 1000;
  }

  /** One RTP packet: sequence number, timestamp, SSRC, and its arrival time in ms. */
  update(seq: number, timestamp: number, ssrc: number, arrivalMs: number): void {
    if (!this.hasSource || ssrc !== this.ssrc) {
      this.ssrc = ssrc;
      this.newSource(seq);
    } else if (!this.updateSeq(seq)) {
      return; // a large jump not yet confirmed by the next packet: neither loss nor jitter
    }
    this.received++;

    // RFC 3550 §A.8: J += (|D(i-1,i)| - J) / 16, with D from the relative transit times.
    const transit = arrivalMs * this.unitsPerMs - timestamp;
    if (this.hasTransit) {
      let d = transit - this.transit;
      // Timestamps are modulo 2^32: a wrap between two packets is not a jump of 2^32.
      if (d > TWO_31) d -= TWO_32;
      else if (d < -TWO_31) d += TWO_32;
      if (d < 0) d = -d;
      this.jitter += (d - this.jitter) / 16;
      if (this.jitter > this.maxJitter) this.maxJitter = this.jitter;
    }
    this.transit = transit;
    this.hasTransit = true;
  }

  /** The next packet starts a new source even with the same SSRC (re-INVITE: new sequence, new timestamps). */
  restart(): void {
    if (this.hasSource) this.fold();
    this.hasSource = false;
  }

  /** SSRC of the current source; null before the first packet. */
  get currentSsrc(): number | null {
    return this.hasSource ? this.ssrc : null;
  }

  /** RFC 3550 §A.3: extended highest sequence number - base + 1, over every source. */
  get expected(): number {
    return this.priorExpected + this.currentExpected();
  }

  /** Expected minus received, never negative (duplicates could make it so). */
  get lost(): number {
    return Math.max(0, this.expected - (this.priorReceived + this.received));
  }

  get jitterMs(): number {
    return this.jitter / this.unitsPerMs;
  }

  get maxJitterMs(): number {
    return this.maxJitter / this.unitsPerMs;
  }

  private currentExpected(): number {
    return this.hasSource ? this.cycles + this.maxSeq - this.baseSeq + 1 : 0;
  }

  private fold(): void {
    this.priorExpected += this.currentExpected();
    this.priorReceived += this.received;
  }

  private newSource(seq: number): void {
    if (this.hasSource) this.fold();
    this.hasSource = true;
    this.initSeq(seq);
    this.hasTransit = false;
    this.jitter = 0;
  }

  /** RFC 3550 §A.1 init_seq. */
  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
  }

  /** RFC 3550 §A.1 update_seq, without probation (the source is already vetted by address). */
  private updateSeq(seq: number): boolean {
    const udelta = (seq - this.maxSeq + SEQ_MOD) % SEQ_MOD;
    if (udelta < MAX_DROPOUT) {
      // In order, with a permissible gap.
      if (seq < this.maxSeq) this.cycles += SEQ_MOD; // wrapped
      this.maxSeq = seq;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
      // A very large jump. Two sequential packets mean the other side restarted
      // without telling us: resynchronise. Otherwise ignore this one.
      if (seq === this.badSeq) {
        this.fold();
        this.initSeq(seq);
        this.hasTransit = false;
      } else {
        this.badSeq = (seq + 1) % SEQ_MOD;
        return false;
      }
    }
    // else: a duplicate or reordered packet, counted as received.
    return true;
  }
}
