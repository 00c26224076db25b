/**
 * The recording attachment of one media session: what each leg's phone sends, decoded to
 * 16-bit PCM, fed to a CallRecorder once per 20 ms tick of the worker's one frame pacer.
 * Leg A (the caller) is the left channel, leg B (the callee) the right one; or both mixed
 * to mono.
 *
 * Two ways in, one recorder:
 * - Relay path: the relay forwards each packet unchanged and hands the attachment a look at
 *   it (tap()); the attachment copies the payload into its own jitter buffer per leg and
 *   decodes it at its own tick (a decoded COPY: the relayed packet is never touched).
 *   Lost frames are concealed (repeat-and-fade), so a lost packet is not a click.
 * - Transcoding path: the session already decodes each leg through its jitter buffer;
 *   it hands this attachment the frames it decoded this tick (frames()), nothing is
 *   decoded twice.
 *
 * Nothing from the wire reaches the file but audio: the path and the quota come from the
 * main thread. A bad packet is dropped and counted; nothing here throws into the relay.
 */
import type { SampleRate } from '../codecs/resampler.js';
import { JitterBuffer, PULL_LOST } from '../jitter-buffer.js';
import type { LegCodec, LegName } from '../protocol.js';
import { CallRecorder, type RecordingLayout, type RecordingResult } from '../recording/call-recorder.js';
import { RecorderError } from '../recording/recorder-error.js';
import { RepeatAndFade } from '../repeat-and-fade.js';
import { rtpPayloadEnd, rtpPayloadOffset } from '../rtp/rtp-payload.js';
import { rtpPayloadType, rtpSequence, rtpSsrc, rtpTimestamp } from '../rtp/rtp-header.js';
import { createFrameCodec } from './codec-registry.js';
import type { FrameCodec } from './frame-codec.js';
import type { Paced } from './frame-pacer.js';
import { FRAME_MS } from './frame-pacer.js';

/** Largest audio payload taken (60 ms of G.711 or G.722), as on the transcoding path. */
const MAX_AUDIO_PAYLOAD = 480;

export type RecordingStopReason = 'hangup' | 'quota' | 'stopped' | 'error';

export interface SessionRecorderOptions {
  /** The main thread's id of this recording (echoed in events). */
  recId: string;
  /** Built on the main thread from the tenant id and a generated id. */
  path: string;
  quotaBytes: number;
  layout: RecordingLayout;
  codecs: { a: LegCodec; b: LegCodec };
  clock: { now(): number };
  /** Audio between flushes (a crash loses at most this much). Default 1000. */
  flushEveryMs?: number;
}

export interface SessionRecorderCounters {
  /** Relay-path packets that were not the leg's audio codec, or malformed. */
  ignored: number;
  /** Frames concealed on the relay path. */
  concealed: number;
  /** Transcoding-path frames whose length did not fit (ptime above 20 ms, a codec change): written as silence. */
  misfit: number;
}

/** One leg on the relay path: jitter buffer → decode or conceal → one 20 ms frame. */
class LegDecoder {
  readonly jitter: JitterBuffer;
  private readonly payload = Buffer.alloc(MAX_AUDIO_PAYLOAD);
  private readonly pcm: Int16Array;
  private readonly frame: Int16Array;
  private readonly conceal: RepeatAndFade;

  constructor(
    readonly codec: LegCodec,
    private readonly dec: FrameCodec,
    clock: { now(): number },
  ) {
    this.jitter = new JitterBuffer({ clock, clockRate: dec.rtpClock, frameMs: FRAME_MS, maxPayloadBytes: MAX_AUDIO_PAYLOAD });
    this.pcm = new Int16Array(Math.max(dec.decodedSamples(MAX_AUDIO_PAYLOAD), dec.frameSamples));
    this.frame = this.pcm.subarray(0, dec.frameSamples);
    this.conceal = new RepeatAndFade(this.pcm.length);
  }

  get sampleRate(): SampleRate {
    return this.dec.sampleRate;
  }

  /** This tick's frame, or null (nothing to play: silence). */
  pull(counters: SessionRecorderCounters): Int16Array | null {
    const n = this.jitter.pull(this.payload);
    if (n >= 0) {
      const samples = this.dec.decode(this.payload.subarray(0, n), this.pcm);
      if (samples !== this.frame.length) return null; // not one 20 ms frame: silence rather than a wrong timeline
      this.conceal.remember(this.frame);
      return this.frame;
    }
    if (n === PULL_LOST) {
      if (!this.dec.conceal || this.dec.conceal(this.frame) <= 0) this.conceal.conceal(this.frame);
      counters.concealed++;
      return this.frame;
    }
    return null;
  }
}

export class SessionRecorder implements Paced {
  readonly recId: string;
  readonly counters: SessionRecorderCounters = { ignored: 0, concealed: 0, misfit: 0 };
  private readonly rec: CallRecorder;
  private readonly legA: LegDecoder;
  private readonly legB: LegDecoder;
  /** True while the session transcodes: frames come from frames(), the relay taps are ignored. */
  private fedByTranscoder = false;
  private readonly onStop: (r: RecordingResult) => void;

  /**
   * Creates the file; throws RecorderError ('quota' when the tenant's storage is full,
   * 'io', 'bad-option' for a codec the worker cannot decode).
   */
  constructor(o: SessionRecorderOptions, onStop: (r: RecordingResult) => void) {
    const decA = createFrameCodec(o.codecs.a);
    const decB = createFrameCodec(o.codecs.b);
    if (!decA || !decB) throw new RecorderError('bad-option', `cannot record ${o.codecs.a?.name}/${o.codecs.a?.clockRate} ↔ ${o.codecs.b?.name}/${o.codecs.b?.clockRate}: no decoder`);
    this.recId = o.recId;
    this.legA = new LegDecoder(o.codecs.a, decA, o.clock);
    this.legB = new LegDecoder(o.codecs.b, decB, o.clock);
    this.onStop = onStop;
    this.rec = CallRecorder.start({
      path: o.path,
      legs: 'both',
      layout: o.layout,
      rateA: decA.sampleRate,
      rateB: decB.sampleRate,
      quotaBytes: o.quotaBytes,
      frameMs: FRAME_MS,
      flushEveryMs: o.flushEveryMs ?? 1000,
    });
  }

  get path(): string {
    return this.rec.path;
  }

  get state(): 'recording' | 'paused' | 'stopped' {
    return this.rec.state;
  }

  get sampleRate(): number {
    return this.rec.sampleRate;
  }

  get channels(): number {
    return this.rec.channels;
  }

  /** The session now transcodes (true) or relays (false). */
  setTranscoding(on: boolean): void {
    if (this.fedByTranscoder === on) return;
    this.fedByTranscoder = on;
    this.legA.jitter.reset();
    this.legB.jitter.reset();
  }

  /** Relay path: a look at an RTP packet the relay just accepted from the leg's phone (never modified). */
  tap(leg: LegName, msg: Buffer): void {
    if (this.fedByTranscoder || this.rec.state === 'stopped') return;
    try {
      this.push(leg === 'a' ? this.legA : this.legB, msg);
    } catch {
      this.counters.ignored++; // never let the copy disturb the relay
    }
  }

  private push(d: LegDecoder, msg: Buffer): void {
    const pt = rtpPayloadType(msg);
    if (pt !== d.codec.payloadType) {
      this.counters.ignored++; // telephone-event, comfort noise, a stray payload type
      return;
    }
    const off = rtpPayloadOffset(msg);
    const end = off < 0 ? -1 : rtpPayloadEnd(msg, off);
    if (end < 0) {
      this.counters.ignored++;
      return;
    }
    d.jitter.push(msg, off, end - off, rtpSequence(msg), rtpTimestamp(msg), rtpSsrc(msg), (msg[1]! & 0x80) !== 0);
  }

  /** Relay path: one 20 ms tick of the worker's pacer. */
  tick(): void {
    if (this.fedByTranscoder || this.rec.state === 'stopped') return;
    this.write(this.legA.pull(this.counters), this.legB.pull(this.counters));
  }

  /**
   * Transcoding path: the frames the session decoded this tick from leg A's and leg B's
   * phones (null: nothing this tick), at each leg's decoder rate.
   */
  frames(a: Int16Array | null, b: Int16Array | null): void {
    if (!this.fedByTranscoder || this.rec.state === 'stopped') return;
    this.write(this.fit(a, this.legA), this.fit(b, this.legB));
  }

  pause(): void {
    this.rec.pause();
  }

  resume(): void {
    this.rec.resume();
  }

  /** Closes the file (a no-op result when the quota or an error stopped it first). */
  stop(): RecordingResult {
    return this.rec.stop();
  }

  private fit(frame: Int16Array | null, leg: LegDecoder): Int16Array | null {
    if (!frame) return null;
    if (frame.length !== (leg.sampleRate * FRAME_MS) / 1000) {
      this.counters.misfit++;
      return null;
    }
    return frame;
  }

  private write(a: Int16Array | null, b: Int16Array | null): void {
    if (!this.rec.frame(a, b)) {
      const r = this.rec.result;
      if (r) this.onStop(r);
    }
  }
}
