/**
 * The live side of one queue of one tenant: the callers waiting in order of arrival, who
 * of them is being offered to agents now, the per-agent history of this queue (last call
 * ended, calls answered: the leastrecent and fewestcalls strategies read it), the round
 * robin position, and the statistics. Waiters sleep on waitChange() and are woken by
 * wake() (an agent freed, a caller left) or by their own deadline on the injected clock.
 */
import type { Clock, TimerHandle } from '../../util/clock.js';

export interface Waiter {
  readonly id: number;
  readonly joinedAt: number;
  /** Being offered to agents now. */
  ringing: boolean;
}

export interface QueueStats {
  /** Callers waiting now. */
  waiting: number;
  /** Longest wait of a caller waiting now (s). */
  longestWaitSeconds: number;
  /** Callers that joined (since start). */
  offered: number;
  answered: number;
  /** Hung up while waiting. */
  abandoned: number;
  /** Sent to the overflow destination (queue full, max wait, nobody to answer). */
  overflowed: number;
  /** Answered within serviceLevelSeconds. */
  answeredWithinServiceLevel: number;
  /** answeredWithinServiceLevel / (answered + abandoned), 0-1; 1 with no calls yet. */
  serviceLevel: number;
  /** Mean wait of answered calls (s). */
  averageWaitSeconds: number;
}

export class QueueRuntime {
  private readonly waiters: Waiter[] = [];
  private sleepers = new Set<() => void>();
  private nextId = 1;
  /** Member order of the agent roundrobin picked last. */
  lastOrder: number | undefined;
  readonly lastEndedAt = new Map<string, number>();
  readonly answeredBy = new Map<string, number>();
  private offered = 0;
  private answered = 0;
  private abandoned = 0;
  private overflowed = 0;
  private withinSl = 0;
  private waitMsTotal = 0;

  constructor(private readonly clock: Clock) {}

  get length(): number {
    return this.waiters.length;
  }

  join(): Waiter {
    const w: Waiter = { id: this.nextId++, joinedAt: this.clock.now(), ringing: false };
    this.waiters.push(w);
    this.offered++;
    return w;
  }

  /** 1-based position of a waiting caller; 0 when it is not waiting. */
  position(w: Waiter): number {
    return this.waiters.indexOf(w) + 1;
  }

  /** A caller may be offered to agents when every caller ahead of it is being offered already (first come, first served). */
  mayRing(w: Waiter): boolean {
    for (const o of this.waiters) {
      if (o === w) return true;
      if (!o.ringing) return false;
    }
    return false;
  }

  /** The caller was answered by `ext` after waiting (counted within the service level or not). */
  recordAnswer(w: Waiter, ext: string, serviceLevelSeconds: number): void {
    const waited = this.clock.now() - w.joinedAt;
    this.answered++;
    this.waitMsTotal += waited;
    if (waited <= serviceLevelSeconds * 1000) this.withinSl++;
    this.answeredBy.set(ext, (this.answeredBy.get(ext) ?? 0) + 1);
    this.remove(w);
  }

  abandon(w: Waiter): void {
    if (this.remove(w)) this.abandoned++;
  }

  /** Sent elsewhere; `w` undefined: refused before joining (full, empty). */
  overflow(w: Waiter | undefined): void {
    if (w) this.remove(w);
    this.overflowed++;
  }

  agentCallEnded(ext: string): void {
    this.lastEndedAt.set(ext, this.clock.now());
  }

  private remove(w: Waiter): boolean {
    const i = this.waiters.indexOf(w);
    if (i < 0) return false;
    this.waiters.splice(i, 1);
    this.wake();
    return true;
  }

  /** Everyone waiting re-checks. */
  wake(): void {
    const s = this.sleepers;
    this.sleepers = new Set();
    for (const f of s) f();
  }

  /** Sleeps until wake() or the clock reaches `until` (ms since epoch; Infinity: no deadline). */
  waitChange(until: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const done = () => {
        this.clock.clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      this.sleepers.add(done);
      if (Number.isFinite(until)) timer = this.clock.setTimeout(done, Math.max(0, until - this.clock.now()));
    });
  }

  stats(): QueueStats {
    const now = this.clock.now();
    const longest = this.waiters.reduce((m, w) => Math.max(m, now - w.joinedAt), 0);
    const closed = this.answered + this.abandoned;
    return {
      waiting: this.waiters.length,
      longestWaitSeconds: Math.floor(longest / 1000),
      offered: this.offered,
      answered: this.answered,
      abandoned: this.abandoned,
      overflowed: this.overflowed,
      answeredWithinServiceLevel: this.withinSl,
      serviceLevel: closed === 0 ? 1 : this.withinSl / closed,
      averageWaitSeconds: this.answered === 0 ? 0 : Math.round(this.waitMsTotal / this.answered / 100) / 10,
    };
  }
}
