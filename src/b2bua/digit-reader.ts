/**
 * The digits a caller types on an application's leg, and reading them the way an IVR or a
 * voicemail menu does (AppChannel.readDigits): up to `max` digits, a wait for the first
 * digit, a wait between digits, and keys that end the input. Digits typed while nothing
 * reads are kept (type-ahead, and a barge-in digit), up to a bound: a DTMF flood cannot grow
 * the queue. Pure: time comes from the injected clock.
 */
import type { Clock, TimerHandle } from '../util/clock.js';

export interface DigitReadOptions {
  max: number;
  firstMs: number;
  interMs: number;
  terminators?: string;
}

export interface DigitReadResult {
  digits: string;
  terminator?: string;
  timedOut: boolean;
  hangup: boolean;
}

/** Digits kept while nobody reads; the ones after that are dropped (a flood). */
export const MAX_QUEUED_DIGITS = 64;
/** No read waits for more digits than this, whatever an application asks. */
export const MAX_READ_DIGITS = 128;

const DIGIT_RE = /^[0-9*#A-D]$/;

interface Reading {
  opts: DigitReadOptions;
  digits: string;
  timer: TimerHandle | undefined;
  resolve(r: DigitReadResult): void;
}

export class DigitReader {
  private queue: string[] = [];
  private reading: Reading | undefined;
  private closed = false;
  /** Digits dropped because the queue was full. */
  dropped = 0;

  constructor(private readonly clock: Clock) {}

  /** A digit from the caller's leg (RFC 4733, SIP INFO or in-band); anything else is ignored. */
  push(digit: string): void {
    if (this.closed || !DIGIT_RE.test(digit)) return;
    if (this.reading) {
      this.take(this.reading, digit);
      return;
    }
    if (this.queue.length >= MAX_QUEUED_DIGITS) {
      this.dropped++;
      return;
    }
    this.queue.push(digit);
  }

  /** Forget what was typed and not read. */
  flush(): void {
    this.queue = [];
  }

  get pending(): number {
    return this.queue.length;
  }

  /** One read at a time: a second read while one waits ends the first as timed out. */
  read(opts: DigitReadOptions): Promise<DigitReadResult> {
    if (this.reading) this.finish(this.reading, { timedOut: true });
    const o: DigitReadOptions = {
      max: Math.max(1, Math.min(MAX_READ_DIGITS, Math.floor(opts.max) || 1)),
      firstMs: Math.max(0, opts.firstMs),
      interMs: Math.max(0, opts.interMs),
      ...(opts.terminators !== undefined ? { terminators: opts.terminators } : {}),
    };
    return new Promise((resolve) => {
      if (this.closed) {
        resolve({ digits: '', timedOut: false, hangup: true });
        return;
      }
      const r: Reading = { opts: o, digits: '', timer: undefined, resolve };
      this.reading = r;
      while (this.queue.length > 0 && this.reading === r) this.take(r, this.queue.shift()!);
      if (this.reading !== r) return;
      if (r.digits.length === 0 && o.firstMs === 0) {
        this.finish(r, { timedOut: true });
        return;
      }
      this.arm(r);
    });
  }

  /** The caller hung up: a waiting read ends with hangup, later reads at once. */
  close(): void {
    this.closed = true;
    this.queue = [];
    if (this.reading) this.finish(this.reading, { hangup: true });
  }

  private take(r: Reading, digit: string): void {
    if (r.opts.terminators?.includes(digit)) {
      this.finish(r, { terminator: digit });
      return;
    }
    r.digits += digit;
    if (r.digits.length >= r.opts.max) {
      this.finish(r, {});
      return;
    }
    this.arm(r);
  }

  private arm(r: Reading): void {
    this.clock.clearTimeout(r.timer);
    const ms = r.digits.length === 0 ? r.opts.firstMs : r.opts.interMs;
    r.timer = this.clock.setTimeout(() => {
      if (this.reading === r) this.finish(r, { timedOut: true });
    }, ms);
  }

  private finish(r: Reading, how: { terminator?: string; timedOut?: boolean; hangup?: boolean }): void {
    this.clock.clearTimeout(r.timer);
    if (this.reading === r) this.reading = undefined;
    r.resolve({ digits: r.digits, ...(how.terminator !== undefined ? { terminator: how.terminator } : {}), timedOut: how.timedOut === true, hangup: how.hangup === true });
  }
}
