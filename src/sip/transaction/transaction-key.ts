import { cseqOf, getHeader, tagOf, topVia } from '../message/headers.js';
import { splitList } from '../message/scan.js';
import type { SipMessage, SipRequest } from '../message/types.js';
import { isRfc3261Branch } from '../message/via.js';

/**
 * Transaction matching keys. Fields are joined with '\n', which cannot occur inside a
 * parsed header value or Request-URI, so two different tuples never give the same key.
 */
const SEP = '\n';

/**
 * The key of the server transaction a request belongs to (RFC 3261 §17.2.3).
 *
 * With an RFC 3261 branch (z9hG4bK and more after it): branch, sent-by of the top Via,
 * and method, where ACK counts as INVITE. CANCEL keeps its own method, so it gets its
 * own transaction. `asMethod` overrides the method (CANCEL → INVITE for §9.2).
 *
 * Otherwise (RFC 2543 peers, and a bare "z9hG4bK" which RFC 4475 §3.2.1 says is not a
 * valid 3261 branch): Request-URI, To tag, From tag, Call-ID, CSeq and the whole top Via.
 * An ACK is not found by this key (its To tag is the one of the response); use
 * rfc2543AckKey() for it.
 *
 * Throws (SyntaxError400 from the message helpers) when a header it needs is missing or
 * malformed; the parser guarantees them for inbound messages.
 */
export function serverKey(req: SipRequest, asMethod?: string): string {
  const via = topVia(req);
  const branch = via.params['branch'];
  const method = asMethod ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  if (isRfc3261Branch(branch)) {
    return 'b' + SEP + branch + SEP + via.host + ':' + (via.port ?? '') + SEP + method;
  }
  const cseq = cseqOf(req);
  return (
    'o' + SEP + req.uri + SEP + (tagOf(getHeader(req, 'to')) ?? '') + SEP + (tagOf(getHeader(req, 'from')) ?? '') + SEP +
    (getHeader(req, 'call-id') ?? '') + SEP + cseq.seq + SEP + (asMethod ?? cseq.method) + SEP + topViaText(req)
  );
}

/** True when the request's top Via carries an RFC 3261 branch, so serverKey() is branch based. */
export function hasRfc3261Branch(req: SipRequest): boolean {
  return isRfc3261Branch(topVia(req).params['branch']);
}

/**
 * RFC 3261 §17.2.3, for RFC 2543 requests: an ACK matches the INVITE whose Request-URI,
 * From tag, Call-ID, CSeq number and top Via are the same; the To tag must then equal the
 * To tag of the response the INVITE transaction sent (the caller checks that). The same
 * key computed from the INVITE indexes the transaction.
 */
export function rfc2543AckKey(req: SipRequest): string {
  const cseq = cseqOf(req);
  return 'a' + SEP + req.uri + SEP + (tagOf(getHeader(req, 'from')) ?? '') + SEP + (getHeader(req, 'call-id') ?? '') + SEP + cseq.seq + SEP + topViaText(req);
}

/**
 * The key of the client transaction a response belongs to (RFC 3261 §17.1.3): the branch
 * of the top Via and the CSeq method. Undefined when the response has no 3261 branch,
 * which no transaction of ours ever sends, so such a response matches nothing.
 */
export function clientKeyOfResponse(msg: SipMessage): string | undefined {
  const branch = topVia(msg).params['branch'];
  if (!isRfc3261Branch(branch)) return undefined;
  return branch + SEP + cseqOf(msg).method;
}

/** The client key of a request we are about to send; it must carry a 3261 branch. */
export function clientKeyOfRequest(req: SipRequest): string {
  const branch = topVia(req).params['branch'];
  if (!isRfc3261Branch(branch)) throw new TypeError('a client transaction needs a top Via with an RFC 3261 branch (util/ids newBranch)');
  return branch + SEP + req.method;
}

function topViaText(msg: SipMessage): string {
  const v = getHeader(msg, 'via') ?? '';
  return (v.indexOf(',') >= 0 ? splitList(v)[0]! : v).trim();
}
