import { parseCSeq } from './cseq.js';
import { parseNameAddr, type NameAddr } from './name-addr.js';
import { parseDigits, splitList, SyntaxError400 } from './scan.js';
import { PARSED, type SipMessage } from './types.js';
import { isSipUri, parseUri } from './uri.js';
import { parseVia, type Via } from './via.js';

/**
 * Structural checks every message must pass before any service sees it: the headers a
 * transaction and a dialog depend on exist once and parse. Throws SyntaxError400.
 *
 * What is decided later, at the edge, is not checked here: unknown URI schemes (416),
 * Require (420), Content-Type (415), unknown methods (501), authorization (401).
 *
 * What it parses it leaves on the message (parsed-headers.ts), so that no later layer parses
 * the Via list, From, To, CSeq, a request's Contacts or its Request-URI again.
 */
export function validateMessage(msg: SipMessage): void {
  const viaKeys: string[] = [];
  const vias: Via[] = [];
  const contactKeys: string[] = [];
  const contacts: NameAddr[] = [];
  let callId: string | undefined;
  let cseq: string | undefined;
  let from: string | undefined;
  let to: string | undefined;
  let maxForwards: string | undefined;
  let contentLength = 0;
  for (const h of msg.headers) {
    switch (h.name) {
      case 'via':
        viaKeys.push(h.value);
        if (h.value.indexOf(',') >= 0) for (const v of splitList(h.value)) vias.push(parseVia(v));
        else vias.push(parseVia(h.value));
        break;
      // RFC 4475 §3.3.8: several values where one is required is an error, never "first wins".
      case 'call-id':
        if (callId !== undefined) throw new SyntaxError400('multiple call-id headers');
        callId = h.value;
        break;
      case 'cseq':
        if (cseq !== undefined) throw new SyntaxError400('multiple cseq headers');
        cseq = h.value;
        break;
      case 'from':
        if (from !== undefined) throw new SyntaxError400('multiple from headers');
        from = h.value;
        break;
      case 'to':
        if (to !== undefined) throw new SyntaxError400('multiple to headers');
        to = h.value;
        break;
      case 'max-forwards':
        if (maxForwards !== undefined) throw new SyntaxError400('multiple max-forwards headers');
        maxForwards = h.value;
        break;
      case 'content-length':
        // RFC 4475 §3.3.9: two lengths leave the framing ambiguous.
        if (++contentLength > 1) throw new SyntaxError400('multiple content-length headers');
        break;
      case 'contact':
        if (msg.kind !== 'request') break;
        contactKeys.push(h.value);
        if (h.value === '*') break;
        if (h.value.indexOf(',') >= 0) for (const c of splitList(h.value)) contacts.push(parseNameAddr(c));
        else contacts.push(parseNameAddr(h.value));
        break;
      default:
        break;
    }
  }
  if (viaKeys.length === 0) throw new SyntaxError400('missing Via');
  if (cseq === undefined) throw new SyntaxError400('missing CSeq');
  const cs = parseCSeq(cseq);
  // RFC 3261 §8.1.1.4: Call-ID is word ["@" word]: never empty, never whitespace.
  if (callId === undefined || callId.length === 0) throw new SyntaxError400('missing Call-ID');
  if (/\s/.test(callId)) throw new SyntaxError400('bad Call-ID');
  if (from === undefined) throw new SyntaxError400('missing From');
  if (to === undefined) throw new SyntaxError400('missing To');
  const parsed: NonNullable<SipMessage[typeof PARSED]> = {
    via: { keys: viaKeys, values: vias },
    cseq: { key: cseq, value: cs },
    from: { key: from, value: parseNameAddr(from) },
    to: { key: to, value: parseNameAddr(to) },
  };
  msg[PARSED] = parsed;
  if (msg.kind !== 'request') return;
  parsed.contact = { keys: contactKeys, values: contacts };
  // RFC 3261 §8.1.1.5, RFC 4475 §3.1.2.17: the CSeq method matches the request's.
  if (cs.method !== msg.method) throw new SyntaxError400('CSeq method does not match request method');
  const uri = parseUri(msg.uri);
  parsed.requestUri = { key: msg.uri, value: uri };
  // RFC 3261 §19.1.5, RFC 4475 §3.1.2.11: headers are not allowed in a Request-URI.
  if (isSipUri(uri) && uri.headers !== undefined) throw new SyntaxError400('headers in Request-URI');
  // RFC 3261 §20.22: Max-Forwards is an integer 0-255 (RFC 4475 §3.1.2.4: 300 is malformed).
  if (maxForwards !== undefined && parseDigits(maxForwards, 255) === undefined) throw new SyntaxError400('bad Max-Forwards');
}
