import { getHeader } from '../sip/message/headers.js';
import { parseNameAddr } from '../sip/message/name-addr.js';
import type { SipRequest } from '../sip/message/types.js';
import { isSipUri, unescapeUriPart } from '../sip/message/uri.js';

/** The dialog an RFC 3891 Replaces names: Call-ID, to-tag, from-tag (as the sender of the Replaces sees them). */
export interface ReplacesTarget {
  callId: string;
  toTag: string;
  fromTag: string;
  earlyOnly: boolean;
}

/** What a REFER asks for: a user at a host (sip:/sips:), or a number (tel:); maybe with Replaces. */
export type ReferTo =
  | { ok: true; scheme: 'sip' | 'tel'; user: string | undefined; host: string | undefined; replaces?: ReplacesTarget }
  | { ok: false; status: number; reason: string };

/**
 * The Refer-To of a REFER (RFC 3515 §2.1): exactly one, a name-addr or addr-spec. A sip:
 * URI may carry headers after '?' (RFC 3261 §19.1.1); the one that matters is Replaces
 * (RFC 3891 §3: attended transfer), escaped inside the URI. Anything else is refused here:
 * another scheme 403, unreadable 400.
 */
export function parseReferTo(req: SipRequest): ReferTo {
  const all = req.headers.filter((h) => h.name === 'refer-to' || h.name === 'r');
  if (all.length === 0 || getHeader(req, 'refer-to') === undefined) return { ok: false, status: 400, reason: 'Missing Refer-To' };
  if (all.length > 1) return { ok: false, status: 400, reason: 'More than one Refer-To' };
  let na;
  try {
    na = parseNameAddr(all[0]!.value);
  } catch {
    return { ok: false, status: 400, reason: 'Bad Refer-To' };
  }
  const uri = na.uri;
  if (!isSipUri(uri)) {
    if (uri.scheme.toLowerCase() !== 'tel') return { ok: false, status: 403, reason: `Transfer to a ${uri.scheme} URI not allowed` };
    const number = uri.opaque.split(';')[0]!;
    if (!/^[+]?[0-9*#().-]{1,32}$/.test(number)) return { ok: false, status: 400, reason: 'Bad tel: number' };
    return { ok: true, scheme: 'tel', user: number.replace(/[().-]/g, ''), host: undefined };
  }
  let user: string | undefined;
  try {
    user = uri.user === undefined ? undefined : unescapeUriPart(uri.user).split(';')[0];
  } catch {
    return { ok: false, status: 400, reason: 'Bad Refer-To user' };
  }
  if (user !== undefined && !/^[+]?[0-9A-Za-z*#._-]{1,64}$/.test(user)) return { ok: false, status: 400, reason: 'Bad Refer-To user' };
  let replaces: ReplacesTarget | undefined;
  if (uri.headers !== undefined) {
    for (const part of uri.headers.split('&')) {
      const eq = part.indexOf('=');
      const name = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
      if (name !== 'replaces') continue;
      let value: string;
      try {
        value = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
      } catch {
        return { ok: false, status: 400, reason: 'Bad Replaces' };
      }
      const r = parseReplaces(value);
      if (!r) return { ok: false, status: 400, reason: 'Bad Replaces' };
      replaces = r;
    }
  }
  return { ok: true, scheme: 'sip', user, host: uri.host, ...(replaces ? { replaces } : {}) };
}

/**
 * RFC 3891 §6.1: `Replaces: callid;to-tag=…;from-tag=…[;early-only]`. Undefined when a
 * part is missing or repeated.
 */
export function parseReplaces(value: string): ReplacesTarget | undefined {
  const parts = value.split(';').map((p) => p.trim());
  const callId = parts.shift();
  if (!callId || callId.length > 256 || /\s/.test(callId)) return undefined;
  let toTag: string | undefined;
  let fromTag: string | undefined;
  let earlyOnly = false;
  for (const p of parts) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).toLowerCase();
    const v = eq < 0 ? '' : p.slice(eq + 1);
    if (name === 'to-tag') {
      if (toTag !== undefined || !v) return undefined;
      toTag = v;
    } else if (name === 'from-tag') {
      if (fromTag !== undefined || !v) return undefined;
      fromTag = v;
    } else if (name === 'early-only') earlyOnly = true;
  }
  if (toTag === undefined || fromTag === undefined) return undefined;
  return { callId, toTag, fromTag, earlyOnly };
}
