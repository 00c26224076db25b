import type { CallRecorder } from '../b2bua/ports.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** What the checkpoint needs of a tenant: its id and the one write it makes. */
/** Tenants touched per event-loop turn. */
const SLICE = 100;

export interface CheckpointTenant {
  readonly id: string;
  readonly store: { touchActiveCalls(at: number): number };
}

export interface CallCheckpointOptions {
  clock: Clock;
  logger: Logger;
  /** How often the active-call rows of tenants with calls up are touched. */
  intervalMs: number;
}

/**
 * Keeps the active-call rows' updatedAt within intervalMs of now, so that a call the
 * process was killed in the middle of is billed up to its last checkpoint (crashedCdr
 * ends it at max(updatedAt, answeredAt)) instead of at its answer time (issue 16,
 * finding 10e). One UPDATE per tenant with calls up per interval, nothing for the others.
 */
export class CallCheckpoint {
  private readonly live = new Map<string, { tenant: CheckpointTenant; calls: Set<string> }>();
  private timer: TimerHandle | undefined;
  private running = false;
  private failing = new Set<string>();

  constructor(private readonly o: CallCheckpointOptions) {}

  /** Wraps each call's recorder so that the checkpoint knows which tenants have calls up. */
  wrap<T extends CheckpointTenant>(inner: (tenant: T) => CallRecorder): (tenant: T) => CallRecorder {
    return (tenant) => {
      const r = inner(tenant);
      return {
        started: (rec) => {
          r.started(rec);
          let e = this.live.get(tenant.id);
          if (!e) this.live.set(tenant.id, (e = { tenant, calls: new Set() }));
          e.calls.add(rec.callId);
        },
        answered: (callId, at) => r.answered(callId, at),
        ended: (rec) => {
          const e = this.live.get(tenant.id);
          if (e?.calls.delete(rec.callId) && e.calls.size === 0) this.live.delete(tenant.id);
          r.ended(rec);
        },
      };
    };
  }

  /** Tenants with calls up (for tests and stats). */
  get tenantsWithCalls(): number {
    return this.live.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Touch every tenant with calls up now, in one go (tests; the timer spreads it in slices). */
  checkpoint(): void {
    this.touch([...this.live.values()].map((e) => e.tenant));
  }

  /**
   * One round: a tenant's touch is one small commit (about 50-110 us, bench/checkpoint),
   * so a round over many tenants is cut into slices that yield to the event loop between
   * them, and SIP traffic is never held up for long.
   */
  private schedule(): void {
    this.timer = this.o.clock.setTimeout(() => {
      if (!this.running) return;
      const queue = [...this.live.values()].map((e) => e.tenant);
      const slice = () => {
        if (!this.running) return;
        this.touch(queue.splice(0, SLICE));
        if (queue.length > 0) this.timer = this.o.clock.setTimeout(slice, 0);
        else this.schedule();
      };
      slice();
    }, this.o.intervalMs);
  }

  /** A failing store is logged once until it recovers; the next round tries again. */
  private touch(tenants: readonly CheckpointTenant[]): void {
    const now = this.o.clock.now();
    for (const tenant of tenants) {
      const id = tenant.id;
      if (!this.live.has(id)) continue; // its last call ended meanwhile
      try {
        tenant.store.touchActiveCalls(now);
        if (this.failing.delete(id)) this.o.logger.info('call checkpoint written again', { tenant: id });
      } catch (e) {
        if (!this.failing.has(id)) this.o.logger.warn('call checkpoint not written', { tenant: id, error: e });
        this.failing.add(id);
      }
    }
  }
}
