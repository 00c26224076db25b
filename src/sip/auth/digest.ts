/**
 * The Digest computations (RFC 7616 §3.4.1–3.4.3, with the algorithms of RFC 8760 §2.1).
 * Strings are hashed as UTF-8.
 */
import { hash, timingSafeEqual } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'SHA-256' | 'SHA-512-256';

const NODE_HASH: Record<DigestAlgorithm, string> = {
  MD5: 'md5',
  'SHA-256': 'sha256',
  'SHA-512-256': 'sha512-256',
};

/** Length in hex digits of H() for an algorithm. */
export function hexLength(alg: DigestAlgorithm): number {
  return alg === 'MD5' ? 32 : 64;
}

/**
 * The algorithm named by an `algorithm` parameter, compared case-insensitively;
 * undefined for anything else, the -sess variants included (not supported).
 * An absent parameter means MD5 (RFC 7616 §3.3); pass 'MD5' for that case.
 */
export function parseAlgorithm(token: string): DigestAlgorithm | undefined {
  switch (token.toUpperCase()) {
    case 'MD5':
      return 'MD5';
    case 'SHA-256':
      return 'SHA-256';
    case 'SHA-512-256':
      return 'SHA-512-256';
    default:
      return undefined;
  }
}

/** H(data): the lowercase hex digest (RFC 7616 §3.2). One-shot: no Hash object per call. */
export function digestHex(alg: DigestAlgorithm, data: string): string {
  return hash(NODE_HASH[alg], data, 'hex');
}

/** HA1 = H(username ":" realm ":" password) (RFC 7616 §3.4.2, non-session algorithms). */
export function computeHa1(alg: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHex(alg, `${username}:${realm}:${password}`);
}

/** HA2 = H(method ":" digest-uri) for qop=auth or no qop (RFC 7616 §3.4.3). */
export function computeHa2(alg: DigestAlgorithm, method: string, uri: string): string {
  return digestHex(alg, `${method}:${uri}`);
}

export interface ResponseInput {
  algorithm: DigestAlgorithm;
  /** Lowercase hex. */
  ha1: string;
  nonce: string;
  method: string;
  uri: string;
  /** 'auth', or undefined for the RFC 2069 form. */
  qop?: 'auth';
  /** 8 hex digits, as sent; required with qop. */
  nc?: string;
  /** Required with qop. */
  cnonce?: string;
  /** H(method:uri) when the caller has it already (ha2-cache.ts); computed otherwise. */
  ha2?: string;
}

/**
 * request-digest (RFC 7616 §3.4.1):
 *   qop=auth:  H(HA1:nonce:nc:cnonce:qop:HA2)
 *   no qop:    H(HA1:nonce:HA2)   (RFC 2069; kept for clients answering old servers)
 */
export function computeResponse(input: ResponseInput): string {
  const ha2 = input.ha2 ?? computeHa2(input.algorithm, input.method, input.uri);
  if (input.qop === undefined) return digestHex(input.algorithm, `${input.ha1}:${input.nonce}:${ha2}`);
  return digestHex(input.algorithm, `${input.ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${input.qop}:${ha2}`);
}

/**
 * Compare two hex digests in time that depends only on their lengths (which are
 * public: fixed by the algorithm). Case-insensitive.
 */
export function digestsEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected.toLowerCase(), 'latin1');
  const b = Buffer.from(received.toLowerCase(), 'latin1');
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

const HEX_RE = /^[0-9a-fA-F]+$/;

/** Whether s is a hex digest of the right length for alg. */
export function isDigestHex(alg: DigestAlgorithm, s: string): boolean {
  return s.length === hexLength(alg) && HEX_RE.test(s);
}
