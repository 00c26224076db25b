import { getHeader, getHeaderValues } from '../message/headers.js';
import { splitList } from '../message/scan.js';
import type { Header, SipRequest } from '../message/types.js';

const EMPTY = Buffer.alloc(0);

/**
 * The CANCEL for a request we sent (RFC 3261 §9.1): the same Request-URI, Call-ID, From,
 * To and CSeq number as the request, with method CANCEL; a single Via equal to the
 * request's top Via (same branch, so it reaches the same server transaction); the
 * request's Route values. It takes nothing from a dialog and consumes no CSeq: an
 * initial INVITE and a re-INVITE are cancelled the same way. `reason` is a Reason value
 * (RFC 3326), e.g. `SIP;cause=200;text="Call completed elsewhere"`.
 */
export function createCancel(request: SipRequest, reason?: string): SipRequest {
  const headers: Header[] = [];
  const via = getHeader(request, 'via');
  if (via !== undefined) headers.push({ name: 'via', value: topValue(via) });
  headers.push({ name: 'max-forwards', value: '70' });
  for (const route of getHeaderValues(request, 'route')) headers.push({ name: 'route', value: route });
  for (const name of ['from', 'to', 'call-id']) {
    const v = getHeader(request, name);
    if (v !== undefined) headers.push({ name, value: v });
  }
  const seq = /^\s*(\d+)/.exec(getHeader(request, 'cseq') ?? '')?.[1];
  if (seq !== undefined) headers.push({ name: 'cseq', value: `${seq} CANCEL` });
  if (reason !== undefined) headers.push({ name: 'reason', value: reason });
  return { kind: 'request', method: 'CANCEL', uri: request.uri, headers, body: EMPTY };
}

function topValue(via: string): string {
  if (via.indexOf(',') < 0) return via;
  try {
    return splitList(via)[0]!;
  } catch {
    return via;
  }
}
