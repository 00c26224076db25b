/**
 * Whether a leg carries SDES-SRTP (issue 14 point 4), per tenant and per extension:
 *
 * - `none`: never; a=crypto lines are ignored, an RTP/SAVP offer gets 488.
 * - `optional` (the default): offered and accepted on TLS only. Towards a phone the PBX
 *   offers best-effort SRTP (RTP/AVP with a=crypto, as RFC 4568 §7.1.1 allows for an
 *   offer that "may" use SRTP); an answer without a=crypto keeps the leg plain.
 * - `required`: the leg must be TLS and use SRTP: an offer without a usable a=crypto (or
 *   over UDP/TCP) gets 488, and the PBX offers RTP/SAVP, whose answer must carry a=crypto.
 *
 * SDES keys travel in the SDP in clear, so they are used only where the signalling is
 * encrypted (RFC 4568 §8.3): over UDP or TCP an a=crypto line is ignored.
 */
export type SrtpPolicy = 'none' | 'optional' | 'required';

export const SRTP_POLICIES: readonly SrtpPolicy[] = ['none', 'optional', 'required'];

export const DEFAULT_SRTP_POLICY: SrtpPolicy = 'optional';

export function isSrtpPolicy(v: unknown): v is SrtpPolicy {
  return typeof v === 'string' && (SRTP_POLICIES as readonly string[]).includes(v);
}

/** The policy of a leg: the extension's own, else the tenant's, else the default. */
export function effectiveSrtpPolicy(ext: SrtpPolicy | undefined, tenant: SrtpPolicy | undefined): SrtpPolicy {
  return ext ?? tenant ?? DEFAULT_SRTP_POLICY;
}
