/**
 * A leg the PBX answered as UAS (a phone that dialled a pickup code or a park slot) put into
 * an existing call in place of one of its parties. The call keeps each of its sides in a
 * Fork (its dialog, its target, its INVITE, the extension for the record); this one is
 * already answered and never sends an INVITE or a CANCEL: BYE, re-INVITE and the record go
 * through it like through any answered fork.
 */
import { Dialog } from '../sip/dialog/dialog.js';
import { cseqOf, getHeader } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import type { Target } from '../sip/transport/types.js';
import { Fork, type ForkOwner, type ForkTransport } from './fork.js';

const NOBODY: ForkOwner = { onProvisional() {}, onSuccess() {}, onFailure() {}, onSuccessRetransmission() {} };
const NO_IO: ForkTransport = {
  sendInvite() {
    throw new Error('a leg answered by the PBX sends no INVITE');
  },
  sendCancel() {},
};

/** The answered leg for `req` from extension `ext`, with our tag and Contact; undefined when the INVITE has no usable Contact (400). */
export function uasLeg(req: SipRequest, ext: string, target: Target, localTag: string, contact: string, now: number): Fork | undefined {
  let dialog: Dialog;
  try {
    dialog = Dialog.asUas(req, localTag, contact);
  } catch {
    return undefined;
  }
  const leg = new Fork(
    -1,
    {
      requestUri: dialog.remoteTarget,
      target,
      binding: {
        aor: ext,
        contact: dialog.remoteTarget,
        callId: getHeader(req, 'call-id') ?? '',
        cseq: cseqOf(req).seq,
        expiresAt: now,
        source: { protocol: target.protocol, address: target.address, port: target.port, ...(target.connectionId !== undefined ? { connectionId: target.connectionId } : {}), localAddress: '', localPort: 0 },
        updatedAt: now,
      },
    },
    req,
    NOBODY,
    NO_IO,
  );
  leg.state = 'answered';
  leg.dialog = dialog;
  return leg;
}
