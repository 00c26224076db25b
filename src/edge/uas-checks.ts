import { getHeader, getHeaderValues, requestUriOf } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import { isSipUri } from '../sip/message/uri.js';
import { SipError } from '../util/errors.js';
import { sipError } from '../sip/message/reason-phrases.js';

/** Every method this server recognises (RFC 3261 and its extensions). Others get 501. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'REGISTER',
  'OPTIONS',
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'INFO',
  'UPDATE',
  'PRACK',
  'REFER',
  'NOTIFY',
  'SUBSCRIBE',
  'MESSAGE',
  'PUBLISH',
]);

/** Methods implemented so far; the rest of KNOWN_METHODS get 405 with this Allow list. */
export const ALLOWED_METHODS = ['REGISTER', 'OPTIONS', 'INVITE', 'ACK', 'CANCEL', 'BYE', 'UPDATE', 'INFO', 'PRACK', 'SUBSCRIBE'];

/** Option tags we honour in Require (RFC 3261 §8.2.2.3); 100rel: RFC 3262 (b2bua/caller-early-leg.ts). */
export const SUPPORTED_OPTIONS: ReadonlySet<string> = new Set(['path', 'outbound', 'timer', 'gruu', '100rel']);

/** Body types a session-handling method may carry. */
const ACCEPTED_BODIES = new Set(['application/sdp', 'multipart/mixed']);
const SESSION_METHODS = new Set(['INVITE', 'UPDATE', 'PRACK', 'ACK']);

/**
 * The checks any UAS makes before looking at who the request is for (RFC 3261 §8.2.1–§8.2.3),
 * in the order the RFC gives. Returns the error to answer with, or undefined to go on.
 */
export function uasChecks(req: SipRequest): SipError | undefined {
  // §8.2.1: the method must be one we know.
  if (!KNOWN_METHODS.has(req.method)) {
    return sipError(501, { headers: [['Allow', ALLOWED_METHODS.join(', ')]] });
  }
  // §8.2.2.1: a Request-URI scheme we do not understand gets 416 (RFC 4475 §3.3.2).
  const uri = requestUriOf(req);
  if (!isSipUri(uri)) return sipError(416);
  // §8.2.2.3: unknown option tags in Require (and, acting as a proxy, Proxy-Require) get 420;
  // never for ACK or CANCEL.
  if (req.method !== 'ACK' && req.method !== 'CANCEL') {
    const unsupported: string[] = [];
    for (const name of ['require', 'proxy-require']) {
      for (const tag of safeValues(req, name)) {
        const t = tag.trim();
        if (t && !SUPPORTED_OPTIONS.has(t.toLowerCase()) && !unsupported.includes(t)) unsupported.push(t);
      }
    }
    if (unsupported.length > 0) return sipError(420, { headers: [['Unsupported', unsupported.join(', ')]] });
  }
  // §8.2.3: a body we cannot read gets 415 with Accept.
  if (SESSION_METHODS.has(req.method) && req.body.length > 0) {
    const ct = (getHeader(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!ACCEPTED_BODIES.has(ct)) return sipError(415, { headers: [['Accept', 'application/sdp']] });
  }
  // §8.2.3 / RFC 4475 §3.3.15: if the caller accepts no body type we could answer with, 406.
  if (req.method === 'INVITE' && getHeader(req, 'accept') !== undefined) {
    const accepted = safeValues(req, 'accept').map((a) => a.split(';')[0]!.trim().toLowerCase());
    if (accepted.length > 0 && !accepted.some((a) => a === 'application/sdp' || a === '*/*' || a === 'application/*')) {
      return sipError(406, { headers: [['Accept', 'application/sdp']] });
    }
  }
  return undefined;
}

function safeValues(req: SipRequest, name: string): string[] {
  try {
    return getHeaderValues(req, name);
  } catch {
    return [];
  }
}
