import { computeHa2, type DigestAlgorithm } from './digest.js';

/** Entries kept before the cache starts over (a spray of distinct URIs costs one hash each, as without it). */
const MAX_ENTRIES = 1024;
/** Longer method:uri texts are hashed every time and never kept: the cache's memory stays small. */
const MAX_KEY_CHARS = 256;

/**
 * HA2 = H(method ":" digest-uri) (RFC 7616 §3.4.3) of the answers a server checks. Every
 * REGISTER of a domain names the same digest-uri (sip:domain), so HA2 repeats from one
 * request to the next: remembered, a digest check costs one hash (the response) instead of
 * two. Bounded in entries and in key length, since method and uri come from the network.
 */
export class Ha2Cache {
  private readonly map = new Map<string, string>();

  get(algorithm: DigestAlgorithm, method: string, uri: string): string {
    if (method.length + uri.length > MAX_KEY_CHARS) return computeHa2(algorithm, method, uri);
    const key = `${algorithm} ${method}:${uri}`;
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const ha2 = computeHa2(algorithm, method, uri);
    if (this.map.size >= MAX_ENTRIES) this.map.clear();
    this.map.set(key, ha2);
    return ha2;
  }

  get size(): number {
    return this.map.size;
  }
}
