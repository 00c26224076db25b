import { DIGEST_ALGORITHMS, type DigestAlgorithm } from './ha1.js';

/**
 * Digest algorithms a tenant or an extension allows, most preferred first (RFC 8760 §2.4).
 * A tenant's list is what its challenges offer (else pbx.yaml's auth.algorithms); an
 * extension's list narrows which of the offered ones its answers may use (see
 * src/edge/digest-gate.ts for why it does not change the challenge).
 */
export type AlgorithmList = DigestAlgorithm[];

/** Checks a list as the tenant YAML and the admin API give it; reports through `bad` and returns undefined when wrong. */
export function checkAlgorithmList(v: unknown, at: string, bad: (path: string, message: string) => void): AlgorithmList | undefined {
  if (!Array.isArray(v) || v.length === 0) {
    bad(at, `must be a non-empty list of ${DIGEST_ALGORITHMS.join(', ')}`);
    return undefined;
  }
  const out: AlgorithmList = [];
  let ok = true;
  v.forEach((a, i) => {
    if (!isDigestAlgorithm(a)) {
      bad(`${at}[${i}]`, `must be one of ${DIGEST_ALGORITHMS.join(', ')}`);
      ok = false;
    } else if (out.includes(a)) {
      bad(`${at}[${i}]`, `${a} is listed twice`);
      ok = false;
    } else out.push(a);
  });
  return ok ? out : undefined;
}

export function isDigestAlgorithm(v: unknown): v is DigestAlgorithm {
  return (DIGEST_ALGORITHMS as readonly unknown[]).includes(v);
}

/** Stored as 'SHA-256,MD5' (settings value or extensions.auth_algorithms). */
export function algorithmsToSql(list: readonly DigestAlgorithm[]): string {
  return list.join(',');
}

/** undefined for a missing or unreadable value: the next level's list applies. */
export function algorithmsFromSql(s: string | null | undefined): AlgorithmList | undefined {
  if (s === null || s === undefined || s === '') return undefined;
  const parts = s.split(',');
  if (!parts.every(isDigestAlgorithm) || new Set(parts).size !== parts.length) return undefined;
  return parts as AlgorithmList;
}
