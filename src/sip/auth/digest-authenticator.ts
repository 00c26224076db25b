/**
 * Server-side SIP Digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): builds
 * challenges and checks credentials. It knows nothing of tenants: the caller gives the
 * realm and a function from username to HA1.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../util/clock.js';
import { challengeValue } from './challenge-header.js';
import { parseCredentials, type DigestCredentials } from './authorization-header.js';
import { computeResponse, digestHex, digestsEqual, isDigestHex, parseAlgorithm } from './digest.js';
import { Ha2Cache } from './ha2-cache.js';
import { sameRequestUri } from './digest-uri-match.js';
import { NonceCodec } from './nonce.js';
import { NonceCounter } from './nonce-counter.js';

export type ServerAlgorithm = 'SHA-256' | 'MD5';

export interface DigestAuthenticatorOptions {
  /** At least 16 bytes; generated at start by the app. Nonces die with it. */
  secret: Buffer;
  clock: Clock;
  nonceTtlSeconds: number;
  /**
   * This process's epoch, bumped at every start (src/app/server-epoch.ts). Nonces of an
   * earlier epoch are answered stale: the nonce-count record did not survive the restart.
   */
  epoch?: number;
  /** Offered in this order, most preferred first (RFC 8760 §2.4). */
  algorithms: ServerAlgorithm[];
  /** Cap on nonces remembered for nonce-count checks. Default 65 536. */
  maxNonceEntries?: number;
}

export interface VerifyInput {
  method: string;
  /** The Request-URI as on the wire; the digest-uri must name it. */
  requestUri: string;
  /**
   * Also accept this digest-uri although it is not the Request-URI. RFC 7616 §3.4.6 asks
   * that the two name the same resource; some clients (SIPp among them) put the server's
   * own address there. The caller decides what else names "this server" (its own
   * addresses, the tenant's domains); the response still binds method, nonce and nc.
   */
  acceptUri?: (digestUri: string) => boolean;
  /** Every Authorization (or Proxy-Authorization) value of the request; the one for `realm` is used. */
  header: string | readonly string[] | undefined;
  realm: string;
  /**
   * The algorithms offered for this realm (what its challenges carried); a response with
   * another is refused. Default: the authenticator's own list. The caller (the edge) picks
   * it per tenant; this layer knows no tenants.
   */
  algorithms?: readonly ServerAlgorithm[];
}

/** What may change while running (SIGHUP): the same fields as at construction. */
export interface DigestPolicy {
  nonceTtlSeconds: number;
  algorithms: ServerAlgorithm[];
}

/** HA1 of a user for an algorithm, lowercase hex; undefined when there is no such user. */
export type Ha1Lookup = (username: string, algorithm: ServerAlgorithm) => string | undefined;

export type AuthOutcome =
  | { ok: true; username: string; algorithm: ServerAlgorithm }
  /** No credentials for this realm (none at all, another realm, or another scheme): challenge. */
  | { ok: false; kind: 'missing' }
  /** Right credentials on an expired nonce: challenge with stale=true (RFC 7616 §3.3). */
  | { ok: false; kind: 'stale' }
  /** Anything else. `detail` is for logs; it is the same for an unknown user and a wrong password. */
  | { ok: false; kind: 'rejected'; detail: string };

export interface ChallengeOptions {
  stale?: boolean;
  /** Proxy-Authenticate (for a 407) instead of WWW-Authenticate (for a 401). */
  proxy?: boolean;
  /** One challenge per algorithm, in this order; default the authenticator's own list. */
  algorithms?: readonly ServerAlgorithm[];
}

const MAX_HEADERS = 8;
const MAX_USERNAME = 256;
const MAX_CNONCE = 256;
const NC_RE = /^[0-9a-fA-F]{8}$/;
export const WRONG_CREDENTIALS = 'wrong credentials';

export class DigestAuthenticator {
  private algorithms: readonly ServerAlgorithm[];
  private readonly nonces: NonceCodec;
  private readonly counter: NonceCounter;
  private readonly ha2 = new Ha2Cache();
  /** Stand-in HA1 per algorithm for unknown users: same hashing work, never matches. */
  private readonly dummyHa1: Record<ServerAlgorithm, string>;

  constructor(opts: DigestAuthenticatorOptions) {
    this.algorithms = checkAlgorithms(opts.algorithms);
    this.nonces = new NonceCodec({ secret: opts.secret, clock: opts.clock, ttlSeconds: opts.nonceTtlSeconds, ...(opts.epoch !== undefined ? { epoch: opts.epoch } : {}) });
    this.counter = new NonceCounter({ clock: opts.clock, ttlMs: this.nonces.ttlMs, maxEntries: opts.maxNonceEntries ?? 65_536 });
    const seed = randomBytes(32).toString('hex');
    this.dummyHa1 = { MD5: digestHex('MD5', seed), 'SHA-256': digestHex('SHA-256', seed) };
  }

  /**
   * A new policy (SIGHUP). Nonces already issued stay valid under the new lifetime (they
   * carry only their issue time) and keep their nonce-counts; a response with an algorithm
   * no longer offered is refused from now on.
   */
  setPolicy(policy: DigestPolicy): void {
    const algorithms = checkAlgorithms(policy.algorithms);
    this.nonces.setTtlSeconds(policy.nonceTtlSeconds);
    this.counter.setTtlMs(this.nonces.ttlMs);
    this.algorithms = algorithms;
  }

  /** The algorithms offered when a call names none, in order. */
  get defaultAlgorithms(): readonly ServerAlgorithm[] {
    return this.algorithms;
  }

  /** The algorithms a challenge with `algorithms` offers (challenge() with that option), in order: the list, or the authenticator's own when it is absent or names one not served. */
  challengeAlgorithms(algorithms: readonly ServerAlgorithm[] | undefined): readonly ServerAlgorithm[] {
    return this.offered(algorithms);
  }

  /** Nonces currently remembered for nonce-count checks. */
  get trackedNonces(): number {
    return this.counter.size;
  }

  /**
   * One challenge header per configured algorithm, in preference order (RFC 8760
   * §2.4), sharing one fresh nonce, each offering qop="auth".
   */
  challenge(realm: string, opts: ChallengeOptions = {}): Array<[headerName: string, value: string]> {
    const name = opts.proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const nonce = this.nonces.issue(realm);
    return this.offered(opts.algorithms).map((alg) => [name, challengeValue(realm, nonce, alg, opts.stale === true)]);
  }

  /**
   * Check the credentials of a request. Never throws on what the request carries;
   * an exception thrown by `lookupHa1` (a store failure) propagates.
   */
  verify(input: VerifyInput, lookupHa1: Ha1Lookup): AuthOutcome {
    const picked = this.pick(input);
    if (picked.kind !== 'found') return picked.outcome;
    const c = picked.credentials;

    // Shape and policy, all independent of who the user is.
    if (c.params['username*'] !== undefined) return rejected('username* is not supported');
    if (c.params.userhash !== undefined && c.params.userhash.toLowerCase() === 'true') return rejected('userhash is not supported');
    if (c.username.length === 0 || c.username.length > MAX_USERNAME) return rejected('bad username');
    const named = parseAlgorithm(c.algorithm ?? 'MD5');
    const algorithm = this.offered(input.algorithms).find((a) => a === named);
    if (algorithm === undefined) return rejected(`algorithm ${c.algorithm === undefined ? 'MD5 (default)' : clip(c.algorithm)} not offered`);
    // qop=auth is offered and required: the RFC 2069 form (no qop) has no cnonce and
    // no nonce-count, so a stateless nonce could not be protected against replay.
    if (c.qop === undefined) return rejected('qop missing (RFC 2069 credentials are refused)');
    if (c.qop.toLowerCase() !== 'auth') return rejected(`qop ${clip(c.qop)} not supported`);
    if (c.nc === undefined || !NC_RE.test(c.nc)) return rejected('bad nc');
    const nc = parseInt(c.nc, 16);
    if (nc === 0) return rejected('bad nc');
    if (c.cnonce === undefined || c.cnonce.length === 0 || c.cnonce.length > MAX_CNONCE) return rejected('bad cnonce');
    if (!isDigestHex(algorithm, c.response)) return rejected('bad response format');
    if (!sameRequestUri(c.uri, input.requestUri) && !(input.acceptUri?.(c.uri) ?? false)) return rejected('digest-uri does not match the Request-URI');
    const nonce = this.nonces.check(c.nonce, input.realm);
    if (nonce.status === 'forged') return rejected('nonce not issued here');

    // The password check. An unknown user costs the same hashing as a known one.
    const found = lookupHa1(c.username, algorithm);
    const known = found !== undefined && isDigestHex(algorithm, found);
    const expected = computeResponse({
      algorithm,
      ha1: known ? found.toLowerCase() : this.dummyHa1[algorithm],
      nonce: c.nonce,
      method: input.method,
      uri: c.uri,
      qop: 'auth',
      nc: c.nc,
      cnonce: c.cnonce,
      ha2: this.ha2.get(algorithm, input.method, c.uri),
    });
    const match = digestsEqual(expected, c.response);
    if (!known || !match) return rejected(WRONG_CREDENTIALS);

    // RFC 7616 §3.3: stale only when the digest was right for the old nonce. A nonce of
    // an earlier process (epoch) is never accepted: its used nonce counts were lost, so
    // a captured request could be replayed; stale=true makes the phone retry silently.
    if (nonce.status === 'expired') return { ok: false, kind: 'stale' };
    switch (this.counter.use(c.nonce, nonce.issuedAt, nc)) {
      case 'replay':
        return rejected('nonce-count replayed');
      case 'forgotten':
        return { ok: false, kind: 'stale' };
      case 'ok':
        return { ok: true, username: c.username, algorithm };
    }
  }

  /** A per-call list when it is a usable one, else the authenticator's own. */
  private offered(list: readonly ServerAlgorithm[] | undefined): readonly ServerAlgorithm[] {
    if (list === undefined || list.length === 0) return this.algorithms;
    return list.every((a) => a === 'MD5' || a === 'SHA-256') ? list : this.algorithms;
  }

  /** The credentials for the realm among the request's values (RFC 3261 §22.3). */
  private pick(input: VerifyInput): { kind: 'found'; credentials: DigestCredentials } | { kind: 'none'; outcome: AuthOutcome } {
    const values = input.header === undefined ? [] : typeof input.header === 'string' ? [input.header] : input.header;
    let malformed: string | undefined;
    const n = Math.min(values.length, MAX_HEADERS);
    for (let i = 0; i < n; i++) {
      const value = values[i];
      if (typeof value !== 'string') continue;
      const parsed = parseCredentials(value);
      if (parsed.kind === 'digest') {
        if (parsed.credentials.realm === input.realm) return { kind: 'found', credentials: parsed.credentials };
      } else if (parsed.kind === 'malformed') {
        // A broken value counts against this realm unless it clearly names another.
        if (parsed.realm === undefined || parsed.realm === input.realm) malformed ??= parsed.error;
      }
    }
    if (malformed !== undefined) return { kind: 'none', outcome: rejected(`malformed credentials: ${malformed}`) };
    return { kind: 'none', outcome: { ok: false, kind: 'missing' } };
  }
}

function checkAlgorithms(list: readonly ServerAlgorithm[]): ServerAlgorithm[] {
  if (list.length === 0) throw new RangeError('at least one digest algorithm is required');
  if (new Set(list).size !== list.length) throw new RangeError('digest algorithms repeat');
  for (const a of list) if (a !== 'MD5' && a !== 'SHA-256') throw new RangeError(`unsupported digest algorithm ${String(a)}`);
  return [...list];
}

function rejected(detail: string): AuthOutcome {
  return { ok: false, kind: 'rejected', detail };
}

/** A wire value quoted in a detail, kept short for logs. */
function clip(s: string): string {
  return s.length > 32 ? s.slice(0, 32) + '…' : s;
}
