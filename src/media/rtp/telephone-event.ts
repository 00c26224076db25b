/**
 * RFC 4733 telephone-event: the 4-byte event payload, the receiver state machine that
 * turns a stream of event packets into one digit per key press, and the sender plan for
 * a digit of a given duration.
 *
 * Role in the media engine: the media worker feeds every packet of the negotiated
 * telephone-event payload type (or of `red` carrying it, RFC 4733 §2.6 / RFC 2198) to a
 * TelephoneEventReceiver per leg and reports its `start`/`end` events to the main thread as
 * DTMF; interworking (SIP INFO in, RFC 4733 out) and the player's digit generation use
 * planDigit(). Pure: no sockets, no timers; time comes from an injectable clock and the
 * worker calls tick() on its 20 ms pacing loop to end events whose end packets were lost.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |     event     |E|R| volume    |          duration             |
 */

export const TELEPHONE_EVENT_BYTES = 4;
/** The largest value of the 16-bit duration field (RFC 4733 §2.3.5). */
export const MAX_SEGMENT_DURATION = 0xffff;
/** DTMF 0-9, *, #, A-D (RFC 4733 §3.2, table 7) and flash (16). */
export const FLASH_EVENT = 16;
const DIGITS = '0123456789*#ABCD';

const TWO_32 = 0x1_0000_0000;

/** `'0'`..`'9'`, `'*'`, `'#'`, `'A'`..`'D'`, or `'flash'` for event 16; undefined for the rest. */
export function eventToDigit(event: number): string | undefined {
  if (event >= 0 && event < 16) return DIGITS[event];
  return event === FLASH_EVENT ? 'flash' : undefined;
}

/** The event code of a digit (case-insensitive A-D), or undefined. */
export function digitToEvent(digit: string): number | undefined {
  if (digit === 'flash') return FLASH_EVENT;
  if (digit.length !== 1) return undefined;
  const i = DIGITS.indexOf(digit.toUpperCase());
  return i < 0 ? undefined : i;
}

// Field readers: straight from the packet buffer, no copy. `off` is the payload's offset.
export function teEvent(buf: Uint8Array, off: number): number {
  return buf[off];
}
export function teEnd(buf: Uint8Array, off: number): boolean {
  return (buf[off + 1] & 0x80) !== 0;
}
/** Volume in -dBm0, 0..63 (RFC 4733 §2.3.4). */
export function teVolume(buf: Uint8Array, off: number): number {
  return buf[off + 1] & 0x3f;
}
/** Duration in timestamp units of the event's clock (RFC 4733 §2.3.5). */
export function teDuration(buf: Uint8Array, off: number): number {
  return (buf[off + 2] << 8) | buf[off + 3];
}

export interface TelephoneEventPayload {
  event: number;
  end: boolean;
  /** The R bit: reserved, senders set it to 0, receivers ignore it (RFC 4733 §2.3.3). */
  reserved: boolean;
  volume: number;
  duration: number;
}

/** Reads a payload into a plain object (for tests and logs; the receiver uses the readers above). */
export function parseTelephoneEvent(buf: Uint8Array, off = 0, len = buf.length - off): TelephoneEventPayload | undefined {
  if (len !== TELEPHONE_EVENT_BYTES || off < 0 || off + len > buf.length) return undefined;
  return { event: teEvent(buf, off), end: teEnd(buf, off), reserved: (buf[off + 1] & 0x40) !== 0, volume: teVolume(buf, off), duration: teDuration(buf, off) };
}

/** Writes a payload at `off`. Fields out of range are a programming error (RangeError). */
export function writeTelephoneEvent(buf: Uint8Array, off: number, event: number, end: boolean, volume: number, duration: number): void {
  if (!Number.isInteger(event) || event < 0 || event > 255) throw new RangeError(`telephone-event code ${event} is not 0-255`);
  if (!Number.isInteger(volume) || volume < 0 || volume > 63) throw new RangeError(`telephone-event volume ${volume} is not 0-63`);
  if (!Number.isInteger(duration) || duration < 0 || duration > MAX_SEGMENT_DURATION) throw new RangeError(`telephone-event duration ${duration} is not 0-65535`);
  buf[off] = event;
  buf[off + 1] = (end ? 0x80 : 0) | volume; // R bit 0 (§2.3.3)
  buf[off + 2] = duration >> 8;
  buf[off + 3] = duration & 0xff;
}

export function buildTelephoneEvent(event: number, end: boolean, volume: number, duration: number): Buffer {
  const b = Buffer.alloc(TELEPHONE_EVENT_BYTES);
  writeTelephoneEvent(b, 0, event, end, volume, duration);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Receiver

export type EventEndReason =
  /** A packet with the E bit (RFC 4733 §2.5.1.4). */
  | 'end-bit'
  /** No packet for `timeoutMs`: the end packets were lost (how long to wait is the receiver's choice). */
  | 'timeout'
  /** A packet with a newer timestamp began a new event before this one ended. */
  | 'superseded'
  /** The SSRC changed, or reset() was called. */
  | 'source-change'
  /** Longer than `maxEventMs`: a stuck key or a hostile stream. */
  | 'too-long';

export interface TelephoneEventReport {
  kind: 'start' | 'end';
  event: number;
  /** See eventToDigit(). */
  digit: string;
  /** RTP timestamp of the event's first segment. */
  timestamp: number;
  /** Total duration so far, over every segment, in timestamp units. */
  durationUnits: number;
  durationMs: number;
  volume: number;
  /** Only on `end`. */
  reason?: EventEndReason;
}

export interface TelephoneEventReceiverOptions {
  /** Clock rate of the negotiated telephone-event (8000, 16000 or 48000). */
  clockRate?: number;
  /** Something with now() in ms, e.g. the util Clock or FakeClock. */
  clock: { now(): number };
  /** End an event whose last packet is this old. Default 500 ms. */
  timeoutMs?: number;
  /** End an event that lasts longer than this. Default 60 s. */
  maxEventMs?: number;
  /** A duration may run ahead of wall time by at most this much (bursts after a delay). Default 1000 ms. */
  durationSlackMs?: number;
  onEvent(report: TelephoneEventReport): void;
}

/** Counters; plain numbers read by the worker's stats. */
export interface TelephoneEventCounters {
  packets: number;
  /** Payload not exactly 4 bytes, or a malformed `red` header. */
  badLength: number;
  /** Event code outside 0-16 (tones, trunk events): ignored. */
  unsupported: number;
  /** Older than the event in progress, or a smaller duration (reordering). */
  stale: number;
  /** Packets of an event already ended (the 3 end packets, late updates): absorbed. */
  absorbed: number;
  /** A duration that runs ahead of wall time, or a different code on the same timestamp. */
  absurd: number;
  started: number;
  ended: number;
}

/**
 * One per receiving leg. Reports each event exactly once as `start` (the first packet of
 * a new timestamp, RFC 4733 §2.5.2) and once as `end`; everything else updates or is
 * absorbed. Never throws on packet input.
 */
export class TelephoneEventReceiver {
  readonly counters: TelephoneEventCounters = { packets: 0, badLength: 0, unsupported: 0, stale: 0, absorbed: 0, absurd: 0, started: 0, ended: 0 };
  private readonly clockRate: number;
  private readonly clock: { now(): number };
  private readonly timeoutMs: number;
  private readonly maxEventMs: number;
  private readonly slackMs: number;
  private readonly onEvent: (r: TelephoneEventReport) => void;

  private hasSource = false;
  private ssrc = 0;
  /** The newest segment timestamp seen: anything older is stale. */
  private hasLatest = false;
  private latestTs = 0;
  // The event in progress (active) or the last one (ended).
  private active = false;
  private event = 0;
  private volume = 0;
  private firstTs = 0;
  /** Units of the segments before the current one (RFC 4733 §2.5.1.3, §2.5.2.3). */
  private segmentBase = 0;
  /** Duration field of the current segment, as last seen. */
  private segmentDuration = 0;
  private startedAt = 0;
  /** Duration (units) reported by the first packet: wall time runs from there. */
  private initialUnits = 0;
  private lastPacketAt = 0;
  /** The last event was ended as too long: its later segments are not new events. */
  private cutShort = false;

  constructor(opts: TelephoneEventReceiverOptions) {
    this.clockRate = opts.clockRate ?? 8000;
    this.clock = opts.clock;
    this.timeoutMs = opts.timeoutMs ?? 500;
    this.maxEventMs = opts.maxEventMs ?? 60_000;
    this.slackMs = opts.durationSlackMs ?? 1000;
    this.onEvent = opts.onEvent;
  }

  /** Is a key down right now? */
  get inEvent(): boolean {
    return this.active;
  }

  /** The code of the event in progress, or -1. */
  get activeEvent(): number {
    return this.active ? this.event : -1;
  }

  /** Duration of the event in progress so far (every segment), in timestamp units; 0 when none. */
  get activeDurationUnits(): number {
    return this.active ? this.segmentBase + this.segmentDuration : 0;
  }

  /**
   * One telephone-event RTP packet: its payload (`off`, `len` inside `buf`), RTP timestamp and SSRC.
   */
  receive(buf: Uint8Array, off: number, len: number, timestamp: number, ssrc: number): void {
    this.counters.packets++;
    this.source(ssrc);
    if (len !== TELEPHONE_EVENT_BYTES || off < 0 || off + len > buf.length) {
      this.counters.badLength++;
      return;
    }
    this.block(buf, off, timestamp >>> 0);
  }

  /**
   * One `red` packet (RFC 2198) that may carry telephone-event blocks (RFC 4733 §2.6):
   * the blocks of payload type `eventPt` are taken oldest first, each at its own timestamp,
   * so a redundant copy of an end already seen is absorbed and one of a lost end ends the event.
   */
  receiveRed(buf: Uint8Array, off: number, len: number, timestamp: number, ssrc: number, eventPt: number): void {
    const scratch = (this.red ??= newRedBlocks());
    this.counters.packets++;
    this.source(ssrc);
    if (!parseRed(buf, off, len, scratch)) {
      this.counters.badLength++;
      return;
    }
    // Oldest (largest offset) first; the primary has offset 0 and comes last.
    let done = 0;
    let lastOffset = Infinity;
    while (done < scratch.count) {
      let pick = -1;
      for (let i = 0; i < scratch.count; i++) {
        const o = scratch.tsOffset[i];
        if (o < lastOffset && (pick < 0 || o > scratch.tsOffset[pick])) pick = i;
      }
      if (pick < 0) break; // two blocks with the same offset: the later copies add nothing
      lastOffset = scratch.tsOffset[pick];
      done++;
      if (scratch.pt[pick] !== eventPt) continue;
      if (scratch.length[pick] !== TELEPHONE_EVENT_BYTES) {
        this.counters.badLength++;
        continue;
      }
      this.block(buf, scratch.offset[pick], (timestamp - scratch.tsOffset[pick]) >>> 0);
    }
  }

  /** Call on the worker's pacing loop: ends an event whose end packets never came. */
  tick(): void {
    if (!this.active) return;
    const now = this.clock.now();
    if (now - this.lastPacketAt >= this.timeoutMs) this.finish('timeout');
    else if (now - this.startedAt >= this.maxEventMs) this.finish('too-long');
  }

  /** A re-INVITE or a new stream: the event in progress ends, the next packet starts afresh. */
  reset(): void {
    if (this.active) this.finish('source-change');
    this.hasLatest = false;
    this.hasSource = false;
  }

  private red?: RedBlocks;

  private source(ssrc: number): void {
    ssrc >>>= 0;
    if (this.hasSource && ssrc === this.ssrc) return;
    if (this.hasSource) this.reset();
    this.hasSource = true;
    this.ssrc = ssrc;
  }

  private block(buf: Uint8Array, off: number, ts: number): void {
    const event = teEvent(buf, off);
    if (event > FLASH_EVENT) {
      this.counters.unsupported++;
      return;
    }
    const end = teEnd(buf, off);
    const duration = teDuration(buf, off);
    const now = this.clock.now();

    if (this.hasLatest && ts === this.latestTs) {
      this.sameSegment(event, end, duration, now);
      return;
    }
    if (this.hasLatest && !newer(ts, this.latestTs)) {
      this.counters.stale++;
      return;
    }
    // A newer timestamp. RFC 4733 §2.5.1.3/§2.5.2.3: a long event goes on in a new segment whose
    // timestamp is the old one plus the maximum duration, with the same event code.
    const continues = event === this.event && ((ts - this.latestTs + TWO_32) % TWO_32) === MAX_SEGMENT_DURATION;
    if (continues && !this.active && this.cutShort) {
      this.latestTs = ts; // the rest of an event ended as too long: absorbed, not a new key press
      this.counters.absorbed++;
      return;
    }
    if (this.active && continues) {
      this.segmentBase += MAX_SEGMENT_DURATION;
      this.latestTs = ts;
      this.segmentDuration = 0;
      this.sameSegment(event, end, duration, now);
      return;
    }
    if (this.active) this.finish('superseded');
    // RFC 4733 §2.5.2: the first packet of a new timestamp starts a new event.
    this.hasLatest = true;
    this.latestTs = ts;
    this.active = true;
    this.cutShort = false;
    this.event = event;
    this.volume = teVolume(buf, off);
    this.firstTs = ts;
    this.segmentBase = 0;
    this.segmentDuration = duration;
    this.initialUnits = duration;
    this.startedAt = now;
    this.lastPacketAt = now;
    this.counters.started++;
    this.report('start', undefined);
    if (end) this.finish('end-bit');
  }

  private sameSegment(event: number, end: boolean, duration: number, now: number): void {
    if (!this.active) {
      this.counters.absorbed++; // retransmitted end packets (§2.5.1.4), late updates after a timeout
      return;
    }
    if (event !== this.event) {
      this.counters.absurd++; // one timestamp, two events: keep the first
      return;
    }
    if (duration < this.segmentDuration) {
      this.counters.stale++; // reordered update
      return;
    }
    const total = this.segmentBase + duration;
    const allowedUnits = this.initialUnits + ((now - this.startedAt + this.slackMs) * this.clockRate) / 1000;
    if (total > allowedUnits) {
      this.counters.absurd++; // runs ahead of the clock: not a real key press
      return;
    }
    this.segmentDuration = duration;
    this.lastPacketAt = now;
    if (end) this.finish('end-bit');
  }

  private finish(reason: EventEndReason): void {
    this.active = false;
    this.cutShort = reason === 'too-long';
    this.counters.ended++;
    this.report('end', reason);
  }

  private report(kind: 'start' | 'end', reason: EventEndReason | undefined): void {
    const durationUnits = this.segmentBase + this.segmentDuration;
    const r: TelephoneEventReport = {
      kind,
      event: this.event,
      digit: eventToDigit(this.event) as string,
      timestamp: this.firstTs,
      durationUnits,
      durationMs: Math.round((durationUnits * 1000) / this.clockRate),
      volume: this.volume,
    };
    if (reason) r.reason = reason;
    this.onEvent(r);
  }
}

/** RFC 3550 serial arithmetic on 32-bit timestamps: is a after b (within half the space)? */
function newer(a: number, b: number): boolean {
  const d = (a - b + TWO_32) % TWO_32;
  return d !== 0 && d < 0x8000_0000;
}

// ---------------------------------------------------------------------------------------------
// RFC 2198 redundancy

/** The most blocks a `red` packet may carry here; more is refused as hostile. */
export const MAX_RED_BLOCKS = 16;

/** Preallocated result of parseRed(): block i is at offset[i], length[i] bytes in the packet. */
export interface RedBlocks {
  count: number;
  pt: Int32Array;
  tsOffset: Int32Array;
  offset: Int32Array;
  length: Int32Array;
}

export function newRedBlocks(): RedBlocks {
  return { count: 0, pt: new Int32Array(MAX_RED_BLOCKS), tsOffset: new Int32Array(MAX_RED_BLOCKS), offset: new Int32Array(MAX_RED_BLOCKS), length: new Int32Array(MAX_RED_BLOCKS) };
}

/**
 * Reads the block headers of an RFC 2198 payload (§3): 4-byte headers with F=1
 * (F, block PT, 14-bit timestamp offset, 10-bit length), then a 1-byte header with F=0 for
 * the primary, whose length is the rest. Returns false when the lengths do not add up.
 */
export function parseRed(buf: Uint8Array, off: number, len: number, out: RedBlocks): boolean {
  out.count = 0;
  if (off < 0 || len < 1 || off + len > buf.length) return false;
  const endOff = off + len;
  let p = off;
  let n = 0;
  let sum = 0;
  for (;;) {
    if (p >= endOff || n >= MAX_RED_BLOCKS) return false;
    const b0 = buf[p];
    if ((b0 & 0x80) === 0) {
      out.pt[n] = b0 & 0x7f;
      out.tsOffset[n] = 0;
      p += 1;
      n++;
      break;
    }
    if (p + 4 > endOff) return false;
    out.pt[n] = b0 & 0x7f;
    out.tsOffset[n] = (buf[p + 1] << 6) | (buf[p + 2] >> 2);
    out.length[n] = ((buf[p + 2] & 0x03) << 8) | buf[p + 3];
    sum += out.length[n];
    p += 4;
    n++;
  }
  if (p + sum > endOff) return false;
  let data = p;
  for (let i = 0; i < n - 1; i++) {
    out.offset[i] = data;
    data += out.length[i];
  }
  out.offset[n - 1] = data;
  out.length[n - 1] = endOff - data;
  out.count = n;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Sender

/** planDigit() caps a digit at this length. */
export const MAX_PLANNED_DIGIT_MS = 10_000;

export interface DigitPacket {
  /** When to send it, ms after the first packet. */
  atMs: number;
  /** RTP marker: the first packet of the event only (RFC 4733 §2.5.1). */
  marker: boolean;
  /** RTP timestamp: the same for every packet of a segment (RFC 4733 §2.5.1). */
  timestamp: number;
  end: boolean;
  /** The 4-byte payload. */
  payload: Buffer;
}

export interface DigitPlan {
  event: number;
  durationMs: number;
  /** The telephone-event clock: 8000 for telephone-event/8000, 16000 or 48000 with wideband codecs. */
  clockRate: number;
  /** RTP timestamp of the event's start (the media clock at key down). */
  timestamp: number;
  /** Interval between updates; default 20 ms (one audio packet). */
  packetMs?: number;
  /** -dBm0, default 10. */
  volume?: number;
}

/**
 * The packets for one digit (RFC 4733 §2.5.1): updates every `packetMs` with the same
 * timestamp and a growing duration, marker on the first; then the final duration with the
 * E bit, sent three times at the update interval (§2.5.1.4). A digit longer than the
 * duration field can hold continues in new segments at timestamp + 0xFFFF (§2.5.1.3).
 */
export function planDigit(plan: DigitPlan): DigitPacket[] {
  const packetMs = plan.packetMs ?? 20;
  const volume = plan.volume ?? 10;
  if (!(packetMs >= 5) || !(plan.durationMs > 0) || !(plan.clockRate >= 8000)) throw new RangeError('planDigit: packetMs must be at least 5, durationMs positive, clockRate at least 8000');
  // A duration from the wire (SIP INFO) is capped, so no request can make an endless digit;
  // and never zero: a sender does not report a zero duration for a tone event.
  const durationMs = Math.min(plan.durationMs, MAX_PLANNED_DIGIT_MS);
  const totalUnits = Math.max(1, Math.round((durationMs * plan.clockRate) / 1000));
  const stepUnits = Math.round((packetMs * plan.clockRate) / 1000);
  const out: DigitPacket[] = [];
  let segTs = plan.timestamp >>> 0;
  let segBase = 0;
  let at = 0;
  let covered = 0;
  const push = (end: boolean, dur: number, marker: boolean): void => {
    out.push({ atMs: at, marker, timestamp: segTs, end, payload: buildTelephoneEvent(plan.event, end, volume, dur) });
  };
  for (;;) {
    covered = Math.min(covered + stepUnits, totalUnits);
    const inSegment = covered - segBase;
    if (inSegment > MAX_SEGMENT_DURATION || (inSegment === MAX_SEGMENT_DURATION && covered < totalUnits)) {
      // The field is full: report the maximum, then start the next segment (§2.5.1.3).
      push(false, MAX_SEGMENT_DURATION, out.length === 0);
      segBase += MAX_SEGMENT_DURATION;
      segTs = (segTs + MAX_SEGMENT_DURATION) >>> 0;
      at += packetMs;
      continue;
    }
    if (covered >= totalUnits) break;
    push(false, covered - segBase, out.length === 0);
    at += packetMs;
  }
  const last = Math.min(totalUnits - segBase, MAX_SEGMENT_DURATION);
  for (let i = 0; i < 3; i++) {
    push(true, last, out.length === 0);
    at += packetMs;
  }
  return out;
}
