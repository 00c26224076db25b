import { createHash } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'SHA-256'];

const NODE_HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** RFC 7616 §3.4.2 (and RFC 3261 §22.4): A1 = username ":" realm ":" passwd; HA1 = H(A1), lowercase hex. */
export function computeHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return createHash(NODE_HASH[algorithm]).update(`${username}:${realm}:${password}`, 'utf8').digest('hex');
}

/** HA1 for every algorithm the stores keep, so the password itself is never stored. */
export function computeHa1Set(username: string, realm: string, password: string): Record<DigestAlgorithm, string> {
  return {
    MD5: computeHa1('MD5', username, realm, password),
    'SHA-256': computeHa1('SHA-256', username, realm, password),
  };
}
