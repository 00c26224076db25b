import { getHeader, tagOf } from '../../sip/message/headers.js';
import type { SipRequest } from '../../sip/message/types.js';
import type { Inbound } from '../../sip/transport/types.js';
import type { StatelessReplier } from '../stateless-reply.js';
import type { OverloadControl } from './overload-control.js';

/**
 * The edge's overload check for a request that matched no server transaction (so not a
 * retransmission) and is neither ACK nor CANCEL (the caller handled those first). A
 * request inside a dialog (To has a tag: a BYE, re-INVITE, INFO, refresh of a call or
 * subscription that exists) is never shed: it ends or keeps work already accepted, and
 * an unknown one costs a 481, no more than a 503. Returns true when the request was shed
 * (answered 503 with Retry-After, RFC 3261 §21.5.4, statelessly, or dropped).
 */
export function shedNewRequest(control: OverloadControl, replier: StatelessReplier, inbound: Inbound, req: SipRequest): boolean {
  if (control.level() === 'normal') return false;
  if (tagOf(getHeader(req, 'to')) !== undefined) return false;
  const credentials = getHeader(req, 'authorization') !== undefined || getHeader(req, 'proxy-authorization') !== undefined;
  const verdict = control.decide({ method: req.method, credentials });
  if (verdict.action === 'serve') return false;
  control.count(verdict.reason);
  if (verdict.action === 'reject') {
    replier.reply(inbound, 503, { headers: [['Retry-After', String(verdict.retryAfter)]] });
  }
  return true;
}
