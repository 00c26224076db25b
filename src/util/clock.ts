/**
 * Injectable time source. Every timer in the stack goes through a Clock so that
 * tests can run RFC 3261 timers (which span 32 s) in microseconds with FakeClock.
 */
export interface TimerHandle {
  /** Opaque; only meaningful to the clock that created it. */
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

class SystemTimer implements TimerHandle {
  constructor(readonly id: number, readonly inner: NodeJS.Timeout) {}
}

let systemTimerSeq = 0;

/** The real clock. Timers are unref'd so that pending timers never keep a stopping process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return new SystemTimer(++systemTimerSeq, t);
  },
  clearTimeout(handle) {
    if (handle instanceof SystemTimer) clearTimeout(handle.inner);
  },
};
