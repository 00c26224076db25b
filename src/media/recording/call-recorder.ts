/**
 * The recorder of one call: one leg or both, mixed to mono or as two channels (leg A left,
 * leg B right), into a 16-bit PCM WAV written incrementally through WavWriter.
 *
 * Role in the media engine: the worker feeds one tick every 20 ms with the decoded frame of each
 * leg (after its jitter buffer and concealment), or null for a leg that had nothing this tick;
 * a missing frame is written as silence, so both channels stay aligned in time and the file's
 * length is the number of ticks fed. Pure apart from the file: no timers, no sockets.
 *
 * Rate: 8 kHz, or 16 kHz when a recorded leg is wideband (16 or 48 kHz), decided at start.
 *
 * Crash safety: every `flushEveryMs` (one second) of audio the writer appends what it holds and
 * rewrites the header sizes, so after a crash the file is a valid WAV missing at most the last
 * second.
 *
 * Storage quota: the caller passes the bytes the tenant may still use (limits.storageMB minus
 * usage); the file, header included, never grows beyond it. The tick that would pass it is
 * refused whole, the recorder closes the file (everything before stays) and reports
 * `{ reason: 'quota' }`. A quota too small for the header and one frame refuses the start and
 * creates no file. An existing file is never overwritten.
 *
 * Pause (on-demand recording, PCI: "pause while the card number is spoken"): by default the
 * paused time is written as silence, so the recording keeps the call's timeline (its length
 * matches the call and the CDR, and a listener hears where the gap was). `whilePaused:
 * 'nothing'` drops the paused time instead (shorter file, the gap is invisible).
 */
import { Resampler, type SampleRate } from '../codecs/resampler.js';
import { softLimit } from '../dsp/soft-limit.js';
import { WavError } from '../wav/wav-error.js';
import { WavWriter } from '../wav/wav-writer.js';
import { RecorderError } from './recorder-error.js';

export type RecordedLegs = 'a' | 'b' | 'both';
export type RecordingLayout = 'mono' | 'two-channel';
export type RecorderStopReason = 'stopped' | 'quota' | 'error';

export interface CallRecorderOptions {
  /** The file to create (in the tenant's folder; the caller builds the path, never from the wire). */
  path: string;
  legs: RecordedLegs;
  /** Default mono. Two channels need both legs: A left, B right. */
  layout?: RecordingLayout;
  /** The rates of the frames fed for leg A and leg B (8000, 16000, 48000). */
  rateA: SampleRate;
  rateB: SampleRate;
  /** Bytes the tenant may still use; the whole file stays within it. */
  quotaBytes: number;
  /** Frame duration in ms. Default 20. */
  frameMs?: number;
  /** Audio between flushes, in ms. Default 1000. */
  flushEveryMs?: number;
  /** What a paused recording writes. Default 'silence'. */
  whilePaused?: 'silence' | 'nothing';
  /** fsync after each flush. Default false. */
  durable?: boolean;
}

export interface RecordingResult {
  reason: RecorderStopReason;
  path: string;
  sampleRate: number;
  channels: 1 | 2;
  /** Ticks written (paused ones included when they were written as silence). */
  frames: number;
  /** frames × frameMs: exactly the time fed. */
  durationMs: number;
  /** Size of the file, header included. */
  bytes: number;
  /** For reason 'error'. */
  message?: string;
}

export type RecorderState = 'recording' | 'paused' | 'stopped';

const HEADER_BYTES = 44;

/** One leg: its rate, its resampler to the file's rate, and its frame at the file's rate. */
class LegInput {
  readonly frameSamples: number;
  private readonly rs: Resampler | null;
  /** The leg's samples of this tick at the file rate. */
  readonly out: Int16Array;
  private fresh = false;

  constructor(
    readonly name: string,
    readonly rate: SampleRate,
    fileRate: SampleRate,
    frameMs: number,
  ) {
    if (rate !== 8000 && rate !== 16000 && rate !== 48000) throw new RecorderError('bad-option', `leg ${name} rate ${String(rate)} Hz (8000, 16000 or 48000)`);
    this.frameSamples = (rate * frameMs) / 1000;
    this.rs = rate === fileRate ? null : new Resampler(rate, fileRate);
    this.out = new Int16Array((fileRate * frameMs) / 1000);
  }

  check(frame: Int16Array | null): void {
    if (frame && frame.length !== this.frameSamples) throw new RangeError(`leg ${this.name}: frame of ${frame.length} samples, expected ${this.frameSamples} at ${this.rate} Hz`);
  }

  /** Brings this tick's frame to the file rate; a missing frame is silence (the filter restarts after it). */
  take(frame: Int16Array | null): void {
    if (!frame) {
      this.out.fill(0);
      this.fresh = false;
      return;
    }
    if (!this.rs) {
      this.out.set(frame);
      return;
    }
    if (!this.fresh) this.rs.reset();
    this.rs.process(frame, this.out);
    this.fresh = true;
  }
}

export class CallRecorder {
  readonly path: string;
  readonly legs: RecordedLegs;
  readonly layout: RecordingLayout;
  readonly sampleRate: SampleRate;
  readonly channels: 1 | 2;
  readonly frameMs: number;
  private readonly writer: WavWriter;
  private readonly a: LegInput;
  private readonly b: LegInput;
  private readonly mono: Int16Array;
  private readonly flushFrames: number;
  private readonly writeWhilePaused: boolean;
  private frames = 0;
  private sinceFlush = 0;
  private paused = false;
  private done: RecordingResult | null = null;

  private constructor(opts: CallRecorderOptions) {
    const frameMs = opts.frameMs ?? 20;
    if (![10, 20, 30, 40].includes(frameMs)) throw new RecorderError('bad-option', `frame of ${frameMs} ms (10, 20, 30 or 40)`);
    if (opts.legs !== 'a' && opts.legs !== 'b' && opts.legs !== 'both') throw new RecorderError('bad-option', `legs ${String(opts.legs)} (a, b or both)`);
    const layout = opts.layout ?? 'mono';
    if (layout !== 'mono' && layout !== 'two-channel') throw new RecorderError('bad-option', `layout ${String(layout)} (mono or two-channel)`);
    if (layout === 'two-channel' && opts.legs !== 'both') throw new RecorderError('bad-option', 'two channels need both legs');
    const flushEveryMs = opts.flushEveryMs ?? 1000;
    if (!(flushEveryMs >= frameMs) || !Number.isFinite(flushEveryMs)) throw new RecorderError('bad-option', `flush every ${flushEveryMs} ms (at least one frame)`);
    this.path = opts.path;
    this.legs = opts.legs;
    this.layout = layout;
    this.frameMs = frameMs;
    this.channels = layout === 'two-channel' ? 2 : 1;
    const wide = (opts.legs !== 'b' && opts.rateA > 8000) || (opts.legs !== 'a' && opts.rateB > 8000);
    this.sampleRate = wide ? 16000 : 8000;
    this.a = new LegInput('A', opts.rateA, this.sampleRate, frameMs);
    this.b = new LegInput('B', opts.rateB, this.sampleRate, frameMs);
    this.mono = new Int16Array((this.sampleRate * frameMs) / 1000);
    this.flushFrames = Math.floor(flushEveryMs / frameMs);
    this.writeWhilePaused = (opts.whilePaused ?? 'silence') === 'silence';

    const quota = opts.quotaBytes;
    if (!Number.isFinite(quota) && quota !== Infinity) throw new RecorderError('bad-option', `quota ${String(quota)} bytes`);
    const frameBytes = this.mono.length * 2 * this.channels;
    const maxData = quota === Infinity ? undefined : Math.floor((quota - HEADER_BYTES) / frameBytes) * frameBytes;
    if (maxData !== undefined && maxData < frameBytes) {
      throw new RecorderError('quota', `storage quota: ${Math.max(0, Math.floor(quota))} bytes left, a recording needs at least ${HEADER_BYTES + frameBytes}`);
    }
    try {
      this.writer = WavWriter.create(opts.path, {
        sampleRate: this.sampleRate,
        channels: this.channels,
        maxDataBytes: maxData,
        durable: opts.durable,
        initialBufferBytes: (this.flushFrames + 1) * frameBytes,
      });
    } catch (e) {
      throw new RecorderError('io', e instanceof Error ? e.message : String(e), { cause: e });
    }
  }

  /** Creates the file and starts recording; throws RecorderError ('quota', 'io', 'bad-option'). */
  static start(opts: CallRecorderOptions): CallRecorder {
    return new CallRecorder(opts);
  }

  get state(): RecorderState {
    return this.done ? 'stopped' : this.paused ? 'paused' : 'recording';
  }

  /** The result once stopped (by stop(), the quota or an error), else null. */
  get result(): RecordingResult | null {
    return this.done;
  }

  /** Ticks written so far. */
  get framesWritten(): number {
    return this.frames;
  }

  /**
   * One tick: this tick's frame of leg A and of leg B (null when a leg had none; a leg that is
   * not recorded may always be null). Returns false once the recorder has stopped (quota or
   * error: see `result`), true otherwise.
   */
  frame(a: Int16Array | null, b: Int16Array | null): boolean {
    if (this.done) return false;
    this.a.check(a);
    this.b.check(b);
    if (this.paused) {
      if (!this.writeWhilePaused) return true;
      a = null;
      b = null;
    }
    if (this.legs !== 'b') this.a.take(a);
    if (this.legs !== 'a') this.b.take(b);
    let ok: boolean;
    try {
      if (this.channels === 2) ok = this.writer.writePcm16Stereo(this.a.out, this.b.out);
      else if (this.legs === 'a') ok = this.writer.writePcm16(this.a.out);
      else if (this.legs === 'b') ok = this.writer.writePcm16(this.b.out);
      else {
        const m = this.mono;
        const x = this.a.out;
        const y = this.b.out;
        for (let i = 0; i < m.length; i++) m[i] = softLimit(x[i] + y[i]);
        ok = this.writer.writePcm16(m);
      }
      if (!ok) {
        this.finish('quota');
        return false;
      }
      this.frames++;
      if (++this.sinceFlush >= this.flushFrames) {
        this.sinceFlush = 0;
        this.writer.flush();
      }
    } catch (e) {
      this.finish('error', e);
      return false;
    }
    return true;
  }

  /** Stops writing audio until resume() (silence or nothing, per `whilePaused`); flushes now. */
  pause(): void {
    if (this.done || this.paused) return;
    this.paused = true;
    try {
      this.writer.flush();
      this.sinceFlush = 0;
    } catch (e) {
      this.finish('error', e);
    }
  }

  resume(): void {
    this.paused = false;
  }

  /** Closes the file; returns the result (the same one when the quota or an error stopped it first). */
  stop(): RecordingResult {
    return this.done ?? this.finish('stopped');
  }

  private finish(reason: RecorderStopReason, err?: unknown): RecordingResult {
    let message = err === undefined ? undefined : err instanceof Error ? err.message : String(err);
    try {
      this.writer.close();
    } catch (e) {
      if (!(e instanceof WavError)) throw e;
      reason = 'error';
      message ??= e.message;
    }
    this.done = {
      reason,
      path: this.path,
      sampleRate: this.sampleRate,
      channels: this.channels,
      frames: this.frames,
      durationMs: this.frames * this.frameMs,
      bytes: HEADER_BYTES + this.writer.dataBytes,
      ...(message === undefined ? {} : { message }),
    };
    return this.done;
  }
}
