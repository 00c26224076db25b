/**
 * The 20 ms clock of a media worker: ONE timer per worker drives every session that
 * decodes (transcoding today; mixing and playback later), never one timer per call.
 * Each wake runs the frames that are due by the monotonic clock, so timer jitter does
 * not drift the media clock; a worker that falls more than a few frames behind skips
 * them (counted) instead of bursting. The timer runs only while a session needs it.
 */

export interface PacerTimers {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface Paced {
  /** One frame of work; must not throw (the pacer reports a throw and goes on). */
  tick(): void;
}

export const FRAME_MS = 20;
/** Frames run back to back on one wake before the rest are skipped. */
const MAX_CATCH_UP = 5;
/** A frame run later than this after its due time counts as late. */
const LATE_MS = FRAME_MS / 2;

export const realTimers: PacerTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class FramePacer {
  private readonly members = new Set<Paced>();
  private timer: unknown;
  private due = 0;
  /** Frames run, frames run late, frames skipped. */
  frames = 0;
  late = 0;
  skipped = 0;

  constructor(
    private readonly timers: PacerTimers = realTimers,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  get size(): number {
    return this.members.size;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  add(p: Paced): void {
    this.members.add(p);
    if (this.timer === undefined) {
      this.due = this.timers.now() + FRAME_MS;
      this.schedule();
    }
  }

  remove(p: Paced): void {
    this.members.delete(p);
    if (this.members.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Run the frames due by now; public so that tests can drive it with a fake clock. */
  wake(): void {
    this.timer = undefined;
    const now = this.timers.now();
    let runs = 0;
    while (now >= this.due && runs < MAX_CATCH_UP) {
      if (now - this.due > LATE_MS) this.late++;
      this.frames++;
      runs++;
      for (const p of this.members) {
        try {
          p.tick();
        } catch (err) {
          this.onError(err);
        }
      }
      this.due += FRAME_MS;
    }
    if (now >= this.due) {
      // Too far behind (a stalled loop): skip to now rather than burst the backlog.
      const behind = Math.floor((now - this.due) / FRAME_MS) + 1;
      this.skipped += behind;
      this.due += behind * FRAME_MS;
    }
    if (this.members.size > 0) this.schedule();
  }

  private schedule(): void {
    this.timer = this.timers.setTimeout(() => this.wake(), Math.max(0, this.due - this.timers.now()));
  }
}
