import { contactsOf, getHeader, getHeaderValues } from '../sip/message/headers.js';
import type { NameAddr } from '../sip/message/name-addr.js';
import { SyntaxError400 } from '../sip/message/scan.js';
import type { SipRequest } from '../sip/message/types.js';
import { isSipUri, serializeUri } from '../sip/message/uri.js';
import { sipError } from '../sip/message/reason-phrases.js';

/** One Contact of a REGISTER, read and checked. */
export interface RequestedContact {
  /** Serialized Contact URI (sip: or sips:). */
  uri: string;
  /** The expires contact parameter, if any, in seconds. */
  expires?: number;
  q?: number;
  instance?: string;
  regId?: number;
}

export type RequestedContacts = { kind: 'fetch' } | { kind: 'star' } | { kind: 'list'; contacts: RequestedContact[] };

/** RFC 3261 §20.19 / RFC 4475 §3.1.2.4: delta-seconds beyond 2**32-1 are malformed. */
const MAX_DELTA = 4_294_967_295;

export function parseDeltaSeconds(text: string, what: string): number {
  const t = text.trim();
  if (!/^\d{1,12}$/.test(t)) throw sipError(400, { detail: `bad ${what}` });
  const n = Number(t);
  if (n > MAX_DELTA) throw sipError(400, { detail: `${what} out of range` });
  return n;
}

/** The Expires header of a request, if present. */
export function expiresHeader(req: SipRequest): number | undefined {
  const v = getHeader(req, 'expires');
  return v === undefined ? undefined : parseDeltaSeconds(v, 'Expires');
}

/**
 * Read the Contact headers of a REGISTER (RFC 3261 §10.2.1, §10.3 step 6).
 * Throws SipError 400 on anything the registrar must refuse.
 */
export function readContacts(req: SipRequest): RequestedContacts {
  let values: string[];
  try {
    values = getHeaderValues(req, 'contact');
  } catch (e) {
    throw sipError(400, { detail: 'bad Contact', cause: e });
  }
  if (values.length === 0) return { kind: 'fetch' };
  if (values.some((v) => v === '*')) {
    // RFC 3261 §10.3 step 6: '*' must be the only Contact and Expires must be 0.
    if (values.length !== 1) throw sipError(400, { detail: "'*' with other contacts" });
    if (expiresHeader(req) !== 0) throw sipError(400, { detail: "'*' requires Expires: 0" });
    return { kind: 'star' };
  }
  const contacts: RequestedContact[] = [];
  let parsed: NameAddr[];
  try {
    parsed = contactsOf(req); // validation's parses (parse once, issue 13)
  } catch (e) {
    throw sipError(400, { detail: e instanceof SyntaxError400 ? e.message : 'bad Contact', cause: e });
  }
  for (const na of parsed) {
    if (!isSipUri(na.uri)) throw sipError(400, { detail: 'Contact is not a SIP URI' });
    const c: RequestedContact = { uri: serializeUri(na.uri) };
    const exp = na.params['expires'];
    if (exp !== undefined) {
      if (exp === null) throw sipError(400, { detail: 'empty expires parameter' });
      c.expires = parseDeltaSeconds(exp, 'expires parameter');
    }
    const q = na.params['q'];
    if (q !== undefined && q !== null) {
      // RFC 3261 §20.10: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
      if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(q)) throw sipError(400, { detail: 'bad q value' });
      c.q = Number(q);
    }
    const inst = na.params['+sip.instance'];
    if (inst !== undefined && inst !== null) {
      const bare = inst.replace(/^"|"$/g, '').replace(/^<|>$/g, '');
      if (bare.length === 0 || bare.length > 256) throw sipError(400, { detail: 'bad +sip.instance' });
      c.instance = bare;
    }
    const regId = na.params['reg-id'];
    if (regId !== undefined && regId !== null) {
      if (!/^\d{1,10}$/.test(regId) || Number(regId) < 1 || Number(regId) > MAX_DELTA) throw sipError(400, { detail: 'bad reg-id' });
      c.regId = Number(regId);
    }
    contacts.push(c);
  }
  return { kind: 'list', contacts };
}
