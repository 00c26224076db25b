/**
 * An application leg whose caller sent its INVITE without SDP (RFC 3261 §13.2.1 "late
 * offer", Cisco trunks and some phones by default): the PBX makes the offer in its 200 (the
 * codecs an application can play and record: G.711 and G.722, with telephone-event) from
 * leg A of the leg's media session, and the caller's ACK must carry the answer
 * (§13.3.1.4). Until then the application waits in AppChannel.answer(). An ACK without a
 * usable answer leaves the session without agreed media: the leg is hung up (RFC 6337
 * §3.1.1). The answer, being the caller's media description, also stands in for the
 * caller's offer when the application later continues to an extension or a trunk.
 */
import { TRANSCODABLE_CODECS } from '../sdp/codecs.js';
import { pbxOffer } from '../sdp/pbx-offer.js';
import type { CallMediaSession, MediaCodec, MediaRemote } from './ports.js';
import { SdpBridge } from './sdp-bridge.js';

/** What an application leg's media can play and record (conference-answer.ts takes the same). */
const APP_CODECS = TRANSCODABLE_CODECS.filter((c) => ['PCMU', 'PCMA', 'G722'].includes(c.name.toUpperCase()));

export class AppLateOffer {
  private readonly sdp: SdpBridge;
  private resolveAck: ((body: Buffer | undefined) => void) | undefined;
  private readonly ack: Promise<Buffer | undefined>;

  constructor(mediaAddress: string, ownAddresses: readonly string[]) {
    this.sdp = new SdpBridge(mediaAddress, ownAddresses);
    this.ack = new Promise((resolve) => (this.resolveAck = resolve));
  }

  /** Our offer for the 200, from leg A. */
  offer(media: CallMediaSession): Buffer {
    return this.sdp.ownOfferTo('a', pbxOffer(APP_CODECS), media);
  }

  /** The caller's ACK arrived (its body, maybe empty); or undefined: none will (the leg ended). */
  acked(body: Buffer | undefined): void {
    this.resolveAck?.(body);
    this.resolveAck = undefined;
  }

  /** The answer from the ACK, checked against our offer; undefined when there is none usable. */
  async answer(callerIp: string): Promise<{ codec: MediaCodec; remote: MediaRemote; moved: boolean; body: Buffer } | undefined> {
    const body = await this.ack;
    if (body === undefined || body.length === 0) return undefined;
    const r = this.sdp.answerToOwnOffer('a', body, callerIp);
    if (!r?.codec) return undefined;
    return { codec: r.codec, remote: r.remote, moved: r.moved, body };
  }
}
