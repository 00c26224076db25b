// A clock for the whole server whose wall time the test sets (a date in March 2026, say),
// while its timers are real ones: the server's SIP timers, media and ring timers still run
// at real speed, only now() reads the test's date plus the real time elapsed since it was set.
import { systemClock, type Clock, type TimerHandle } from '../../src/util/clock.js';

export class SettableClock implements Clock {
  private offset = 0;

  /** From now on now() reads `epochMs` and moves on with real time. */
  set(epochMs: number): void {
    this.offset = epochMs - Date.now();
  }

  now(): number {
    return Date.now() + this.offset;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return systemClock.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    systemClock.clearTimeout(handle);
  }
}
