import { SipError } from '../../util/errors.js';
import { firstContactOf } from '../message/headers.js';
import { isSipUri, serializeUri } from '../message/uri.js';
import type { SipMessage } from '../message/types.js';
import { sipError } from '../message/reason-phrases.js';

/**
 * The URI of the Contact of a message, as a dialog's remote target (RFC 3261 §12.1.1,
 * §12.1.2, §12.2). Undefined when there is no Contact. The URI is kept as sent: a GRUU
 * (RFC 5627, `;gr=urn:uuid:…`), an outbound `;ob` flag (RFC 5626) and every other
 * parameter stay in it, and whoever sends the request decides where it goes.
 *
 * Throws SipError 400 when the Contact does not parse, is `*`, or is not a SIP or SIPS
 * URI (§8.1.1.8: a dialog-creating request's Contact holds exactly one SIP or SIPS URI).
 * When a list is given, the first value is used.
 */
export function contactUri(msg: SipMessage): string | undefined {
  let first;
  try {
    first = firstContactOf(msg); // parsed once (issue 13): validation's parse of a request's Contact
  } catch (e) {
    throw badContact('malformed Contact', e);
  }
  if (first === undefined) return undefined;
  if (first === '*') throw badContact('Contact * in a dialog');
  const uri = first.uri;
  if (!isSipUri(uri)) throw badContact('Contact is not a SIP or SIPS URI');
  return serializeUri(uri);
}

function badContact(detail: string, cause?: unknown): SipError {
  return sipError(400, { detail, cause });
}
