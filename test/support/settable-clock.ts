// A clock for the whole server whose wall time the test sets (a date in March 2026, say),
// while its timers are real ones: the server's SIP timers, media and ring timers still run
// at real speed, only now() reads the test's date plus the real time elapsed since it was set.
// Its offset lives in shared memory (src/util/shared-clock-offset.ts), so the server's SIP
// front threads read the same date at every instant.
import { systemClock, type TimerHandle } from '../../src/util/clock.js';
import { SharedClockOffset, type SharedOffsetClock } from '../../src/util/shared-clock-offset.js';

export class SettableClock implements SharedOffsetClock {
  private readonly offset = new SharedClockOffset();

  get sharedOffset(): SharedArrayBuffer {
    return this.offset.buffer;
  }

  /** From now on now() reads `epochMs` and moves on with real time. */
  set(epochMs: number): void {
    this.offset.set(epochMs - Date.now());
  }

  now(): number {
    return Date.now() + this.offset.ms;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return systemClock.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    systemClock.clearTimeout(handle);
  }
}
