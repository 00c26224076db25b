import { getHeader } from '../sip/message/headers.js';
import { parseNameAddr } from '../sip/message/name-addr.js';
import type { SipRequest } from '../sip/message/types.js';
import { isSipUri, unescapeUriPart } from '../sip/message/uri.js';
import { dialledNumber, type OutboundDecision } from './call-plan.js';

/** Who sent a REFER inside a call: one of the tenant's extensions (with its class of service), or a trunk. */
export type Referrer = { kind: 'extension'; ext: string; classOfService: string } | { kind: 'trunk' };

export type ReferVerdict = { ok: true } | { ok: false; status: number; reason: string };

/**
 * Toll fraud through transfer (RFC 3515 REFER): whoever executes the REFER places a new
 * call, and a carrier executing it places it at the tenant's expense. So a REFER whose
 * Refer-To is a number the dial plan would send out through a trunk passes only when it
 * comes from an extension whose class of service allows that number, and never when it
 * comes from a trunk. A Refer-To that is one of the tenant's extensions passes as before.
 */
export function checkRefer(req: SipRequest, referrer: Referrer, route: (dialled: string, classOfService: string) => OutboundDecision): ReferVerdict {
  const value = getHeader(req, 'refer-to');
  // RFC 3515 §2.4.1: exactly one Refer-To.
  if (value === undefined) return { ok: false, status: 400, reason: 'Missing Refer-To' };
  let user: string | undefined;
  try {
    const na = parseNameAddr(value);
    if (isSipUri(na.uri)) user = na.uri.user === undefined ? undefined : unescapeUriPart(na.uri.user);
    // RFC 3966: tel:+44… names a number as plainly as sip:+44…@host.
    else if (na.uri.scheme.toLowerCase() === 'tel') user = na.uri.opaque;
    else return { ok: false, status: 403, reason: `Transfer to a ${na.uri.scheme} URI not allowed` };
  } catch {
    return { ok: false, status: 400, reason: 'Bad Refer-To' };
  }
  // No user part: a transfer to a host is not a number; it cannot reach a trunk through us.
  if (user === undefined) return { ok: true };
  const dialled = dialledNumber(user.split(';')[0]!);
  const cos = referrer.kind === 'extension' ? referrer.classOfService : 'internal';
  const d = route(dialled, cos);
  if (d.kind === 'internal') return { ok: true };
  if (referrer.kind === 'trunk') return { ok: false, status: 403, reason: 'Transfer to an outside number not allowed from a trunk' };
  if (d.kind === 'refused') return { ok: false, status: 403, reason: `Transfer not allowed: ${d.reason}` };
  return { ok: true };
}
