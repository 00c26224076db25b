import { quote } from '../message/scan.js';

/**
 * The value of one WWW-Authenticate / Proxy-Authenticate challenge (RFC 3261 §22.4,
 * RFC 7616 §3.3, RFC 8760 §2.4: one per algorithm, in preference order, sharing a nonce).
 * One function for every thread that challenges (the main thread's DigestAuthenticator
 * and the SIP front threads), so their challenges are the same bytes.
 */
export function challengeValue(realm: string, nonce: string, algorithm: string, stale: boolean): string {
  return `Digest realm=${quote(realm)}, nonce="${nonce}", algorithm=${algorithm}, qop="auth"${stale ? ', stale=true' : ''}`;
}
