import { getHeader, tagOf } from '../message/headers.js';
import type { SipRequest, SipResponse } from '../message/types.js';

/**
 * Dialog ids as map keys (RFC 3261 §12: Call-ID, local tag, remote tag), joined with NUL
 * as src/b2bua/call-registry.ts does, so keys from either place agree. Our tags are hex
 * and never hold a NUL, so a peer cannot make its key equal to that of a dialog whose
 * id it does not already know. Call-IDs and tags are compared exactly, octet by octet
 * (§20.8; tags are opaque tokens that we or the peer minted and that come back unchanged).
 */
const SEP = '\u0000';

export interface DialogId {
  callId: string;
  localTag: string;
  /** Empty when an RFC 2543 peer sent its INVITE without a From tag (§12.1.1). */
  remoteTag: string;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return callId + SEP + localTag + SEP + remoteTag;
}

export function keyOfDialogId(id: DialogId): string {
  return dialogKey(id.callId, id.localTag, id.remoteTag);
}

/**
 * The key of the dialog a received request belongs to (§12.2.2): our tag is in To, the
 * peer's in From. Undefined when To has no tag (the request is outside any dialog) or
 * there is no Call-ID.
 */
export function dialogKeyOfRequest(req: SipRequest): string | undefined {
  const callId = getHeader(req, 'call-id');
  const local = tagOf(getHeader(req, 'to'));
  if (callId === undefined || local === undefined) return undefined;
  return dialogKey(callId, local, tagOf(getHeader(req, 'from')) ?? '');
}

/**
 * The key of the dialog a received response belongs to (§12.1.2, §12.2.1.2): our tag is
 * in From, the peer's in To. Undefined when To has no tag (a 100, or a peer that does not
 * create dialogs) or there is no Call-ID.
 */
export function dialogKeyOfResponse(res: SipResponse): string | undefined {
  const callId = getHeader(res, 'call-id');
  const remote = tagOf(getHeader(res, 'to'));
  const local = tagOf(getHeader(res, 'from'));
  if (callId === undefined || remote === undefined || local === undefined) return undefined;
  return dialogKey(callId, local, remote);
}
