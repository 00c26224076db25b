import { buildAuthorization, pickChallenge } from '../sip/auth/client-digest.js';
import type { DigestChallenge } from '../sip/auth/authorization-header.js';
import { getHeaderValues } from '../sip/message/headers.js';
import type { Header, SipRequest, SipResponse } from '../sip/message/types.js';

/**
 * Credentials sent before they are asked for (RFC 3261 §22.1: a UAC may send credentials
 * for a realm it knows; RFC 7616 §3.4: the nonce count goes up with each request using
 * the same nonce). A registration keeps the challenge it answered successfully and
 * refreshes with that nonce and nc + 1, so a refresh costs one REGISTER instead of two.
 * A 401/407 to such a request (a stale or a new nonce) makes it forget, and the new
 * challenge is answered as usual.
 */
export class PreemptiveAuth {
  private kept: { challenge: DigestChallenge; header: 'authorization' | 'proxy-authorization'; nc: number } | undefined;

  /**
   * Keep the challenge of a 401/407 whose answer the server accepted. Call it only for a
   * challenge that was answered because it came from the trunk itself.
   */
  remember(challenge: SipResponse): void {
    const status = challenge.status;
    if (status !== 401 && status !== 407) return;
    const picked = pickChallenge(getHeaderValues(challenge, status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
    // The answer that was accepted used nc=1.
    this.kept = picked ? { challenge: picked, header: status === 401 ? 'authorization' : 'proxy-authorization', nc: 1 } : undefined;
  }

  forget(): void {
    this.kept = undefined;
  }

  get known(): boolean {
    return this.kept !== undefined;
  }

  /** The credentials header for this request with the next nonce count; undefined when none is known. */
  headerFor(req: SipRequest, username: string, password: string): Header | undefined {
    const k = this.kept;
    if (!k) return undefined;
    if (k.nc >= 0xfffffffe) {
      this.kept = undefined;
      return undefined;
    }
    const auth = buildAuthorization({ challenge: k.challenge, username, password, method: req.method, uri: req.uri, nc: k.nc + 1 });
    if (!auth.ok) {
      this.kept = undefined;
      return undefined;
    }
    k.nc++;
    return { name: k.header, value: auth.value };
  }
}
