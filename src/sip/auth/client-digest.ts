/**
 * The client side of Digest (RFC 3261 §22.2, RFC 7616 §3.4): answer a challenge with
 * an Authorization (or Proxy-Authorization) value. Used by tests, and by trunks that
 * answer a carrier's challenge.
 */
import { randomToken } from '../../util/ids.js';
import { quote } from '../message/scan.js';
import { parseChallenge, type DigestChallenge } from './authorization-header.js';
import { computeHa1, computeResponse, parseAlgorithm, type DigestAlgorithm } from './digest.js';

export interface AuthorizationInput {
  challenge: DigestChallenge;
  username: string;
  password: string;
  method: string;
  /** The Request-URI of the request being authorized. */
  uri: string;
  /** Nonce-count: how many requests, this one included, used this nonce. Default 1. */
  nc?: number;
  /** Default: 96 random bits in hex. */
  cnonce?: string;
}

export type AuthorizationResult =
  | { ok: true; value: string; algorithm: DigestAlgorithm; /** Undefined when the challenge offered no qop. */ qop?: 'auth'; nc: number; cnonce?: string }
  | { ok: false; error: string };

export function buildAuthorization(input: AuthorizationInput): AuthorizationResult {
  const ch = input.challenge;
  const algorithm = parseAlgorithm(ch.algorithm);
  if (algorithm === undefined) return { ok: false, error: `unsupported algorithm ${ch.algorithm}` };
  // RFC 7616 §3.4: qop=auth when offered; no qop only when the server offers none
  // (RFC 2069 servers). auth-int alone is not supported here.
  let qop: 'auth' | undefined;
  if (ch.qop.length > 0) {
    if (!ch.qop.includes('auth')) return { ok: false, error: `no supported qop in ${ch.qop.join(',')}` };
    qop = 'auth';
  }
  const ncNum = input.nc ?? 1;
  if (!Number.isInteger(ncNum) || ncNum < 1 || ncNum > 0xffffffff) return { ok: false, error: 'nc out of range' };
  const nc = ncNum.toString(16).padStart(8, '0');
  const cnonce = qop ? (input.cnonce ?? randomToken(12)) : undefined;
  const ha1 = computeHa1(algorithm, input.username, ch.realm, input.password);
  const response = computeResponse({ algorithm, ha1, nonce: ch.nonce, method: input.method, uri: input.uri, qop, nc, cnonce });
  let value =
    `Digest username=${quote(input.username)}, realm=${quote(ch.realm)}, nonce=${quote(ch.nonce)}, ` +
    `uri=${quote(input.uri)}, response="${response}"`;
  // RFC 7616 §3.4: algorithm and opaque are echoed as the challenge gave them; an
  // absent algorithm stays absent (some servers refuse one they did not send).
  if (ch.params.algorithm !== undefined) value += `, algorithm=${ch.params.algorithm}`;
  // RFC 7616 §3.4: qop and nc are never quoted.
  if (qop) value += `, qop=${qop}, nc=${nc}, cnonce=${quote(cnonce!)}`;
  if (ch.opaque !== undefined) value += `, opaque=${quote(ch.opaque)}`;
  return qop ? { ok: true, value, algorithm, qop, nc: ncNum, cnonce } : { ok: true, value, algorithm, nc: ncNum };
}

/**
 * The challenge to answer among a response's WWW-Authenticate (or Proxy-Authenticate)
 * values: the topmost Digest one whose algorithm is supported (RFC 8760: the server
 * lists them most preferred first), optionally only for one realm.
 */
export function pickChallenge(
  values: readonly string[],
  opts: { algorithms?: readonly DigestAlgorithm[]; realm?: string } = {},
): DigestChallenge | undefined {
  const allowed = opts.algorithms ?? ['SHA-512-256', 'SHA-256', 'MD5'];
  for (const v of values.slice(0, 16)) {
    const parsed = parseChallenge(v);
    if (parsed.kind !== 'digest') continue;
    const alg = parseAlgorithm(parsed.challenge.algorithm);
    if (alg === undefined || !allowed.includes(alg)) continue;
    if (opts.realm !== undefined && parsed.challenge.realm !== opts.realm) continue;
    return parsed.challenge;
  }
  return undefined;
}
