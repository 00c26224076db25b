import type { Trunk as TrunkConfig } from '../model/routing-plan.js';
import { viaValue, type LocalVia } from '../sip/dialog/local-via.js';
import { getHeader, getHeaderValues, parseUint } from '../sip/message/headers.js';
import { parseNameAddr } from '../sip/message/name-addr.js';
import type { Header, SipRequest, SipResponse } from '../sip/message/types.js';
import { isSipUri, parseUri, serializeUri } from '../sip/message/uri.js';
import type { ClientTransactionUser } from '../sip/transaction/types.js';
import type { Endpoint, Target, TransportProtocol } from '../sip/transport/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { newCallId, newTag } from '../util/ids.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { answerChallenge } from './challenge-responder.js';
import { PreemptiveAuth } from './preemptive-auth.js';
import { backoffDelayMs, DEFAULT_BACKOFF, refreshDelayMs, type BackoffPolicy } from './register-timing.js';
import { TrunkTargetRefused, type AddressRefusal } from './trunk-target.js';

export type RegistrationStateName = 'idle' | 'registering' | 'registered' | 'failed' | 'stopped';

/** What a registration trunk's client shows of itself (admin API, logs, tests). */
export interface RegistrationState {
  trunk: string;
  state: RegistrationStateName;
  /** Status of the last final response (408 for a timeout); absent after a transport or DNS error. */
  lastStatus?: number;
  /** Why the last attempt failed, or the reason phrase of the last final response. */
  lastReason?: string;
  /** clock.now() at which the binding the registrar granted runs out. */
  expiresAt?: number;
  /** Consecutive failed attempts; 0 once registered. */
  failures: number;
  /** clock.now() at which the next REGISTER (refresh or retry) is due. */
  nextAttemptAt?: number;
}

/** The part of the TransactionLayer a registration uses. */
export interface RegistrationTransactions {
  sendRequest(req: SipRequest, target: Target, user: ClientTransactionUser): unknown;
}

export interface TrunkRegistrationDeps {
  clock: Clock;
  transactions: RegistrationTransactions;
  /** Where the trunk's requests go now (TrunkResolver.target). Rejects when the host cannot be resolved. */
  resolver: {
    target(trunk: TrunkConfig, refuse?: AddressRefusal): Promise<Target>;
    /** RFC 3263: every target in turn (TrunkResolver.targets); absent: target() alone. */
    targets?(trunk: TrunkConfig, refuse?: AddressRefusal): Promise<Target[]>;
    /** A target that answered 503, timed out or was unreachable: passed over for a while. */
    markFailed?(target: Target): void;
  };
  /** Addresses this trunk may not be sent to (a tenant's trunk: src/util/outbound-address-policy.ts). */
  refuse?: AddressRefusal;
  /** TrunkResolver.isFromTrunk: whether a response came from the trunk (only then is a challenge answered). */
  isFromTrunk: (trunk: TrunkConfig, address: string) => boolean;
  /** Our Via for a request leaving over this transport (as B2buaDeps.viaFor). */
  viaFor(protocol: TransportProtocol): LocalVia;
  /** Our Contact URI for this transport (as B2buaDeps.contactFor); its user part is replaced by `contactUser`. */
  contactFor(protocol: TransportProtocol): string;
  logger?: Logger;
  /** [0, 1) like Math.random: the back-off jitter. */
  random?: () => number;
  backoff?: BackoffPolicy;
  /** Where a response came from; default what the edge remembered (response-source.ts). */
  sourceOf?: (res: SipResponse) => Endpoint | undefined;
  /** How long stop() waits for the answer to its un-REGISTER; default 4 s. */
  stopTimeoutMs?: number;
}

export interface TrunkRegistrationOptions {
  /** The user part of our Contact, naming this trunk to inbound requests (see trunkContactUser). */
  contactUser: string;
}

/** The longest Min-Expires (423) we go along with: a day. */
const MAX_MIN_EXPIRES = 86_400;
/** The longest Retry-After we honour, in seconds. */
const MAX_RETRY_AFTER = 3_600;

/**
 * One registration trunk's client (RFC 3261 §10.2): REGISTERs our Contact with the
 * carrier, answers the carrier's digest challenge (only when it really came from the
 * trunk: challenge-responder.ts), refreshes the binding before it runs out (register-
 * timing.ts refreshDelayMs) and retries failures with back-off.
 *
 * Every REGISTER of one TrunkRegistration uses the same Call-ID and From tag, and a
 * CSeq one higher than the last (§10.2.4), challenge answers and the final un-REGISTER
 * included. The first REGISTER goes out without credentials; a 401/407 is answered once,
 * and a second challenge to credentials means they were refused (a failure). Once a
 * challenge was answered and accepted, refreshes carry credentials for its nonce with
 * nc + 1 (preemptive-auth.ts); a 401/407 to those (stale or new nonce) is answered anew.
 *
 * A trunk located by RFC 3263 has several targets: a REGISTER that gets 503, times out
 * or meets a transport error goes to the next one at once (§4.3), and the failed one is
 * passed over for a while; only when every target failed does the back-off start.
 */
export class TrunkRegistration {
  private readonly log: Logger;
  private readonly callId = newCallId();
  private readonly fromTag = newTag();
  private cseq = 0;
  /** Seconds asked for; raised by a 423's Min-Expires. */
  private asked: number;
  private st: RegistrationStateName = 'idle';
  private lastStatus: number | undefined;
  private lastReason: string | undefined;
  private expiresAt: number | undefined;
  private failures = 0;
  private nextAttemptAt: number | undefined;
  private timer: TimerHandle | undefined;
  /** Bumped by every attempt and by stop(): callbacks of an older one are ignored. */
  private generation = 0;
  private inFlight = false;
  private contact: string | undefined;
  private stopping: Promise<void> | undefined;
  private readonly preemptive = new PreemptiveAuth();

  constructor(
    private trunkConfig: TrunkConfig,
    private readonly d: TrunkRegistrationDeps,
    private readonly o: TrunkRegistrationOptions,
  ) {
    this.log = (d.logger ?? silentLogger).child('trunk-register');
    this.asked = sanitizeExpires(trunkConfig.registerExpires);
  }

  get trunk(): TrunkConfig {
    return this.trunkConfig;
  }

  /**
   * Take a new copy of the trunk whose registration fields are unchanged (allowedSources,
   * codecs, maxChannels may differ): used from now on, without registering again.
   */
  replaceTrunk(trunk: TrunkConfig): void {
    this.trunkConfig = trunk;
  }

  /** Send the first REGISTER. Once only; after stop() it does nothing. */
  start(): void {
    if (this.st !== 'idle') return;
    this.st = 'registering';
    this.attempt();
  }

  /**
   * Cancel the timers and, when a binding may exist, remove it (REGISTER with Expires: 0,
   * best effort). Resolves when the registrar answered, or after stopTimeoutMs.
   */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    const hadBinding = this.inFlight || (this.expiresAt !== undefined && this.expiresAt > this.d.clock.now());
    this.generation++;
    this.cancelTimer();
    this.st = 'stopped';
    this.inFlight = false;
    this.expiresAt = undefined;
    this.stopping = hadBinding && this.cseq > 0 ? this.unregister() : Promise.resolve();
    return this.stopping;
  }

  state(): RegistrationState {
    const s: RegistrationState = { trunk: this.trunkConfig.name, state: this.st, failures: this.failures };
    if (this.lastStatus !== undefined) s.lastStatus = this.lastStatus;
    if (this.lastReason !== undefined) s.lastReason = this.lastReason;
    if (this.expiresAt !== undefined) s.expiresAt = this.expiresAt;
    if (this.nextAttemptAt !== undefined) s.nextAttemptAt = this.nextAttemptAt;
    return s;
  }

  // ---- one attempt: REGISTER, maybe a challenge answer, a final response ------------------

  private attempt(): void {
    const gen = ++this.generation;
    this.cancelTimer();
    this.inFlight = true;
    if (this.st !== 'registered') this.st = 'registering';
    const trunk = this.trunkConfig;
    const r = this.d.resolver;
    (r.targets ? r.targets(trunk, this.d.refuse) : r.target(trunk, this.d.refuse).then((t) => [t])).then(
      (targets) => {
        if (gen !== this.generation) return;
        this.sendTo(gen, targets);
      },
      (e: unknown) => {
        if (gen !== this.generation) return;
        this.fail(gen, undefined, e instanceof TrunkTargetRefused ? e.message : `DNS: ${errorText(e)}`);
      },
    );
  }

  /** A REGISTER to the first of `targets`; the rest are the ones to fail over to. */
  private sendTo(gen: number, targets: readonly Target[]): void {
    const [target, ...rest] = targets;
    if (!target) {
      this.fail(gen, undefined, 'no target');
      return;
    }
    let bare: SipRequest;
    try {
      bare = this.buildRegister(target, this.asked);
    } catch (e) {
      this.fail(gen, undefined, `cannot build REGISTER: ${errorText(e)}`);
      return;
    }
    const t = this.trunkConfig;
    const user = t.authUsername ?? t.username;
    const cred = user && t.password ? this.preemptive.headerFor(bare, user, t.password) : undefined;
    const req = cred ? { ...bare, headers: [...bare.headers.slice(0, -1), cred, bare.headers[bare.headers.length - 1]!] } : bare;
    this.send(gen, req, target, false, { rest, ...(cred ? { bare } : {}) });
  }

  /** Goes on with the next target when there is one (RFC 3263 §4.3); true when it did. */
  private failOver(gen: number, target: Target, rest: readonly Target[], why: string): boolean {
    if (gen !== this.generation || this.st === 'stopped') return false;
    this.d.resolver.markFailed?.(target);
    if (rest.length === 0) return false;
    this.log.info('registrar target failed; trying the next', { trunk: this.trunkConfig.name, target: `${target.address}:${target.port}`, why });
    this.sendTo(gen, rest);
    return true;
  }

  private send(gen: number, req: SipRequest, target: Target, answered: boolean, more: { rest: readonly Target[]; bare?: SipRequest; challenge?: SipResponse } = { rest: [] }): void {
    const user: ClientTransactionUser = {
      onResponse: (res) => {
        if (gen !== this.generation || res.status < 200) return;
        this.onFinal(gen, req, res, target, answered, more);
      },
      onTimeout: () => {
        if (!this.failOver(gen, target, more.rest, 'timeout')) this.fail(gen, 408, 'Request Timeout (no answer)');
      },
      onTransportError: (_tx, e) => {
        if (!this.failOver(gen, target, more.rest, 'transport error')) this.fail(gen, undefined, `transport error: ${errorText(e)}`);
      },
    };
    try {
      this.d.transactions.sendRequest(req, target, user);
    } catch (e) {
      this.fail(gen, undefined, `not sent: ${errorText(e)}`);
    }
  }

  private onFinal(gen: number, req: SipRequest, res: SipResponse, target: Target, answered: boolean, more: { rest: readonly Target[]; bare?: SipRequest; challenge?: SipResponse }): void {
    const status = res.status;
    if (status >= 200 && status < 300) {
      // The challenge answered on this REGISTER was accepted: its nonce serves the refreshes.
      if (more.challenge) this.preemptive.remember(more.challenge);
      this.onRegistered(res);
      return;
    }
    if ((status === 401 || status === 407) && !answered) {
      // To credentials sent unasked: that nonce is over (stale, or a new one); answer this challenge.
      if (more.bare) this.preemptive.forget();
      const ans = answerChallenge(more.bare ?? req, res, { trunk: this.trunkConfig, isFromTrunk: this.d.isFromTrunk, ...(this.d.sourceOf ? { sourceOf: this.d.sourceOf } : {}) });
      if (ans.ok) {
        this.cseq = ans.cseq;
        this.send(gen, ans.request, target, true, { rest: more.rest, challenge: res });
        return;
      }
      if (ans.reason === 'not-from-trunk') this.log.warn('challenge not answered: it did not come from the trunk', { trunk: this.trunkConfig.name, detail: ans.detail });
      this.fail(gen, status, `${res.reason} (${ans.reason}: ${ans.detail})`);
      return;
    }
    if (status === 423) {
      // RFC 3261 §10.2.8: ask again at once with at least Min-Expires.
      const min = parseUint(getHeader(res, 'min-expires'), 0xffffffff);
      if (min !== undefined && min > this.asked && min <= MAX_MIN_EXPIRES) {
        this.log.info('registrar wants a longer interval', { trunk: this.trunkConfig.name, minExpires: min });
        this.asked = min;
        this.lastStatus = status;
        this.lastReason = res.reason;
        this.attempt();
        return;
      }
      this.fail(gen, status, `${res.reason} (unusable Min-Expires)`);
      return;
    }
    if (status === 401 || status === 407) {
      this.preemptive.forget();
      this.fail(gen, status, `${res.reason} (credentials refused)`);
      return;
    }
    if (status === 503 && this.failOver(gen, target, more.rest, '503')) return;
    const retryAfter = status === 503 || status === 500 || status === 404 ? parseUint(firstToken(getHeader(res, 'retry-after')), MAX_RETRY_AFTER) : undefined;
    this.fail(gen, status, res.reason, retryAfter);
  }

  private onRegistered(res: SipResponse): void {
    const granted = this.grantedSeconds(res);
    this.inFlight = false;
    this.lastStatus = res.status;
    this.lastReason = res.reason;
    if (granted <= 0) {
      // A 2xx that keeps no binding of ours: the registrar did not take it.
      this.failures++;
      this.st = 'failed';
      this.lastReason = `${res.reason} (no binding granted)`;
      this.expiresAt = undefined;
      this.schedule(backoffDelayMs(this.failures, this.d.backoff ?? DEFAULT_BACKOFF, this.d.random));
      return;
    }
    const now = this.d.clock.now();
    this.failures = 0;
    this.st = 'registered';
    this.expiresAt = now + granted * 1000;
    this.log.info('registered', { trunk: this.trunkConfig.name, expires: granted });
    this.schedule(refreshDelayMs(granted));
  }

  private fail(gen: number, status: number | undefined, reason: string, retryAfterSeconds?: number): void {
    if (gen !== this.generation || this.st === 'stopped') return;
    this.generation++;
    this.inFlight = false;
    this.failures++;
    this.st = 'failed';
    this.lastStatus = status;
    this.lastReason = reason;
    if (this.expiresAt !== undefined && this.expiresAt <= this.d.clock.now()) this.expiresAt = undefined;
    let delay = backoffDelayMs(this.failures, this.d.backoff ?? DEFAULT_BACKOFF, this.d.random);
    if (retryAfterSeconds !== undefined && retryAfterSeconds > 0) delay = Math.max(delay, retryAfterSeconds * 1000);
    this.log.warn('registration failed', { trunk: this.trunkConfig.name, status, reason, failures: this.failures, retryInMs: delay });
    this.schedule(delay);
  }

  private schedule(delayMs: number): void {
    this.cancelTimer();
    this.nextAttemptAt = this.d.clock.now() + delayMs;
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = undefined;
      this.nextAttemptAt = undefined;
      if (this.st !== 'stopped') this.attempt();
    }, delayMs);
  }

  private cancelTimer(): void {
    this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.nextAttemptAt = undefined;
  }

  // ---- the un-REGISTER ----------------------------------------------------------------------

  private async unregister(): Promise<void> {
    const trunk = this.trunkConfig;
    const bound = this.d.stopTimeoutMs ?? 4_000;
    let timer: TimerHandle | undefined;
    const done = new Promise<void>((resolve) => {
      timer = this.d.clock.setTimeout(() => {
        this.log.debug('un-REGISTER not answered in time', { trunk: trunk.name });
        resolve();
      }, bound);
      this.d.resolver.target(trunk, this.d.refuse).then(
        (target) => {
          const send = (req: SipRequest, answered: boolean): void => {
            try {
              this.d.transactions.sendRequest(req, target, {
                onResponse: (res) => {
                  if (res.status < 200) return;
                  if ((res.status === 401 || res.status === 407) && !answered) {
                    const ans = answerChallenge(req, res, { trunk, isFromTrunk: this.d.isFromTrunk, ...(this.d.sourceOf ? { sourceOf: this.d.sourceOf } : {}) });
                    if (ans.ok) {
                      this.cseq = ans.cseq;
                      send(ans.request, true);
                      return;
                    }
                  }
                  this.lastStatus = res.status;
                  this.lastReason = res.reason;
                  this.log.info('unregistered', { trunk: trunk.name, status: res.status });
                  resolve();
                },
                onTimeout: () => resolve(),
                onTransportError: () => resolve(),
              });
            } catch (e) {
              this.log.debug('un-REGISTER not sent', { trunk: trunk.name, error: e });
              resolve();
            }
          };
          let req: SipRequest;
          try {
            req = this.buildRegister(target, 0);
          } catch (e) {
            this.log.debug('un-REGISTER not built', { trunk: trunk.name, error: e });
            resolve();
            return;
          }
          send(req, false);
        },
        (e: unknown) => {
          this.log.debug('un-REGISTER not sent', { trunk: trunk.name, error: e });
          resolve();
        },
      );
    });
    try {
      await done;
    } finally {
      this.d.clock.clearTimeout(timer);
    }
  }

  // ---- messages ------------------------------------------------------------------------------

  private buildRegister(target: Target, expires: number): SipRequest {
    const t = this.trunkConfig;
    const user = t.username ?? t.authUsername;
    if (!user) throw new Error(`trunk ${t.name} has no username`);
    const domain = t.domain ?? t.host;
    const hostPart = hostForUri(domain) + (t.domain === undefined && t.port !== 5060 && t.port !== 5061 ? `:${t.port}` : '');
    const aor = `sip:${escapeUser(user)}@${hostForUri(domain)}`;
    this.contact = this.contactUri(target.protocol);
    this.cseq++;
    const headers: Header[] = [
      { name: 'via', value: viaValue(this.d.viaFor(target.protocol)) },
      { name: 'max-forwards', value: '70' },
    ];
    if (t.outboundProxy) headers.push({ name: 'route', value: `<sip:${hostForUri(t.outboundProxy.host)}:${t.outboundProxy.port};lr${t.transport === 'udp' ? '' : `;transport=${t.transport}`}>` });
    headers.push(
      { name: 'from', value: `<${aor}>;tag=${this.fromTag}` },
      { name: 'to', value: `<${aor}>` },
      { name: 'call-id', value: this.callId },
      { name: 'cseq', value: `${this.cseq} REGISTER` },
      { name: 'contact', value: `<${this.contact}>` },
      { name: 'expires', value: String(expires) },
      { name: 'allow', value: 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO' },
      { name: 'content-length', value: '0' },
    );
    return { kind: 'request', method: 'REGISTER', uri: `sip:${hostPart}`, headers, body: Buffer.alloc(0) };
  }

  /** contactFor(protocol) with our user part for this trunk. */
  private contactUri(protocol: TransportProtocol): string {
    const base = this.d.contactFor(protocol);
    const uri = parseUri(base);
    if (!isSipUri(uri)) throw new Error(`contact ${base} is not a SIP URI`);
    uri.user = escapeUser(this.o.contactUser);
    delete uri.password;
    return serializeUri(uri);
  }

  /**
   * The binding's lifetime the registrar granted (§10.2.4): the expires parameter of our
   * Contact in the 2xx, else its Expires header, else what we asked for.
   */
  private grantedSeconds(res: SipResponse): number {
    const ours = this.contact !== undefined ? contactKey(this.contact) : undefined;
    for (const v of getHeaderValues(res, 'contact')) {
      let key: string | undefined;
      let exp: string | null | undefined;
      try {
        const na = parseNameAddr(v);
        key = contactKey(serializeUri(na.uri));
        exp = na.params.expires;
      } catch {
        continue;
      }
      if (key === ours && typeof exp === 'string') {
        const n = parseUint(exp, 0xffffffff);
        if (n !== undefined) return n;
      }
    }
    const header = parseUint(getHeader(res, 'expires'), 0xffffffff);
    return header ?? this.asked;
  }
}

/** A URI reduced to what identifies a contact: user, host and port (scheme-default port made explicit). */
function contactKey(text: string): string | undefined {
  try {
    const u = parseUri(text);
    if (!isSipUri(u)) return undefined;
    const port = u.port ?? (u.scheme === 'sips' || u.params.transport === 'tls' ? 5061 : 5060);
    return `${u.user ?? ''}@${u.host.toLowerCase()}:${port}`;
  } catch {
    return undefined;
  }
}

function sanitizeExpires(n: number): number {
  return Number.isInteger(n) && n > 0 ? Math.min(n, 0xffffffff) : 3600;
}

function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Escape a URI user part (RFC 3261 §25.1: unreserved and user-unreserved stay as they are). */
export function escapeUser(user: string): string {
  let out = '';
  for (const b of Buffer.from(user, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.!~*'()&=+$,;?/]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function firstToken(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d+)/.exec(v);
  return m ? m[1] : undefined;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
