/**
 * The prompt player core: a pull-based player over a sequence of prompt files, for one leg.
 * The media worker's pacing loop calls `nextFrame(out)` every 20 ms at the leg's rate (8000,
 * 16000 or 48000 Hz) and encodes what it gets; the player never runs a timer of its own.
 *
 * Each file is opened in turn (prompt-source.ts: WAV PCM 8/16/48 kHz, µ-law/A-law WAV, raw
 * G.711), read in chunks (never whole), decoded to linear, and resampled to the leg's rate by
 * the streaming low-pass Resampler. The resampler's group delay is taken off the front and
 * flushed out of the tail, so a file of N samples at rate f gives exactly N·rate/f samples;
 * its last frame is padded with silence and the next file starts on a frame boundary.
 *
 * Loop (music on hold): the sequence starts again after its last file. A loop of one file is
 * seamless: the file is rewound under a running resampler, so the sample after the last is
 * the first, with no padding and no filter restart. (A loop of several files pads each file's
 * last frame, as a sequence does: at most 20 ms of silence between tracks.)
 *
 * Ends, reported once through `onPlayed` (and `result`): 'done' (every file played),
 * 'error' (the sequence ended but a file was skipped, or nothing at all was playable),
 * 'barged-in' (`bargeIn()`, e.g. on a DTMF digit, when the play allows it), 'stopped'
 * (`stop()`). A file that fails (not a WAV, a "2 GiB" header on a small file, unsupported
 * format, unreadable, vanished) is closed, reported through `onFileError` with its WavError
 * code and skipped: nothing thrown by a file ever leaves nextFrame.
 *
 * Allocation: buffers are made once in the constructor (about 30 kB for a 48 kHz leg) and a
 * Resampler per source rate on first use; opening a file allocates what WavReader does.
 */
import { Resampler, type SampleRate } from './codecs/resampler.js';
import { openPromptSource, type PromptSource } from './prompt-source.js';
import { WavError, type WavErrorCode } from './wav/wav-error.js';

export type LegRate = SampleRate;
export type PlayedReason = 'done' | 'barged-in' | 'stopped' | 'error';

export interface PromptFileFailure {
  /** Position of the file in the sequence. */
  index: number;
  path: string;
  /** WavError code; 'internal' for anything else (a bug, reported rather than thrown). */
  code: WavErrorCode | 'internal';
  message: string;
}

export interface PlayedEvent {
  reason: PlayedReason;
  /** Files played to their end (in a loop, counted each time round). */
  filesPlayed: number;
  /** Frames of audio given out (the padded last frame of a file counts). */
  framesPlayed: number;
  failures: PromptFileFailure[];
}

export interface PromptPlayerOptions {
  /** The leg's sample rate. */
  rate: LegRate;
  /** Start again after the last file (music on hold). Default false. */
  loop?: boolean;
  /** Whether bargeIn() may stop this play. Default true. */
  bargeIn?: boolean;
  onPlayed?: (event: PlayedEvent) => void;
  onFileError?: (failure: PromptFileFailure) => void;
  /** Bytes read from a file at a time. Default 2048 (128 ms of 8 kHz PCM). */
  chunkBytes?: number;
  /** Opens a file; default openPromptSource. */
  open?: (path: string) => PromptSource;
}

const FRAME_MS = 20;
const DEFAULT_CHUNK_BYTES = 2048;
const ZEROS = new Int16Array(64);

export class PromptPlayer {
  readonly rate: LegRate;
  /** Samples per 20 ms frame at the leg's rate. */
  readonly frameSamples: number;
  private readonly files: readonly string[];
  private readonly loop: boolean;
  private readonly bargeable: boolean;
  private readonly opts: PromptPlayerOptions;
  private readonly open: (path: string) => PromptSource;

  private readonly scratch: Uint8Array;
  private readonly input: Int16Array;
  private readonly converted: Int16Array;
  private readonly fifo: Int16Array;
  private fifoStart = 0;
  private fifoLen = 0;
  private readonly resamplers = new Map<number, Resampler>();

  /** Index of the next file to open. */
  private next = 0;
  private source: PromptSource | undefined;
  private sourceIndex = -1;
  private resampler: Resampler | undefined;
  /** Output samples of the current file still to drop (the resampler's delay). */
  private toDrop = 0;
  /** Input samples of the current file read, and output samples given for it. */
  private consumed = 0;
  private emitted = 0;
  /** Seamless loop: the single file is rewound under a running resampler. */
  private readonly continuous: boolean;
  private producedThisPass = false;

  private filesPlayed = 0;
  private framesPlayed = 0;
  private readonly failures: PromptFileFailure[] = [];
  private ended: PlayedEvent | undefined;

  constructor(files: readonly string[], opts: PromptPlayerOptions) {
    if (opts.rate !== 8000 && opts.rate !== 16000 && opts.rate !== 48000) throw new RangeError(`leg rate ${String(opts.rate)} (8000, 16000 or 48000)`);
    this.rate = opts.rate;
    this.frameSamples = (opts.rate * FRAME_MS) / 1000;
    this.files = [...files];
    this.loop = opts.loop ?? false;
    this.bargeable = opts.bargeIn ?? true;
    this.opts = opts;
    this.open = opts.open ?? openPromptSource;
    this.continuous = this.loop && this.files.length === 1;
    const chunkBytes = Math.max(64, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    this.scratch = new Uint8Array(chunkBytes);
    // A read is at most chunkBytes of PCM (half as many samples), 6 times as many out (8 → 48 kHz).
    this.input = new Int16Array(chunkBytes >> 1);
    this.converted = new Int16Array((chunkBytes >> 1) * 6 + 8);
    this.fifo = new Int16Array(this.converted.length + ZEROS.length * 6 + 2 * this.frameSamples);
    if (this.files.length === 0) this.finish('done');
  }

  /** True until the play has ended (any reason). */
  get playing(): boolean {
    return this.ended === undefined;
  }

  /** How it ended; undefined while playing. */
  get result(): PlayedEvent | undefined {
    return this.ended;
  }

  /** The file being played (index into the sequence), -1 between files. */
  get currentIndex(): number {
    return this.source ? this.sourceIndex : -1;
  }

  /**
   * Fills out[0 .. frameSamples) with the next 20 ms and returns frameSamples; once the play
   * has ended, fills silence and returns 0. `out` must hold a frame (RangeError otherwise: a
   * caller's bug, the only throw).
   */
  nextFrame(out: Int16Array): number {
    const frame = this.frameSamples;
    if (out.length < frame) throw new RangeError(`a frame at ${this.rate} Hz is ${frame} samples, got a buffer of ${out.length}`);
    if (this.ended) {
      out.fill(0, 0, frame);
      return 0;
    }
    this.fill(frame);
    if (this.fifoLen === 0) {
      out.fill(0, 0, frame);
      this.finish(this.failures.length > 0 ? 'error' : 'done');
      return 0;
    }
    const n = Math.min(frame, this.fifoLen);
    out.set(this.fifo.subarray(this.fifoStart, this.fifoStart + n), 0);
    if (n < frame) out.fill(0, n, frame);
    this.fifoStart += n;
    this.fifoLen -= n;
    this.framesPlayed++;
    // Report the end with the last frame, not a frame later.
    if (this.fifoLen === 0) {
      this.fill(1);
      if (this.fifoLen === 0) this.finish(this.failures.length > 0 ? 'error' : 'done');
    }
    return frame;
  }

  /** Stops at once if this play allows barge-in; true when it stopped. */
  bargeIn(): boolean {
    if (this.ended || !this.bargeable) return false;
    this.finish('barged-in');
    return true;
  }

  /** Stops at once (hang-up, resume from hold, another play). */
  stop(): void {
    if (!this.ended) this.finish('stopped');
  }

  /** Brings the FIFO to at least `need` samples, or to the end of the sequence. */
  private fill(need: number): void {
    while (this.fifoLen < need && !this.ended) {
      if (!this.source && !this.openNext()) return;
      try {
        this.pump();
      } catch (e) {
        this.fail(e);
      }
    }
  }

  /** Opens the next playable file; false at the end of the sequence (or when nothing plays). */
  private openNext(): boolean {
    for (;;) {
      if (this.next >= this.files.length) {
        if (!this.loop) return false;
        if (!this.producedThisPass) {
          // A loop in which no file gave a sample would spin for ever.
          this.finish('error');
          return false;
        }
        this.producedThisPass = false;
        this.next = 0;
      }
      const index = this.next++;
      try {
        const src = this.open(this.files[index]);
        this.source = src;
        this.sourceIndex = index;
        this.consumed = 0;
        this.emitted = 0;
        if (src.sampleRate === this.rate) {
          this.resampler = undefined;
          this.toDrop = 0;
        } else {
          this.resampler = this.resamplerFor(src.sampleRate);
          this.resampler.reset();
          this.toDrop = this.resampler.delay;
        }
        return true;
      } catch (e) {
        this.report(index, e);
      }
    }
  }

  /** Reads and converts one chunk of the current file, or ends it. */
  private pump(): void {
    const src = this.source!;
    const n = src.readSamples(this.input, this.scratch);
    if (n > 0) {
      this.consumed += n;
      this.producedThisPass = true;
      this.push(this.input, n, Infinity);
      return;
    }
    if (this.continuous && this.consumed > 0) {
      // Seamless loop: the first sample follows the last through the same filter.
      src.rewind();
      this.consumed = 0;
      this.filesPlayed++;
      return;
    }
    this.endFile();
  }

  /** Flushes the resampler's tail, pads the last frame, closes the file. */
  private endFile(): void {
    const src = this.source!;
    if (this.resampler) {
      const target = Math.floor((this.consumed * this.rate) / src.sampleRate);
      while (this.emitted < target) this.push(ZEROS, ZEROS.length, target);
    }
    const pad = (this.frameSamples - (this.emitted % this.frameSamples)) % this.frameSamples;
    if (pad > 0 && this.emitted > 0) {
      this.compact();
      this.fifo.fill(0, this.fifoStart + this.fifoLen, this.fifoStart + this.fifoLen + pad);
      this.fifoLen += pad;
    }
    this.closeSource();
    this.filesPlayed++;
  }

  /** Converts n input samples and appends them, dropping the filter delay, up to `limit` for this file. */
  private push(input: Int16Array, n: number, limit: number): void {
    let data = input;
    let count = n;
    if (this.resampler) {
      const view = n === input.length ? input : input.subarray(0, n);
      count = this.resampler.process(view, this.converted);
      data = this.converted;
    }
    let from = 0;
    if (this.toDrop > 0) {
      from = Math.min(this.toDrop, count);
      this.toDrop -= from;
    }
    let take = count - from;
    if (this.emitted + take > limit) take = Math.max(0, limit - this.emitted);
    if (take === 0) return;
    this.compact();
    this.fifo.set(data.subarray(from, from + take), this.fifoStart + this.fifoLen);
    this.fifoLen += take;
    this.emitted += take;
  }

  /** Moves the FIFO's content to the front of its buffer. */
  private compact(): void {
    if (this.fifoStart === 0) return;
    this.fifo.copyWithin(0, this.fifoStart, this.fifoStart + this.fifoLen);
    this.fifoStart = 0;
  }

  private resamplerFor(rate: SampleRate): Resampler {
    let r = this.resamplers.get(rate);
    if (!r) {
      r = new Resampler(rate, this.rate);
      this.resamplers.set(rate, r);
    }
    return r;
  }

  /** A file failed while playing: what it gave stays (padded to the frame), the rest is skipped. */
  private fail(e: unknown): void {
    const index = this.sourceIndex;
    const pad = (this.frameSamples - (this.emitted % this.frameSamples)) % this.frameSamples;
    if (pad > 0 && this.emitted > 0) {
      this.compact();
      this.fifo.fill(0, this.fifoStart + this.fifoLen, this.fifoStart + this.fifoLen + pad);
      this.fifoLen += pad;
    }
    this.closeSource();
    this.report(index, e);
  }

  private report(index: number, e: unknown): void {
    const failure: PromptFileFailure = {
      index,
      path: this.files[index],
      code: e instanceof WavError ? e.code : 'internal',
      message: e instanceof Error ? e.message : String(e),
    };
    this.failures.push(failure);
    this.opts.onFileError?.(failure);
  }

  private closeSource(): void {
    const src = this.source;
    this.source = undefined;
    if (!src) return;
    try {
      src.close();
    } catch {
      // Closing a descriptor we own cannot usefully fail; nothing to keep.
    }
  }

  private finish(reason: PlayedReason): void {
    if (this.ended) return;
    this.closeSource();
    this.fifoLen = 0;
    this.ended = { reason, filesPlayed: this.filesPlayed, framesPlayed: this.framesPlayed, failures: [...this.failures] };
    this.opts.onPlayed?.(this.ended);
  }
}
