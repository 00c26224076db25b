import { getHeader } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';

/** The caller's number in a carrier's From (`sip:+14155550123@…`), for the record of an inbound call; untrusted, digits only. */
export function callerNumberOf(req: SipRequest): string | undefined {
  const from = getHeader(req, 'from') ?? '';
  const m = /sips?:([+]?[0-9*#]{3,32})@/i.exec(from);
  return m ? m[1] : undefined;
}
