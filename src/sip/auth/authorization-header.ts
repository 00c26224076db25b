/**
 * Authorization / Proxy-Authorization values (RFC 3261 §25.1 `credentials`, RFC 7616
 * §3.4) and WWW-Authenticate / Proxy-Authenticate values (RFC 7616 §3.3 `challenge`).
 * Parsing never throws: the result says what was found.
 */
import { scanParams, scanScheme, type AuthParams } from './auth-params.js';

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  cnonce?: string;
  qop?: string;
  nc?: string;
  opaque?: string;
  /** Every parameter, names lowercased (username*, userhash and extensions are here). */
  params: AuthParams;
}

export type CredentialsParse =
  | { kind: 'digest'; credentials: DigestCredentials }
  /** RFC 4475 §3.3.7: an unknown scheme is not an error; the server challenges with one it knows. */
  | { kind: 'other-scheme'; scheme: string }
  /** A Digest value that cannot be used; `realm` when it could be read. */
  | { kind: 'malformed'; error: string; realm?: string };

const REQUIRED_CREDENTIALS = ['realm', 'nonce', 'uri', 'response'] as const;

export function parseCredentials(value: string): CredentialsParse {
  const head = scanScheme(value);
  if (!head.ok) return { kind: 'malformed', error: head.error };
  if (head.scheme.toLowerCase() !== 'digest') return { kind: 'other-scheme', scheme: head.scheme };
  const scan = scanParams(value, head.rest);
  if (!scan.ok) return { kind: 'malformed', error: scan.error, realm: scan.partial.realm };
  const p = scan.params;
  for (const name of REQUIRED_CREDENTIALS) {
    if (p[name] === undefined) return { kind: 'malformed', error: `missing ${name}`, realm: p.realm };
  }
  // RFC 7616 §3.4: username, or username* (RFC 8187 encoding) — never both.
  if (p.username !== undefined && p['username*'] !== undefined) {
    return { kind: 'malformed', error: 'both username and username*', realm: p.realm };
  }
  if (p.username === undefined && p['username*'] === undefined) return { kind: 'malformed', error: 'missing username', realm: p.realm };
  return {
    kind: 'digest',
    credentials: {
      username: p.username ?? '',
      realm: p.realm!,
      nonce: p.nonce!,
      uri: p.uri!,
      response: p.response!,
      algorithm: p.algorithm,
      cnonce: p.cnonce,
      qop: p.qop,
      nc: p.nc,
      opaque: p.opaque,
      params: p,
    },
  };
}

export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** As sent; 'MD5' when the challenge names none (RFC 7616 §3.3). */
  algorithm: string;
  /** qop-options, lowercased; empty when the challenge has none (RFC 2069 style). */
  qop: string[];
  opaque?: string;
  /** RFC 7616 §3.3: stale=true (case-insensitive) means the credentials were right and only the nonce was old. */
  stale: boolean;
  params: AuthParams;
}

export type ChallengeParse =
  | { kind: 'digest'; challenge: DigestChallenge }
  | { kind: 'other-scheme'; scheme: string }
  | { kind: 'malformed'; error: string };

/** Parse one challenge (SIP puts one per WWW-Authenticate / Proxy-Authenticate value). */
export function parseChallenge(value: string): ChallengeParse {
  const head = scanScheme(value);
  if (!head.ok) return { kind: 'malformed', error: head.error };
  if (head.scheme.toLowerCase() !== 'digest') return { kind: 'other-scheme', scheme: head.scheme };
  const scan = scanParams(value, head.rest);
  if (!scan.ok) return { kind: 'malformed', error: scan.error };
  const p = scan.params;
  if (p.realm === undefined) return { kind: 'malformed', error: 'missing realm' };
  if (p.nonce === undefined) return { kind: 'malformed', error: 'missing nonce' };
  const qop =
    p.qop === undefined
      ? []
      : p.qop
          .split(',')
          .map((t) => t.trim().toLowerCase())
          .filter((t) => t.length > 0);
  return {
    kind: 'digest',
    challenge: {
      realm: p.realm,
      nonce: p.nonce,
      algorithm: p.algorithm ?? 'MD5',
      qop,
      opaque: p.opaque,
      stale: p.stale !== undefined && p.stale.toLowerCase() === 'true',
      params: p,
    },
  };
}
