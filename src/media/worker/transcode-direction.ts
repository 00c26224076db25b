/**
 * One direction of a transcoded call: the RTP one leg's phone sends, as the other leg's
 * phone expects it. Per 20 ms tick of the worker's pacer: jitter buffer → decode (or
 * conceal a lost frame) → resample to the output codec's rate → encode → one RTP packet
 * with this direction's own SSRC, sequence numbers and timestamps at the output codec's
 * RTP clock (G.722: 8000, RFC 3551 §4.5.2). RFC 4733 telephone-event packets pass
 * through at once, re-stamped onto the output stream. Preallocated: nothing is
 * allocated per packet.
 */
import { Resampler } from '../codecs/resampler.js';
import { JitterBuffer, PULL_LOST } from '../jitter-buffer.js';
import type { LegCodec } from '../protocol.js';
import { RepeatAndFade } from '../repeat-and-fade.js';
import { RTP_HEADER_BYTES } from '../rtp/rtp-header.js';
import { createFrameCodec } from './codec-registry.js';
import type { FrameCodec } from './frame-codec.js';
import { FRAME_MS } from './frame-pacer.js';

/** Largest audio payload taken (60 ms of G.711 or G.722); the jitter buffer drops larger ones. */
const MAX_AUDIO_PAYLOAD = 480;
/** Largest telephone-event payload passed on (16 events of 4 bytes, RFC 4733 §2.3). */
const MAX_EVENT_PAYLOAD = 64;
/** Output packets are built in a ring, so a buffer is not reused while the socket may still read it. */
const RING = 8;
/** A timestamp step larger than this (either way) within one source is absurd. */
const MAX_TIMESTAMP_STEP_S = 60;
/**
 * Jitter buffer slots: its 200 ms at most is 20 packets of 10 ms, so 32 suffice (its default of 64
 * doubles the preallocated storage, about 80 KiB per Opus direction, for nothing).
 */
const JITTER_SLOTS = 32;
/** Output frames of audio the FIFO between decoder and encoder may hold. */
const FIFO_FRAMES = 8;

export interface DirectionCounters {
  framesDecoded: number;
  framesConcealed: number;
  framesSent: number;
  eventsSent: number;
  dtmfDropped: number;
  absurdTimestampDropped: number;
  /** Output samples dropped because more audio arrived than 20 ms per tick (ptime above 20 ms). */
  fifoDropped: number;
}

export class TranscodeDirection {
  readonly counters: DirectionCounters = { framesDecoded: 0, framesConcealed: 0, framesSent: 0, eventsSent: 0, dtmfDropped: 0, absurdTimestampDropped: 0, fifoDropped: 0 };
  readonly jitter: JitterBuffer;
  /** Payload types this direction takes in; -1 = none. */
  readonly inPt: number;
  readonly inTe: number;
  /** The packet the last tick() or event() built: send packet[0, length). */
  packet: Buffer;
  /** The input's frame the last tick() decoded or concealed (at the input codec's rate), or null; valid until the next tick. */
  lastFrame: Int16Array | null = null;

  private readonly dec: FrameCodec;
  private readonly enc: FrameCodec;
  private readonly outPt: number;
  private readonly outTe: number;
  private readonly resampler: Resampler | undefined;
  private readonly conceal: RepeatAndFade;
  private readonly payload: Buffer;
  private readonly pcm: Int16Array;
  private readonly lostView: Int16Array;
  private readonly resampled: Int16Array;
  private readonly fifo: Int16Array;
  private readonly fifoFrame: Int16Array;
  private fifoLen = 0;
  private readonly ring: Buffer[] = [];
  /** The payload part of each ring buffer. */
  private readonly ringPayload: Buffer[] = [];
  private ringAt = 0;
  private readonly outUnits: number;
  /** telephone-event's clock on the way out over the way in (each its codec's, RFC 4733 §2.1, unless said): durations scale by it. */
  private readonly eventScale: number;
  private readonly maxStep: number;

  private readonly ssrc: number;
  private seq: number;
  private ts: number;
  private running = false;
  private markNext = true;

  private hasLast = false;
  private lastSsrc = 0;
  private lastTs = 0;
  private hasEvent = false;
  private eventInTs = 0;
  private eventSsrc = 0;
  private eventOutTs = 0;

  constructor(input: LegCodec, output: LegCodec, clock: { now(): number }, random: () => number = Math.random) {
    const dec = createFrameCodec(input);
    const enc = createFrameCodec(output);
    if (!dec || !enc) throw new RangeError(`cannot transcode ${input.name}/${input.clockRate} to ${output.name}/${output.clockRate}`);
    this.dec = dec;
    this.enc = enc;
    this.inPt = input.payloadType;
    this.inTe = input.telephoneEvent ?? -1;
    this.outPt = output.payloadType;
    this.outTe = input.telephoneEvent !== undefined ? (output.telephoneEvent ?? -1) : -1;
    // Opus packets may be larger than any G.711/G.722 one (up to 1276 bytes for 20 ms).
    const maxAudioPayload = Math.max(MAX_AUDIO_PAYLOAD, dec.maxPayloadBytes);
    this.jitter = new JitterBuffer({ clock, clockRate: dec.rtpClock, frameMs: FRAME_MS, maxPayloadBytes: maxAudioPayload, capacity: JITTER_SLOTS });
    this.resampler = dec.sampleRate === enc.sampleRate ? undefined : new Resampler(dec.sampleRate, enc.sampleRate);
    const maxIn = Math.max(dec.decodedSamples(maxAudioPayload), dec.frameSamples);
    this.payload = Buffer.alloc(maxAudioPayload);
    this.pcm = new Int16Array(maxIn);
    this.lostView = this.pcm.subarray(0, dec.frameSamples);
    this.conceal = new RepeatAndFade(maxIn);
    this.resampled = new Int16Array(Math.ceil((maxIn * enc.sampleRate) / dec.sampleRate) + 8);
    this.fifo = new Int16Array(enc.frameSamples * FIFO_FRAMES);
    this.fifoFrame = this.fifo.subarray(0, enc.frameSamples);
    for (let i = 0; i < RING; i++) {
      const b = Buffer.alloc(RTP_HEADER_BYTES + Math.max(enc.maxPayloadBytes, MAX_EVENT_PAYLOAD));
      this.ring.push(b);
      this.ringPayload.push(b.subarray(RTP_HEADER_BYTES));
    }
    this.packet = this.ring[0]!;
    this.outUnits = (enc.rtpClock * FRAME_MS) / 1000;
    this.eventScale = (output.telephoneEventClockRate ?? enc.rtpClock) / (input.telephoneEventClockRate ?? dec.rtpClock);
    this.maxStep = MAX_TIMESTAMP_STEP_S * dec.rtpClock;
    // RFC 3550 §5.1: random initial sequence number and timestamp, and our own SSRC.
    this.ssrc = Math.floor(random() * 0x1_0000_0000) >>> 0;
    this.seq = Math.floor(random() * 0x10000) & 0xffff;
    this.ts = Math.floor(random() * 0x1_0000_0000) >>> 0;
  }

  /** The SSRC of what this direction sends. */
  get outputSsrc(): number {
    return this.ssrc;
  }

  /** An audio packet of the input codec; false when dropped here (an absurd timestamp). */
  pushAudio(buf: Buffer, off: number, len: number, seq: number, timestamp: number, ssrc: number, marker: boolean): boolean {
    if (this.hasLast && ssrc === this.lastSsrc) {
      const step = (timestamp - this.lastTs) | 0;
      if (step > this.maxStep || step < -this.maxStep) {
        // The next packet is judged against this one: a sender that really jumped loses one packet.
        this.lastTs = timestamp;
        this.counters.absurdTimestampDropped++;
        return false;
      }
    }
    this.hasLast = true;
    this.lastSsrc = ssrc;
    this.lastTs = timestamp;
    this.jitter.push(buf, off, len, seq, timestamp, ssrc, marker);
    return true;
  }

  /**
   * A telephone-event packet: its length in `packet` to send at once, or 0 (dropped: the
   * other leg has no telephone-event, or the payload is not whole events).
   * Every packet of one event keeps one timestamp (RFC 4733 §2.5.1.2): the output's at
   * the event's first packet.
   */
  event(buf: Buffer, off: number, len: number, timestamp: number, ssrc: number, marker: boolean): number {
    if (this.outTe < 0 || len < 4 || len % 4 !== 0 || len > MAX_EVENT_PAYLOAD) {
      this.counters.dtmfDropped++;
      return 0;
    }
    if (!this.hasEvent || timestamp !== this.eventInTs || ssrc !== this.eventSsrc) {
      this.hasEvent = true;
      this.eventInTs = timestamp;
      this.eventSsrc = ssrc;
      this.running = true;
      this.eventOutTs = this.ts;
    }
    const p = this.next();
    this.header(p, this.outTe, marker, this.eventOutTs);
    buf.copy(p, RTP_HEADER_BYTES, off, off + len);
    if (this.eventScale !== 1) {
      // The 16-bit duration of each event (RFC 4733 §2.3) is in timestamp units of its stream.
      for (let at = RTP_HEADER_BYTES + 2; at < RTP_HEADER_BYTES + len; at += 4) {
        p.writeUInt16BE(Math.min(0xffff, Math.round(p.readUInt16BE(at) * this.eventScale)), at);
      }
    }
    this.counters.eventsSent++;
    return RTP_HEADER_BYTES + len;
  }

  /** One 20 ms frame: the length of the packet built in `packet`, or 0 when there is nothing to send. */
  tick(): number {
    this.lastFrame = null;
    const n = this.jitter.pull(this.payload);
    let frame: Int16Array;
    if (n >= 0) {
      const samples = this.dec.decode(n === this.payload.length ? this.payload : this.payload.subarray(0, n), this.pcm);
      if (samples <= 0) return this.idle();
      frame = samples === this.lostView.length ? this.lostView : this.pcm.subarray(0, samples);
      this.conceal.remember(frame);
      this.counters.framesDecoded++;
    } else if (n === PULL_LOST) {
      frame = this.lostView;
      if (!this.dec.conceal || this.dec.conceal(frame) <= 0) this.conceal.conceal(frame);
      this.counters.framesConcealed++;
    } else {
      return this.idle();
    }
    this.lastFrame = frame;
    this.append(frame);
    if (this.fifoLen < this.fifoFrame.length) return this.idle();
    const p = this.next();
    const bytes = this.enc.encode(this.fifoFrame, this.ringPayload[this.ringAt]!);
    this.fifo.copyWithin(0, this.fifoFrame.length, this.fifoLen);
    this.fifoLen -= this.fifoFrame.length;
    this.header(p, this.outPt, this.markNext, this.ts);
    this.markNext = false;
    this.running = true;
    this.ts = (this.ts + this.outUnits) >>> 0;
    this.counters.framesSent++;
    return RTP_HEADER_BYTES + bytes;
  }

  /** Free the coders (the session is closed or handed over); the direction is not used after this. */
  dispose(): void {
    this.dec.close?.();
    this.enc.close?.();
  }

  /** Forget the input's state after a re-INVITE (a new source is coming). */
  reset(): void {
    this.jitter.reset();
    this.hasLast = false;
    this.hasEvent = false;
    this.fifoLen = 0;
    this.markNext = true;
  }

  /** Nothing sent this tick: time still passes on the output clock, and the next packet starts a talk spurt (RFC 3551 §4.1). */
  private idle(): number {
    if (this.running) this.ts = (this.ts + this.outUnits) >>> 0;
    this.markNext = true;
    return 0;
  }

  private append(frame: Int16Array): void {
    let src = frame;
    if (this.resampler) {
      const k = this.resampler.process(frame, this.resampled);
      src = this.resampled.subarray(0, k);
    }
    const room = this.fifo.length - this.fifoLen;
    if (src.length > room) {
      // More than the encoder can take at 20 ms a tick: drop the oldest.
      const drop = Math.min(this.fifoLen, src.length - room);
      this.fifo.copyWithin(0, drop, this.fifoLen);
      this.fifoLen -= drop;
      this.counters.fifoDropped += drop;
      if (src.length > this.fifo.length) src = src.subarray(src.length - this.fifo.length);
    }
    this.fifo.set(src, this.fifoLen);
    this.fifoLen += src.length;
  }

  private next(): Buffer {
    this.ringAt = (this.ringAt + 1) % RING;
    this.packet = this.ring[this.ringAt]!;
    return this.packet;
  }

  private header(p: Buffer, pt: number, marker: boolean, ts: number): void {
    p[0] = 0x80;
    p[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
    p.writeUInt16BE(this.seq, 2);
    this.seq = (this.seq + 1) & 0xffff;
    p.writeUInt32BE(ts >>> 0, 4);
    p.writeUInt32BE(this.ssrc, 8);
  }
}
