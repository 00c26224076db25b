import { pbxOffer } from '../sdp/pbx-offer.js';
import { TRANSCODABLE_CODECS } from '../sdp/codecs.js';
import type { SipRequest } from '../sip/message/types.js';
import type { CallMediaSession, LegCodecs, MediaCodec, MediaRemote } from './ports.js';
import type { SdpBridge } from './sdp-bridge.js';

/** An INVITE without a body: the caller leaves the offer to us (RFC 3261 §13.2.1 "late offer"). */
export function isLateOffer(invite: SipRequest): boolean {
  return invite.body.length === 0;
}

/**
 * One call whose caller sent its INVITE without SDP (RFC 3261 §13.2.1, RFC 3264), as Cisco
 * CUBE/CUCM trunks and some phones do by default. The B2BUA makes both offers itself:
 *
 *   1. to the callee, from leg B of the call's media session: every codec the media
 *      workers carry (pbx-offer.ts), so the callee's answer needs nothing from the caller;
 *   2. when the callee answers (its 200, or a reliable 18x before it), media towards the
 *      callee is set up, and our 200 to the caller carries an offer from leg A with the
 *      callee's codec first (the caller that takes it makes the call a plain relay; another
 *      one is transcoded);
 *   3. the caller's ACK carries the answer (ack-answer.ts); then media towards the caller is
 *      set up. An ACK without a usable answer ends the call (the Call says so in its record).
 *
 * Early media from the callee is not passed to a late-offer caller: an offer may not go in
 * an unreliable 18x (RFC 3261 §13.2.1), and we do not offer in a reliable one; the caller
 * hears ringing (180) until the answer.
 */
export class LateOffer {
  private calleeCodec: MediaCodec | undefined;

  constructor(
    private readonly sdp: SdpBridge,
    private readonly callerIp: string,
    private readonly warn: (message: string, fields?: Record<string, unknown>) => void,
  ) {}

  /** Our offer to the callee, from leg B: the codecs the PBX carries. */
  offerToCallee(media: CallMediaSession): Buffer {
    return this.sdp.ownOfferTo('b', pbxOffer(TRANSCODABLE_CODECS), media);
  }

  /** The callee's answer to our offer: media towards it set up. False when it is no answer to it. */
  calleeAnswered(body: Buffer, media: CallMediaSession, calleeIp: string): boolean {
    const r = this.sdp.answerToOwnOffer('b', body, calleeIp);
    if (!r) return false;
    this.calleeCodec = r.codec;
    this.setRemote(media, 'b', r);
    return true;
  }

  /** Our offer to the caller, for our 200: the callee's codec first. */
  offerToCaller(media: CallMediaSession): Buffer {
    return this.sdp.ownOfferTo('a', pbxOffer(TRANSCODABLE_CODECS, this.calleeCodec), media);
  }

  /** The answer in the caller's ACK: media towards the caller, and what each leg carries. False when unusable. */
  callerAnswered(body: Buffer, media: CallMediaSession, useCodecs: (codecs: LegCodecs) => void): boolean {
    const r = this.sdp.answerToOwnOffer('a', body, this.callerIp);
    if (!r?.codec) return false;
    this.setRemote(media, 'a', r);
    if (this.calleeCodec) useCodecs({ a: r.codec, b: this.calleeCodec });
    return true;
  }

  private setRemote(media: CallMediaSession, side: 'a' | 'b', r: { remote: MediaRemote; moved: boolean }): void {
    media
      .setRemote(side, r.remote)
      .then(() => (r.moved ? media.resetLatch(side) : undefined))
      .catch((e: unknown) => this.warn('setRemote failed', { side, error: e }));
  }
}
