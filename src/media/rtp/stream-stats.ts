/**
 * Loss and jitter of the RTP stream one leg receives, from the sequence numbers and
 * timestamps of the packets relayed (RFC 3550 §A.1, §A.3, §A.8). No allocation per packet.
 *
 * A new SSRC, a restart (re-INVITE), or a confirmed large sequence jump starts a new
 * source: what the old one expected and received is kept in the totals.
 *
 * Jitter needs the RTP clock of each packet's payload type (RFC 3550 §6.4.1: the
 * timestamp units of the payload format): 48 000 Hz for Opus (RFC 7587 §4.1), 8 000 Hz for
 * G.711 and, by RFC 3551 §4.5.2's exception, for G.722. The rates come from the SDP rtpmap
 * (setPayloadClocks); a payload type with none uses the default rate. Jitter is kept in ms,
 * so that a stream switching between payload types of different rates stays comparable;
 * a payload type whose rate is 0 (RFC 4733 telephone-event: every packet of one event
 * carries the event's start timestamp) counts for loss but not for jitter.
 */

const SEQ_MOD = 0x10000;
/** RFC 3550 §A.1: jumps of up to this many sequence numbers are taken as loss. */
const MAX_DROPOUT = 3000;
/** RFC 3550 §A.1: packets up to this many behind the highest are reordered or duplicates. */
const MAX_MISORDER = 100;
const TWO_32 = 0x1_0000_0000;
const TWO_31 = 0x8000_0000;
const PAYLOAD_TYPES = 128;

export class StreamStats {
  // Fields in the order update() uses them (V8 lays them out in declaration order): a relay
  // worker holds hundreds of these, and each packet's are cold in the CPU cache, so the ones
  // read per packet are kept together.
  private hasSource = false;
  private ssrc = 0;
  // RFC 3550 §A.1 source state.
  private maxSeq = 0;
  private received = 0;
  /** The payload type of the last packet and its timestamp units per ms: the table is read on a change only. */
  private lastPt = -2;
  private lastPtUnitsPerMs = 0;
  // RFC 3550 §A.8 state: transit in timestamp units (of transitUnitsPerMs), jitter in ms.
  private transitUnitsPerMs = 0;
  private hasTransit = false;
  private transit = 0;
  private jitter = 0;
  private maxJitter = 0;
  private readonly unitsPerMs: number;
  /** Timestamp units per ms by payload type; NaN: the default rate; 0: not used for jitter. */
  private readonly ptUnitsPerMs = new Float64Array(PAYLOAD_TYPES).fill(Number.NaN);
  private baseSeq = 0;
  private cycles = 0;
  private badSeq = SEQ_MOD + 1;
  // Totals of the sources before the current one.
  private priorExpected = 0;
  private priorReceived = 0;

  constructor(readonly clockRate = 8000) {
    this.unitsPerMs = clockRate / 1000;
  }

  /**
   * The clock rate (Hz) of each payload type the remote sends, from its SDP rtpmaps;
   * 0 leaves a payload type out of jitter. Replaces the previous table.
   */
  setPayloadClocks(clocks: ReadonlyArray<readonly [payloadType: number, clockRate: number]>): void {
    this.ptUnitsPerMs.fill(Number.NaN);
    this.lastPt = -2;
    for (const [pt, rate] of clocks) {
      if (!Number.isInteger(pt) || pt < 0 || pt >= PAYLOAD_TYPES) continue;
      if (!(Number.isFinite(rate) && rate >= 0 && rate <= 1_000_000)) continue;
      this.ptUnitsPerMs[pt] = rate / 1000;
    }
  }

  /**
   * One RTP packet: sequence number, timestamp, SSRC, its arrival time in ms and its
   * payload type (-1 or absent: the default clock rate).
   */
  update(seq: number, timestamp: number, ssrc: number, arrivalMs: number, payloadType = -1): void {
    if (!this.hasSource || ssrc !== this.ssrc) {
      this.ssrc = ssrc;
      this.newSource(seq);
    } else if (!this.updateSeq(seq)) {
      return; // a large jump not yet confirmed by the next packet: neither loss nor jitter
    }
    this.received++;

    let unitsPerMs = this.lastPtUnitsPerMs;
    if (payloadType !== this.lastPt) {
      const known = payloadType >= 0 && payloadType < PAYLOAD_TYPES ? this.ptUnitsPerMs[payloadType]! : Number.NaN;
      unitsPerMs = Number.isNaN(known) ? this.unitsPerMs : known;
      this.lastPt = payloadType;
      this.lastPtUnitsPerMs = unitsPerMs;
    }
    if (unitsPerMs === 0) return;
    // Timestamps of two clocks cannot be compared: a change of rate starts the transit over.
    if (unitsPerMs !== this.transitUnitsPerMs) this.hasTransit = false;

    // RFC 3550 §A.8: J += (|D(i-1,i)| - J) / 16, with D from the relative transit times.
    const transit = arrivalMs * unitsPerMs - timestamp;
    if (this.hasTransit) {
      let d = transit - this.transit;
      // Timestamps are modulo 2^32: a wrap between two packets is not a jump of 2^32.
      if (d > TWO_31) d -= TWO_32;
      else if (d < -TWO_31) d += TWO_32;
      if (d < 0) d = -d;
      this.jitter += (d / unitsPerMs - this.jitter) / 16;
      if (this.jitter > this.maxJitter) this.maxJitter = this.jitter;
    }
    this.transit = transit;
    this.transitUnitsPerMs = unitsPerMs;
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
    return this.jitter;
  }

  get maxJitterMs(): number {
    return this.maxJitter;
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
