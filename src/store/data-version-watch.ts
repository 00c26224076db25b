/** Ends the current tick: fn runs once the event loop has moved on (default: setImmediate, unref'd). */
export type TickScheduler = (fn: () => void) => void;

const nextTick: TickScheduler = (fn) => {
  setImmediate(fn).unref();
};

/**
 * Watches `PRAGMA data_version` of one connection: it changes when another connection
 * (an apply in another process, the CLI) commits to the file, never for this connection's
 * own commits. The pragma is asked at most once per event-loop tick, not per request: every
 * message handled in the same tick shares one answer. In-process writers that use another
 * connection make the pool reopen the store (TenantStorePool.reopen), so they never wait
 * for a tick.
 */
export class DataVersionWatch {
  private seen: number;
  private checked = false;

  constructor(
    private readonly read: () => number,
    private readonly schedule: TickScheduler = nextTick,
  ) {
    this.seen = read();
  }

  /** True when another connection committed since the last check that said so. */
  changed(): boolean {
    if (this.checked) return false;
    this.checked = true;
    this.schedule(() => {
      this.checked = false;
    });
    const v = this.read();
    if (v === this.seen) return false;
    this.seen = v;
    return true;
  }
}
