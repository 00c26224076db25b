import { createResponse } from '../sip/message/response.js';
import type { Header, SipRequest, SipResponse } from '../sip/message/types.js';
import { getHeaderValues } from '../sip/message/headers.js';
import { viaValue, type LocalVia } from '../sip/dialog/local-via.js';
import { newCallId, newTag } from '../util/ids.js';

/** What this B2BUA writes in Allow (RFC 3261 §20.5) on both legs. */
export const B2BUA_ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, PRACK, REFER, NOTIFY';

export type { LocalVia } from '../sip/dialog/local-via.js';

export interface ForkInviteInput {
  requestUri: string;
  /** The caller's From, display name and URI, as the callee should see it (caller ID). */
  fromValue: string;
  toUri: string;
  via: LocalVia;
  contact: string;
  body: Buffer;
  extraHeaders?: ReadonlyArray<readonly [string, string]>;
}

/** The INVITE for one branch of a call: a new dialog of our own towards the callee. */
export function buildForkInvite(i: ForkInviteInput): SipRequest {
  const headers: Header[] = [
    { name: 'via', value: viaValue(i.via) },
    { name: 'max-forwards', value: '70' },
    { name: 'from', value: `${i.fromValue};tag=${newTag()}` },
    { name: 'to', value: `<${i.toUri}>` },
    { name: 'call-id', value: newCallId() },
    { name: 'cseq', value: '1 INVITE' },
    { name: 'contact', value: `<${i.contact}>` },
    { name: 'allow', value: B2BUA_ALLOW },
    // RFC 3262 §4: we PRACK a callee's reliable provisionals (fork.ts), so carriers may send them.
    { name: 'supported', value: '100rel' },
  ];
  for (const [n, v] of i.extraHeaders ?? []) headers.push({ name: n.toLowerCase(), value: v });
  if (i.body.length > 0) headers.push({ name: 'content-type', value: 'application/sdp' });
  return { kind: 'request', method: 'INVITE', uri: i.requestUri, headers, body: i.body };
}

/** A response to the caller on our UAS dialog: our To tag, our Contact, SDP when given. */
export function answerCaller(invite: SipRequest, status: number, o: { toTag: string; contact?: string; reason?: string; body?: Buffer; headers?: ReadonlyArray<readonly [string, string]> }): SipResponse {
  const headers: Array<[string, string]> = [];
  // RFC 3261 §12.1.1: a dialog-creating response copies the Record-Route of the request.
  if (status > 100 && status < 300) for (const rr of getHeaderValues(invite, 'record-route')) headers.push(['Record-Route', rr]);
  if (o.contact && status < 300 && status > 100) headers.push(['Contact', `<${o.contact}>`]);
  if (status >= 180 && status < 300) headers.push(['Allow', B2BUA_ALLOW]);
  for (const h of o.headers ?? []) headers.push([h[0], h[1]]);
  if (o.body && o.body.length > 0) headers.push(['Content-Type', 'application/sdp']);
  return createResponse(invite, status, { toTag: o.toTag, ...(o.reason ? { reason: o.reason } : {}), headers, ...(o.body ? { body: o.body } : {}) });
}

/** Copy the headers worth carrying from one leg's request to the other's (bodies go separately). */
export function relayableHeaders(req: SipRequest): Array<[string, string]> {
  // Session-Expires/Min-SE are per leg (each leg runs its own session timer), not relayed.
  // REFER (RFC 3515) needs its Refer-To, with Referred-By (RFC 3892) and Refer-Sub (RFC 4488).
  const keep = new Set(['content-type', 'event', 'subscription-state', 'info-package', 'recv-info', 'reason', 'refer-to', 'referred-by', 'refer-sub']);
  const out: Array<[string, string]> = [];
  for (const h of req.headers) if (keep.has(h.name)) out.push([h.name, h.value]);
  return out;
}
