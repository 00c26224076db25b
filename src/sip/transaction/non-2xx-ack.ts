import { getHeader, getHeaderValues } from '../message/headers.js';
import type { Header, SipRequest, SipResponse } from '../message/types.js';
import { splitList } from '../message/scan.js';

const EMPTY = Buffer.alloc(0);

/**
 * The ACK an INVITE client transaction sends for a non-2xx final response
 * (RFC 3261 §17.1.1.3): Request-URI, Call-ID and From of the original request; the To
 * of the response being acknowledged; one Via, equal to the top Via of the original
 * request; the CSeq number of the request with method ACK; and the request's Route
 * headers, because the ACK follows the INVITE hop by hop.
 */
export function buildNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const headers: Header[] = [];
  const via = getHeader(invite, 'via');
  if (via !== undefined) headers.push({ name: 'via', value: via.indexOf(',') >= 0 ? splitList(via)[0]! : via });
  // §8.1.1.6: every request carries Max-Forwards; the ACK travels the INVITE's path.
  headers.push({ name: 'max-forwards', value: getHeader(invite, 'max-forwards') ?? '70' });
  for (const route of getHeaderValues(invite, 'route')) headers.push({ name: 'route', value: route });
  const from = getHeader(invite, 'from');
  if (from !== undefined) headers.push({ name: 'from', value: from });
  const to = getHeader(response, 'to') ?? getHeader(invite, 'to');
  if (to !== undefined) headers.push({ name: 'to', value: to });
  const callId = getHeader(invite, 'call-id');
  if (callId !== undefined) headers.push({ name: 'call-id', value: callId });
  const cseq = getHeader(invite, 'cseq');
  const seq = cseq === undefined ? undefined : /^\s*(\d+)/.exec(cseq)?.[1];
  if (seq !== undefined) headers.push({ name: 'cseq', value: `${seq} ACK` });
  return { kind: 'request', method: 'ACK', uri: invite.uri, headers, body: EMPTY };
}
