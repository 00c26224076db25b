import type { Clock, TimerHandle } from '../../util/clock.js';
import { SipError } from '../../util/errors.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { formatSessionExpires, MIN_SE_FLOOR, readSessionTimerHeaders, type RefresherParam } from './session-expires.js';
import { sipError } from '../message/reason-phrases.js';

/**
 * RFC 4028 session timers, as a UA on each leg of a B2BUA: what to put in our INVITE and
 * in our 2xx, what the peer's 2xx decided, when to refresh and when to give up. The
 * functions are pure; SessionTimer runs the two timers of one dialog on a Clock.
 *
 * The refresher parameter on the wire names the UAC or UAS *of the transaction that
 * carries it*; here it is turned into 'local' or 'remote' at once, so that a dialog's
 * refresher keeps its meaning whichever side sends the next re-INVITE or UPDATE.
 */

/**
 * - refuse: no session timers; a request that requires them gets 420.
 * - accept: run them when the peer asks (a Session-Expires in its request or our 2xx);
 *   our INVITE only says Supported: timer.
 * - originate: also ask for them in our INVITE and add them to our 2xx when the peer
 *   did not, so that a leg whose phone vanished is found and ended.
 */
export type SessionTimerMode = 'refuse' | 'accept' | 'originate';

export type Refresher = 'local' | 'remote';

export interface SessionTimerPolicy {
  mode: SessionTimerMode;
  /** Seconds we ask for and the most we grant (RFC 4028 §4 recommends 1800). */
  sessionExpires: number;
  /** The shortest interval we accept, never below 90 (§5). */
  minSE: number;
  /** Who refreshes when the peer supports timers and leaves the choice to us (as UAS). */
  preferRefresher: Refresher;
}

/** The longest interval we run, whatever a peer says: a day, well inside setTimeout's range. */
export const MAX_SESSION_INTERVAL = 86_400;

export const DEFAULT_SESSION_TIMER_POLICY: Readonly<SessionTimerPolicy> = Object.freeze({
  mode: 'originate',
  sessionExpires: 1800,
  minSE: MIN_SE_FLOOR,
  preferRefresher: 'remote',
});

/** A policy with defaults filled in and bounds applied: 90 <= minSE <= sessionExpires <= a day. */
export function sessionTimerPolicy(p: Partial<SessionTimerPolicy> = {}): SessionTimerPolicy {
  const d = DEFAULT_SESSION_TIMER_POLICY;
  const minSE = clamp(seconds(p.minSE, d.minSE), MIN_SE_FLOOR, MAX_SESSION_INTERVAL);
  const sessionExpires = clamp(seconds(p.sessionExpires, d.sessionExpires), minSE, MAX_SESSION_INTERVAL);
  return { mode: p.mode ?? d.mode, sessionExpires, minSE, preferRefresher: p.preferRefresher ?? d.preferRefresher };
}

/** A session timer both ends agreed on for a dialog. */
export interface NegotiatedTimer {
  /** Seconds. */
  interval: number;
  refresher: Refresher;
}

type Headers = Array<[string, string]>;

/** Our session interval and Min-SE, as offered; raised after a 422 (sessionTimerRetry). */
export interface SessionTimerOffer {
  interval: number;
  minSE: number;
}

/**
 * Headers for our initial INVITE (RFC 4028 §7.1): Supported: timer, and in originate mode
 * Session-Expires and Min-SE. The refresher is left out, as §7.1 recommends, so the UAS
 * chooses. `offer` (after a 422) sets the interval and Min-SE, in accept mode too: the
 * retry must carry them.
 */
export function sessionTimerOfferHeaders(policy: SessionTimerPolicy, offer?: SessionTimerOffer): Headers {
  if (policy.mode === 'refuse') return [];
  const headers: Headers = [['Supported', 'timer']];
  if (policy.mode === 'originate' || offer !== undefined) {
    const minSE = Math.max(policy.minSE, offer?.minSE ?? 0);
    const interval = Math.max(minSE, offer?.interval ?? policy.sessionExpires);
    headers.push(['Session-Expires', String(interval)], ['Min-SE', String(minSE)]);
  }
  return headers;
}

/**
 * After a 422 to our INVITE or refresh `request` (RFC 4028 §7.1, §6): the interval and
 * Min-SE to retry with (pass them to sessionTimerOfferHeaders), both the 422's Min-SE.
 * Undefined when the 422 has no usable Min-SE, or asks for no more than we offered
 * (retrying would loop), or for more than a day.
 */
export function sessionTimerRetry(request: SipRequest, response: SipResponse): SessionTimerOffer | undefined {
  if (response.status !== 422) return undefined;
  const ours = readSessionTimerHeaders(request);
  const min = readSessionTimerHeaders(response).minSE;
  if (min === undefined || min > MAX_SESSION_INTERVAL) return undefined;
  if (ours.sessionExpires !== undefined && min <= ours.sessionExpires.interval) return undefined;
  return { interval: min, minSE: Math.max(min, ours.minSE ?? MIN_SE_FLOOR) };
}

/**
 * The timer a 2xx to our INVITE, re-INVITE or UPDATE sets up (RFC 4028 §7.2), or
 * undefined for none. A Session-Expires in the 2xx decides: its refresher `uac` is us,
 * `uas` the peer (absent, which §7.2 does not allow, reads as us: refreshing is always
 * safe). Without one, if our request asked for a timer, the UAS does not support them
 * and we run the timer alone as refresher with the interval we asked for. The interval
 * is bounded: never above what we asked for (the UAS may only lower it, §9), never
 * below 90 s, never above a day.
 */
export function sessionTimerFromResponse(request: SipRequest, response: SipResponse): NegotiatedTimer | undefined {
  const asked = readSessionTimerHeaders(request).sessionExpires?.interval;
  const se = readSessionTimerHeaders(response).sessionExpires;
  if (se !== undefined) {
    const interval = clamp(Math.min(se.interval, asked ?? MAX_SESSION_INTERVAL), MIN_SE_FLOOR, MAX_SESSION_INTERVAL);
    return { interval, refresher: se.refresher === 'uas' ? 'remote' : 'local' };
  }
  if (asked !== undefined) return { interval: clamp(asked, MIN_SE_FLOOR, MAX_SESSION_INTERVAL), refresher: 'local' };
  return undefined;
}

/** What to do with the session timer part of a received INVITE, re-INVITE or UPDATE. */
export type SessionTimerAnswer =
  /** Answer with error.status (422 with Min-SE, 420 with Unsupported) and error.headers. */
  | { kind: 'reject'; error: SipError }
  /** Put `headers` in the 2xx; once it is sent, run `timer` (undefined: no timer). */
  | { kind: 'accept'; timer: NegotiatedTimer | undefined; headers: Headers };

/**
 * RFC 4028 §9, our side as UAS of a session refresh request (the initial INVITE, a
 * re-INVITE or an UPDATE). `current` is the dialog's running timer, kept across a
 * refresh that does not restate it.
 *
 * - A Session-Expires below our Min-SE from a UAC that supports timers: 422 with our
 *   Min-SE (§6, §9). A UAC that does not support them could not read a 422, so its
 *   interval (which a proxy put there) is raised to our minimum instead.
 * - The interval is the requested one lowered to ours, but never below the request's
 *   Min-SE (default 90) nor ours (§9). Without a Session-Expires in the request, a
 *   timer still runs in originate mode, or when one is running: the current interval,
 *   or ours.
 * - The refresher is the request's choice when it made one; ours (preferRefresher, or
 *   the current one) when it supports timers and left it to us; always us when it does
 *   not support them (§9: it could not refresh).
 * - The 2xx carries Session-Expires with the refresher, and Require: timer when the UAC
 *   refreshes (MUST) or supports timers (SHOULD).
 */
export function answerSessionTimer(req: SipRequest, policy: SessionTimerPolicy, current?: NegotiatedTimer): SessionTimerAnswer {
  const h = readSessionTimerHeaders(req);
  if (policy.mode === 'refuse') {
    // RFC 3261 §8.2.2.3: an extension we do not support is required: 420 with Unsupported.
    if (h.required) return { kind: 'reject', error: sipError(420, { headers: [['Unsupported', 'timer']] }) };
    return { kind: 'accept', timer: undefined, headers: [] };
  }
  const asked = h.sessionExpires;
  if (asked === undefined && policy.mode !== 'originate' && current === undefined) return { kind: 'accept', timer: undefined, headers: [] };
  if (asked !== undefined && asked.interval < policy.minSE && h.supported) {
    return {
      kind: 'reject',
      error: sipError(422, { headers: [['Min-SE', String(policy.minSE)]], detail: `Session-Expires ${asked.interval} < ${policy.minSE}` }),
    };
  }
  const lower = Math.max(policy.minSE, h.minSE ?? MIN_SE_FLOOR);
  const wanted = asked !== undefined ? Math.min(asked.interval, policy.sessionExpires) : (current?.interval ?? policy.sessionExpires);
  const interval = clamp(Math.max(lower, wanted), MIN_SE_FLOOR, MAX_SESSION_INTERVAL);
  let refresher: Refresher;
  if (!h.supported) refresher = 'local';
  else if (asked?.refresher !== undefined) refresher = asked.refresher === 'uac' ? 'remote' : 'local';
  else refresher = current?.refresher ?? policy.preferRefresher;
  const headers: Headers = [['Session-Expires', formatSessionExpires({ interval, refresher: refresher === 'remote' ? 'uac' : 'uas' })]];
  if (h.supported) headers.push(['Require', 'timer']);
  return { kind: 'accept', timer: { interval, refresher }, headers };
}

/**
 * Headers for a re-INVITE or UPDATE we send in a dialog with a running timer (RFC 4028
 * §7.4): the current interval, the refresher as it stands (uac when it is us, who send
 * this request; uas when the peer refreshes), and our Min-SE.
 */
export function sessionTimerRefreshHeaders(timer: NegotiatedTimer, minSE: number = MIN_SE_FLOOR): Headers {
  const refresher: RefresherParam = timer.refresher === 'local' ? 'uac' : 'uas';
  return [
    ['Supported', 'timer'],
    ['Session-Expires', formatSessionExpires({ interval: timer.interval, refresher })],
    ['Min-SE', String(Math.min(Math.max(minSE, MIN_SE_FLOOR), timer.interval))],
  ];
}

/**
 * RFC 4028 §10: a refresh that times out or gets 408 or 481 ends the session (send BYE);
 * any other failure leaves it as it was, running until it expires.
 */
export function refreshFailureEndsSession(status: number): boolean {
  return status === 408 || status === 481;
}

/** RFC 4028 §10: the refresher refreshes when half the interval has elapsed. */
export function refreshDelayMs(timer: NegotiatedTimer): number {
  return (timer.interval * 1000) / 2;
}

/**
 * When the session is given up for lost, from the last refresh. RFC 4028 §10: the side
 * that does not refresh sends BYE if no refresh came, slightly before the session
 * expires, by the minimum of 32 seconds and one third of the interval. The refresher
 * whose refresh never got a 2xx sends BYE at expiry.
 */
export function expiryDelayMs(timer: NegotiatedTimer): number {
  const s = timer.interval;
  return (timer.refresher === 'local' ? s : s - Math.min(32, s / 3)) * 1000;
}

export interface SessionTimerEvents {
  /** We refresh and half the interval has passed: send a re-INVITE or UPDATE (sessionTimerRefreshHeaders). */
  onRefresh(): void;
  /** No refresh in time: the session is over; send BYE (RFC 4028 §10). The timer is stopped. */
  onExpire(): void;
}

/** setTimeout's limit; intervals are bounded well below it, this is a second fence. */
const MAX_DELAY_MS = 0x7fffffff;

/**
 * The session timer of one dialog. start() after every 2xx to an INVITE or UPDATE sent or
 * received (each is a refresh, §10), with what sessionTimerFromResponse or
 * answerSessionTimer decided; stop() when the dialog ends. Callbacks that throw are
 * logged and do not disturb the timer.
 */
export class SessionTimer {
  private running: NegotiatedTimer | undefined;
  private refreshTimer: TimerHandle | undefined;
  private expireTimer: TimerHandle | undefined;
  private expireAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly events: SessionTimerEvents,
    private readonly logger: Logger = silentLogger,
  ) {}

  /** The timer now running, if any. */
  get current(): NegotiatedTimer | undefined {
    return this.running;
  }

  /** clock.now() at which onExpire will fire, if running. */
  get expiresAt(): number | undefined {
    return this.expireAt;
  }

  /** (Re)start from now; undefined stops it (the last refresh dropped the timer). */
  start(timer: NegotiatedTimer | undefined): void {
    this.stop();
    if (timer === undefined) return;
    this.running = { interval: timer.interval, refresher: timer.refresher };
    if (timer.refresher === 'local') {
      this.refreshTimer = this.clock.setTimeout(() => this.fireRefresh(), Math.min(refreshDelayMs(timer), MAX_DELAY_MS));
    }
    const delay = Math.min(expiryDelayMs(timer), MAX_DELAY_MS);
    this.expireAt = this.clock.now() + delay;
    this.expireTimer = this.clock.setTimeout(() => this.fireExpire(), delay);
  }

  stop(): void {
    this.clock.clearTimeout(this.refreshTimer);
    this.clock.clearTimeout(this.expireTimer);
    this.refreshTimer = undefined;
    this.expireTimer = undefined;
    this.expireAt = undefined;
    this.running = undefined;
  }

  private fireRefresh(): void {
    this.refreshTimer = undefined;
    this.call('onRefresh', () => this.events.onRefresh());
  }

  private fireExpire(): void {
    this.expireTimer = undefined;
    this.stop();
    this.call('onExpire', () => this.events.onExpire());
  }

  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.logger.error('session timer callback threw', { callback: what, error: e });
    }
  }
}

function seconds(v: number | undefined, fallback: number): number {
  return v !== undefined && Number.isFinite(v) ? Math.floor(v) : fallback;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
