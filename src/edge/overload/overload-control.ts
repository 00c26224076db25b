import type { Clock, TimerHandle } from '../../util/clock.js';
import type { OverloadSettings } from './overload-settings.js';

/** How loaded the SIP thread is, as /metrics shows it (pbx_sip_overload_state). */
export type OverloadLevel = 'normal' | 'shedding' | 'severe' | 'dropping';

export const OVERLOAD_LEVEL_VALUE: Readonly<Record<OverloadLevel, number>> = { normal: 0, shedding: 1, severe: 2, dropping: 3 };

/** Why work was shed: the label of pbx_sip_shed_total. */
export type ShedReason =
  /** 503 to a new request without credentials, while the admitted share is below 1. */
  | 'admission'
  /** 503 to a new request with credentials too: lag past severeDelayMs. */
  | 'severe'
  /** A new request dropped unanswered: lag past dropDelayMs. */
  | 'dropped'
  /** A datagram dropped unread: the receive queue was full. */
  | 'queue_full'
  /** 503 because the bound on live server transactions was reached. */
  | 'transactions';

export const SHED_REASONS: readonly ShedReason[] = ['admission', 'severe', 'dropped', 'queue_full', 'transactions'];

/** What the edge knows of a request that matched no transaction. */
export interface NewRequestFacts {
  method: string;
  /** Carries Authorization or Proxy-Authorization: the second half of a challenged exchange, whose first half was already paid for. */
  credentials: boolean;
}

export type ShedVerdict = { action: 'serve' } | { action: 'reject'; retryAfter: number; reason: ShedReason } | { action: 'drop'; reason: ShedReason };

const SERVE: ShedVerdict = Object.freeze({ action: 'serve' });

export interface OverloadControlOptions {
  clock: Clock;
  /** Read at every tick and decision (SIGHUP changes apply at once). */
  settings: () => OverloadSettings;
  /** Uniform in [0, 1); Math.random by default. */
  random?: () => number;
  /** How often the admitted share is adjusted, in ms (default 100). */
  tickMs?: number;
  /** Each shed message, as it is counted (metrics). */
  onShed?: (reason: ShedReason) => void;
  /** After each tick (metrics gauges). */
  onTick?: () => void;
  /**
   * Where the timer's lateness is read, in ms: a monotonic source in the server
   * (performance.now), never the wall clock, which a time step (NTP, or a test's settable
   * clock jumping hours ahead) would turn into hours of "lag" and 503 for everything.
   * Default: clock.now (unit tests drive lateness with a fake clock).
   */
  lagNow?: () => number;
}

/** Share of new requests without credentials still admitted: multiplied by this while lagging... */
const DECREASE = 0.7;
/** ...and raised by this per tick once the lag is under half the threshold again. */
const INCREASE = 0.1;
/** The admitted share at which admission control has done what it can: severe may follow. */
const EXHAUSTED_SHARE = 0.05;
/** A timer must be late this many ticks in a row for its lateness to count as lag. */
const LATE_WINDOW = 3;

/**
 * Overload control of the SIP thread (issue 13, point 4). Load is measured as lag: the
 * age of the oldest UDP datagram waiting to be handled (reported by the transport at
 * each slice, observeDelay), the smallest over each tick's interval, and how late this
 * object's own timer fires (a busy event loop fires timers late, whatever the
 * transport: TCP and TLS), the smallest over three ticks. Both are cheap: a subtraction.
 *
 * The response is loss-based, as in RFC 7415 §5: every tick, a lag at or over
 * shedDelayMs cuts the share of new, credential-less requests that are admitted
 * (multiplicative decrease), a lag under half of it raises the share again (additive
 * increase), so the admitted load settles near what the thread can do instead of
 * oscillating between all and nothing. The refused ones get 503 with Retry-After (RFC
 * 3261 §21.5.4), which ends their client transaction at once: a dropped UDP request
 * would be retransmitted up to ten times and come back as new work. When the share is
 * down to almost nothing and the lag still reaches severeDelayMs, credentials no longer
 * help; when that is not enough either and it reaches dropDelayMs, nothing new is even
 * answered.
 *
 * Never shed, by the caller's order of checks: retransmissions (absorbed by their
 * transaction), ACK, CANCEL and requests inside a dialog.
 */
export class OverloadControl {
  private readonly random: () => number;
  private readonly tickMs: number;
  private timer: TimerHandle | undefined;
  private expectedAt = 0;
  /** Smallest queue delay observed since the last tick (undefined: none observed: no queue). */
  private minDelay: number | undefined;
  /** The timer's lateness at the last LATE_WINDOW ticks. */
  private readonly late: number[] = [];
  private lastDelay = 0;
  private share = 1;
  private severe = false;
  private dropping = false;
  private readonly shed = new Map<ShedReason, number>(SHED_REASONS.map((r) => [r, 0]));

  constructor(private readonly o: OverloadControlOptions) {
    this.random = o.random ?? Math.random;
    this.tickMs = o.tickMs ?? 100;
  }

  start(): void {
    if (this.timer) return;
    this.schedule();
  }

  stop(): void {
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * A lag measured elsewhere: the age of the receive queue's oldest datagram when a slice
   * starts, and 0 whenever the queue runs empty, in ms.
   */
  observeDelay(ms: number): void {
    if (this.minDelay === undefined || ms < this.minDelay) this.minDelay = ms;
  }

  /** One adjustment; called by the timer, public for tests that drive it by hand. */
  tick(lateMs = 0): void {
    const s = this.o.settings();
    // As CoDel (RFC 8289 §3.2), the smallest delay over an interval: a standing queue, the
    // mark of work arriving faster than it is done. A burst, a GC pause or the OS running
    // someone else for a while makes a peak that drains by itself and is not shed for.
    this.late.push(lateMs);
    if (this.late.length > LATE_WINDOW) this.late.shift();
    const persistentLate = this.late.length < LATE_WINDOW ? 0 : Math.min(...this.late);
    const delay = Math.max(this.minDelay ?? 0, persistentLate);
    this.minDelay = undefined;
    this.lastDelay = delay;
    if (!s.enabled) {
      this.share = 1;
      this.severe = this.dropping = false;
      return;
    }
    if (s.shedDelayMs === 0) this.share = 0;
    else if (delay >= s.shedDelayMs) this.share *= DECREASE;
    else if (delay < s.shedDelayMs / 2) this.share = this.share + INCREASE > 1 - 1e-9 ? 1 : this.share + INCREASE;
    // Escalate only once the milder step has done all it can: refusing a request with
    // credentials wastes the challenge already sent for it, and dropping makes UDP
    // clients retransmit. A lag that is not work of ours (the OS running others) would
    // otherwise turn away the very requests that complete registrations and calls.
    const wasSevere = this.severe;
    this.severe = hysteresis(this.severe, delay, s.severeDelayMs, this.share <= EXHAUSTED_SHARE);
    this.dropping = hysteresis(this.dropping, delay, s.dropDelayMs, wasSevere && this.severe);
  }

  level(): OverloadLevel {
    const s = this.o.settings();
    if (!s.enabled) return 'normal';
    if (this.dropping) return 'dropping';
    if (this.severe) return 'severe';
    return this.shareNow(s) < 1 ? 'shedding' : 'normal';
  }

  /** Share of new credential-less requests admitted now, 0..1. */
  admittedShare(): number {
    return this.shareNow(this.o.settings());
  }

  /** The lag measured at the last tick, in ms. */
  lagMs(): number {
    return this.lastDelay;
  }

  /** What to do with a request that matched no transaction and belongs to no dialog. */
  decide(req: NewRequestFacts): ShedVerdict {
    const s = this.o.settings();
    if (!s.enabled) return SERVE;
    if (this.dropping) return { action: 'drop', reason: 'dropped' };
    // An OPTIONS to the server is answered statelessly, as cheap as a 503; and a 503 would
    // make phones' and trunks' keep-alive monitors declare us dead and fail over or
    // re-register: more load, not less.
    if (req.method === 'OPTIONS') return SERVE;
    if (this.severe) return this.reject(req, 'severe');
    const share = this.shareNow(s);
    if (share >= 1 || req.credentials) return SERVE;
    if (share > 0 && this.random() < share) return SERVE;
    return this.reject(req, 'admission');
  }

  /** Count a shed message (the caller acted on a verdict, or shed for a reason of its own). */
  count(reason: ShedReason): void {
    this.shed.set(reason, (this.shed.get(reason) ?? 0) + 1);
    this.o.onShed?.(reason);
  }

  /** Messages shed so far, by reason. */
  shedCounts(): ReadonlyMap<ShedReason, number> {
    return this.shed;
  }

  /** A threshold of 0 (drain) applies at once, not at the next tick: a SIGHUP takes effect for the very next request. */
  private shareNow(s: OverloadSettings): number {
    return s.shedDelayMs === 0 ? 0 : this.share;
  }

  private reject(req: NewRequestFacts, reason: ShedReason): ShedVerdict {
    const s = this.o.settings();
    let retryAfter = s.retryAfterSeconds;
    if (req.method === 'REGISTER' && s.registerRetryAfterMaxSeconds > s.retryAfterSeconds) {
      // Phones told "come back in 5 s" all at once come back at once: spread them.
      retryAfter += Math.floor(this.random() * (s.registerRetryAfterMaxSeconds - s.retryAfterSeconds + 1));
    }
    return { action: 'reject', retryAfter, reason };
  }

  private schedule(): void {
    const now = this.o.lagNow ?? (() => this.o.clock.now());
    this.expectedAt = now() + this.tickMs;
    this.timer = this.o.clock.setTimeout(() => {
      this.tick(Math.max(0, now() - this.expectedAt));
      this.schedule();
      this.o.onTick?.();
    }, this.tickMs);
  }
}

/** On at or over the threshold (when allowed to turn on), off again only under half of it (so it does not flap). */
function hysteresis(on: boolean, delay: number, threshold: number, mayTurnOn: boolean): boolean {
  if (delay >= threshold && (on || mayTurnOn)) return true;
  return on && delay >= threshold / 2;
}
