import { systemClock, type Clock } from '../../util/clock.js';
import { CidrSet } from '../../util/cidr-set.js';
import { challengeValue } from '../auth/challenge-header.js';
import { NonceCodec } from '../auth/nonce.js';
import { hasHeader } from '../message/headers.js';
import { requestUriOf, toOf } from '../message/parsed-headers.js';
import { createResponse } from '../message/response.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { isSipUri } from '../message/uri.js';
import type { ChallengeSnapshot } from './udp-front-protocol.js';

/** What a front thread does with a request: answer its challenge itself, or hand it to the main thread. */
export type ChallengeDecision = { kind: 'challenge'; realm: string; algorithms: readonly string[] } | { kind: 'forward'; why: string };

/** What the decision reads besides the request. */
export interface ChallengeState {
  snapshot: ChallengeSnapshot | undefined;
  /** CIDRs of snapshot.trustedEdges, compiled once per snapshot. */
  trusted: CidrSet;
  /** The main thread is shedding new work (src/edge/overload). */
  shedding: boolean;
}

/**
 * Whether the main thread would answer this request with exactly a digest challenge of a
 * known realm, so a front thread may send that 401 itself, statelessly (RFC 3261 §8.2.7;
 * the main thread's 401 is stateless too: src/edge/digest-gate.ts). It walks the main
 * thread's path (src/edge/sip-edge.ts) and forwards at every point where that path could
 * answer otherwise:
 * - overload shedding (src/edge/overload/shed-new-request.ts: a 503, or a drop);
 * - credentials of any kind (they are checked on the main thread), a trusted edge's
 *   request or any X-PBX-Source (src/edge/trusted-edge.ts judges those);
 * - the UAS checks (src/edge/uas-checks.ts): a Request-URI that is not a SIP URI (416),
 *   any Require or Proxy-Require (420 for an unknown option tag);
 * - a To that names no address-of-record (RFC 3261 §10.3 step 5: a SIP URI with a user
 *   part), and a To domain the snapshot does not list: the main thread decides who may be
 *   challenged (src/edge/front-challenge-snapshot.ts); everything else is its to answer.
 * The host is only lower-cased: a spelling the main thread normalises further (brackets, a
 * trailing dot) misses the snapshot and is forwarded, never answered wrongly.
 */
export function challengeDecision(req: SipRequest, sourceAddress: string, s: ChallengeState): ChallengeDecision {
  if (req.method !== 'REGISTER') return { kind: 'forward', why: 'not a REGISTER' };
  const snap = s.snapshot;
  if (!snap) return { kind: 'forward', why: 'no snapshot yet' };
  if (s.shedding) return { kind: 'forward', why: 'the main thread sheds new work' };
  if (hasHeader(req, 'authorization') || hasHeader(req, 'proxy-authorization')) return { kind: 'forward', why: 'carries credentials' };
  if (hasHeader(req, 'x-pbx-source') || (s.trusted.size > 0 && s.trusted.contains(sourceAddress))) return { kind: 'forward', why: 'trusted edge or X-PBX-Source' };
  if (hasHeader(req, 'require') || hasHeader(req, 'proxy-require')) return { kind: 'forward', why: 'Require or Proxy-Require' };
  let host: string;
  try {
    if (!isSipUri(requestUriOf(req))) return { kind: 'forward', why: 'Request-URI is not a SIP URI' };
    const to = toOf(req).uri;
    if (!isSipUri(to) || to.user === undefined) return { kind: 'forward', why: 'To is not a SIP URI with a user part' };
    host = to.host.toLowerCase();
  } catch {
    return { kind: 'forward', why: 'unreadable To or Request-URI' };
  }
  const entry = Object.hasOwn(snap.domains, host) ? snap.domains[host] : undefined;
  if (!entry) return { kind: 'forward', why: 'domain not in the snapshot' };
  if (entry.algorithms.length === 0) return { kind: 'forward', why: 'no algorithms' };
  return { kind: 'challenge', realm: entry.realm, algorithms: entry.algorithms };
}

/**
 * A front thread's digest challenger: the snapshot and overload flag the main thread
 * sends, and a NonceCodec on the main thread's secret and epoch, so the nonce it issues
 * is one the main thread accepts (src/sip/auth/nonce.ts: a nonce carries its issue time
 * and a keyed hash, and is checked with no lookup).
 */
export class FrontChallenger {
  private readonly state: ChallengeState = { snapshot: undefined, trusted: new CidrSet(), shedding: false };
  private readonly nonces: NonceCodec;
  private readonly overload: Int32Array | undefined;

  constructor(o: { secret: Uint8Array; epoch: number; ttlSeconds: number; overload?: SharedArrayBuffer; clock?: Clock }) {
    this.nonces = new NonceCodec({ secret: Buffer.from(o.secret), epoch: o.epoch, ttlSeconds: o.ttlSeconds, clock: o.clock ?? systemClock });
    this.overload = o.overload ? new Int32Array(o.overload) : undefined;
  }

  setSnapshot(snapshot: ChallengeSnapshot): void {
    this.state.snapshot = snapshot;
    this.state.trusted = new CidrSet(snapshot.trustedEdges);
  }

  /** The 401 to send for this request (its top Via already stamped), or undefined: forward it. */
  answer(req: SipRequest, sourceAddress: string): SipResponse | undefined {
    this.state.shedding = this.overload !== undefined && Atomics.load(this.overload, 0) !== 0;
    const d = challengeDecision(req, sourceAddress, this.state);
    if (d.kind !== 'challenge') return undefined;
    const nonce = this.nonces.issue(d.realm);
    const headers = d.algorithms.map((alg) => ['WWW-Authenticate', challengeValue(d.realm, nonce, alg, false)] as const);
    const res = createResponse(req, 401, { headers });
    // As the main thread's StatelessReplier.decorate adds it: last.
    const server = this.state.snapshot?.serverHeader;
    if (server !== undefined) res.headers.push({ name: 'server', value: server });
    return res;
  }
}
