import { cseqOf } from '../sip/message/headers.js';
import { createResponse } from '../sip/message/response.js';
import type { SipRequest } from '../sip/message/types.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { Call } from './call.js';
import type { Side } from './call-registry.js';
import { farEndAddress } from './fork-targets.js';

/**
 * A re-INVITE without SDP on an answered call (RFC 3261 §14.2), the "refresh" phones and
 * carriers send: answered here, on the leg it came from, with our current description of
 * that leg as an offer in the 200 (the same o= version: nothing changed, RFC 3264 §8), and
 * the answer taken from the ACK (ack-answer.ts). The other leg hears nothing of it: its
 * media does not change, and relaying it as a re-INVITE without SDP would make the other
 * party offer anew for nothing. An answer that moves the leg's media (another address,
 * port or codec) is applied to that leg only. An ACK without a usable answer ends the call,
 * as after a late-offer INVITE.
 *
 * `headers`: our session-timer answer and Contact for the 200 (in-dialog-relay.ts).
 */
export function answerOfferlessReinvite(call: Call, side: Side, req: SipRequest, tx: ServerTransaction, headers: Array<[string, string]>): boolean {
  const media = call.mediaSession;
  const offer = call.sdpBridge.reofferTo(side);
  if (!offer || !media) return false;
  const ok = createResponse(req, 200, { headers: [...headers, ['Content-Type', 'application/sdp']], body: offer });
  tx.respond(ok);
  const ip = side === 'a' ? call.input.callerSourceAddress : (call.winner ? farEndAddress(call.winner.target) : '');
  const reliable = (side === 'a' ? call.callerTarget.protocol : call.winner?.target.target.protocol) !== 'udp';
  call.ackAnswers.expect(
    side,
    cseqOf(req).seq,
    {
      answered: (body) => {
        const r = call.sdpBridge.answerToOwnOffer(side, body, ip);
        if (!r) return false;
        void media.setRemote(side, r.remote).then(() => (r.moved ? media.resetLatch(side) : undefined)).catch(() => undefined);
        if (r.codec) call.useLegCodec(side, r.codec);
        return true;
      },
      failed: (cause) => call.hangupBoth('system', cause),
    },
    // RFC 3261 §13.3.1.4: the UAS core retransmits its 2xx until the ACK (unreliable transports).
    reliable ? undefined : () => tx.respond(ok),
  );
  return true;
}
