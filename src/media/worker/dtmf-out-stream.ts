/**
 * What one leg's phone receives, as seen by the DTMF code on the plain relay path: the
 * packets relayed to it come from the other phone (its SSRC, sequence and timestamps, sent
 * on unchanged), and this object adds to or takes from that stream without breaking it:
 * - RFC 4733 packets generated for a digit (planDigit) go out with the stream's own SSRC
 *   and the next sequence numbers, and every later relayed packet's sequence number is
 *   shifted by as many (RFC 4733 §2.1: events share the audio stream's SSRC and sequence);
 * - a stripped telephone-event packet shifts the sequence back, so the phone sees no gap;
 * - an in-band digit overwrites the G.711 payload of the audio packets relayed while it sounds.
 * The shift is applied in place (two bytes); nothing is allocated per relayed packet.
 */
import { alawEncodeInto } from '../codecs/g711-alaw.js';
import { ulawEncodeInto } from '../codecs/g711-ulaw.js';
import { writeDtmf } from '../dsp/dtmf-tones.js';
import { dbm0ToAmplitude } from '../dsp/dbm0.js';
import { digitToEvent, MAX_PLANNED_DIGIT_MS, planDigit } from '../rtp/telephone-event.js';
import { RTP_HEADER_BYTES, rtpSequence, rtpSsrc, rtpTimestamp } from '../rtp/rtp-header.js';

/** Tones are sent at -10 dBm0 per frequency (well inside Q.24's operating range). */
const TONE_DBM0 = -10;
/** The longest digit queued at once; more digits wait behind it, up to this many. */
const MAX_QUEUED_DIGITS = 32;
/** Minimum length of a generated digit, so that any receiver accepts it (Q.24: 40 ms). */
const MIN_DIGIT_MS = 60;

interface QueuedPacket {
  dueAt: number;
  buf: Buffer;
}

export type G711Law = 'PCMU' | 'PCMA';

export class DtmfOutStream {
  eventsGenerated = 0;
  tonesGenerated = 0;
  eventsStripped = 0;
  digitsRefused = 0;

  private seqShift = 0;
  private hasStream = false;
  private lastSeq = 0;
  private lastTs = 0;
  private ssrc: number;
  private lastAt = 0;
  private readonly queue: QueuedPacket[] = [];
  /** Digits waiting for the generator (one plays at a time). */
  private readonly waiting: Array<{ digit: string; durationMs: number }> = [];
  /** The end of the RFC 4733 digit being sent: the next one starts after it. */
  private busyUntil = -Infinity;
  // In-band tone in progress.
  private toneDigit = '';
  private toneLeft = 0;
  private rowPhase = 0;
  private columnPhase = 0;
  private readonly pcm = new Int16Array(480);

  constructor(
    private readonly now: () => number,
    /** telephone-event payload type towards this phone (RFC 4733 out), or -1. */
    private readonly telephoneEvent: number,
    /** The audio RTP clock of this leg, for timestamps of generated events. */
    private readonly clockRate: number,
    /** G.711 law for in-band tones, or undefined when tones cannot be written. */
    private readonly law: G711Law | undefined,
    random: () => number = Math.random,
  ) {
    this.ssrc = Math.floor(random() * 0x1_0000_0000) >>> 0;
    this.lastSeq = Math.floor(random() * 0x10000) & 0xffff;
    this.lastTs = Math.floor(random() * 0x1_0000_0000) >>> 0;
  }

  /** Something to send or play: the session keeps ticking. */
  get busy(): boolean {
    return this.queue.length > 0 || this.waiting.length > 0 || this.toneLeft > 0;
  }

  /** A relayed packet about to leave towards this phone: shift its sequence, note where the stream is. */
  relayed(msg: Buffer): void {
    if (this.seqShift !== 0) msg.writeUInt16BE((rtpSequence(msg) + this.seqShift) & 0xffff, 2);
    this.hasStream = true;
    this.lastSeq = rtpSequence(msg);
    this.lastTs = rtpTimestamp(msg);
    this.ssrc = rtpSsrc(msg);
    this.lastAt = this.now();
  }

  /** A packet of the stream was taken out (stripped telephone-event): close the gap. */
  stripped(): void {
    this.seqShift = (this.seqShift - 1) & 0xffff;
    this.eventsStripped++;
  }

  /**
   * An audio payload relayed towards this phone (`off`..`end` in msg): while an in-band digit
   * sounds, its samples replace the payload (same law, same length).
   */
  overwriteAudio(msg: Buffer, off: number, end: number): void {
    if (this.toneLeft <= 0 || !this.law) return;
    const n = Math.min(end - off, this.pcm.length);
    const frame = this.pcm.subarray(0, n);
    const amp = dbm0ToAmplitude(TONE_DBM0);
    const ph = writeDtmf(frame, this.toneDigit, { sampleRate: 8000, rowAmplitude: amp, columnAmplitude: amp, rowPhase: this.rowPhase, columnPhase: this.columnPhase });
    this.rowPhase = ph.rowPhase;
    this.columnPhase = ph.columnPhase;
    const out = msg.subarray(off, off + n);
    if (this.law === 'PCMU') ulawEncodeInto(frame, out);
    else alawEncodeInto(frame, out);
    this.toneLeft -= n;
  }

  /**
   * Queue one digit for this phone: RFC 4733 packets when it has telephone-event, else tones
   * when it is G.711; false when it can take neither (or too many digits are waiting).
   */
  sendDigit(digit: string, durationMs: number): boolean {
    const event = digitToEvent(digit);
    if (event === undefined || !(durationMs > 0)) return false;
    if (this.telephoneEvent < 0 && !this.law) {
      this.digitsRefused++;
      return false;
    }
    if (this.waiting.length >= MAX_QUEUED_DIGITS) {
      this.digitsRefused++;
      return false;
    }
    this.waiting.push({ digit, durationMs: Math.min(Math.max(durationMs, MIN_DIGIT_MS), MAX_PLANNED_DIGIT_MS) });
    return true;
  }

  /** On the 20 ms clock: start the next digit when the last is done; send the packets due. */
  tick(send: (buf: Buffer, length: number) => void): void {
    const now = this.now();
    if (this.waiting.length > 0 && now >= this.busyUntil && this.toneLeft <= 0) this.start(this.waiting.shift()!, now);
    while (this.queue.length > 0 && this.queue[0]!.dueAt <= now) {
      const p = this.queue.shift()!;
      // Stamped as it leaves, so it fits between the relayed packets around it.
      this.lastSeq = (this.lastSeq + 1) & 0xffff;
      this.seqShift = (this.seqShift + 1) & 0xffff;
      p.buf.writeUInt16BE(this.lastSeq, 2);
      send(p.buf, p.buf.length);
      this.eventsGenerated++;
    }
  }

  private start(d: { digit: string; durationMs: number }, now: number): void {
    if (this.telephoneEvent >= 0) {
      const ts = this.hasStream ? (this.lastTs + Math.round(((now - this.lastAt) * this.clockRate) / 1000)) >>> 0 : this.lastTs;
      const plan = planDigit({ event: digitToEvent(d.digit)!, durationMs: d.durationMs, clockRate: this.clockRate, timestamp: ts });
      for (const p of plan) {
        const buf = Buffer.alloc(RTP_HEADER_BYTES + p.payload.length);
        buf[0] = 0x80;
        buf[1] = (p.marker ? 0x80 : 0) | (this.telephoneEvent & 0x7f);
        buf.writeUInt32BE(p.timestamp, 4);
        buf.writeUInt32BE(this.ssrc, 8);
        p.payload.copy(buf, RTP_HEADER_BYTES);
        this.queue.push({ dueAt: now + p.atMs, buf });
      }
      // RFC 4733 §2.5.1.2 practice: a pause between digits (here as long as one packet interval).
      this.busyUntil = now + plan[plan.length - 1]!.atMs + 40;
      return;
    }
    this.toneDigit = d.digit;
    this.toneLeft = Math.round((d.durationMs * 8000) / 1000);
    this.rowPhase = 0;
    this.columnPhase = 0;
    this.tonesGenerated++;
    this.busyUntil = now + d.durationMs + 40;
  }
}
