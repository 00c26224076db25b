import { systemClock, type Clock } from './clock.js';

/**
 * A clock's offset from the system time (Date.now()), in whole milliseconds, in shared
 * memory: a clock that reads the system time plus an offset which may change (a settable
 * clock: the tests' simulated dates) keeps that offset here, and another thread that reads
 * the same cell (offsetClock) reads the same time at every instant, with no message to wait
 * for. The server's SIP front threads stamp their digest nonces this way, so the main
 * thread, which checks them on its own clock, never finds them dated elsewhere.
 */
export class SharedClockOffset {
  /** 8 bytes: one BigInt64, read and written with Atomics. */
  readonly buffer: SharedArrayBuffer;
  private readonly cell: BigInt64Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    if (buffer.byteLength < 8) throw new RangeError('a clock offset needs 8 bytes of shared memory');
    this.buffer = buffer;
    this.cell = new BigInt64Array(buffer, 0, 1);
  }

  get ms(): number {
    return Number(Atomics.load(this.cell, 0));
  }

  set(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`clock offset must be finite, got ${ms}`);
    Atomics.store(this.cell, 0, BigInt(Math.round(ms)));
  }
}

/**
 * A Clock whose offset from the system time lives in shared memory (SharedClockOffset):
 * another thread builds offsetClock(clock.sharedOffset) and reads the same time.
 */
export interface SharedOffsetClock extends Clock {
  readonly sharedOffset: SharedArrayBuffer;
}

export function hasSharedOffset(clock: Clock): clock is SharedOffsetClock {
  return (clock as Partial<SharedOffsetClock>).sharedOffset instanceof SharedArrayBuffer;
}

/** The system clock moved by the offset in `buffer`, read at every now(); timers are the system's. */
export function offsetClock(buffer: SharedArrayBuffer): Clock {
  const offset = new SharedClockOffset(buffer);
  return { now: () => Date.now() + offset.ms, setTimeout: systemClock.setTimeout, clearTimeout: systemClock.clearTimeout };
}
