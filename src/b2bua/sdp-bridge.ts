import { conformAnswerDirections } from '../sdp/answer-direction.js';
import { mapAnswer, type NegotiatedCodec } from '../sdp/answer-mapping.js';
import { describeFormats, isTelephoneEvent, TRANSCODABLE_CODECS, type Codec } from '../sdp/codecs.js';
import { augmentOffer } from '../sdp/transcode-offer.js';
import { checkAnswer, filterOffer, isHold, mediaEndpoint, rewriteConnection, SdpOrigin } from '../sdp/offer-answer.js';
import { parseSdp } from '../sdp/parse.js';
import type { SessionDescription } from '../sdp/types.js';
import { getHeader } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import { specialUseClass } from '../util/address-class.js';
import type { Side } from './call-registry.js';
import type { CallMediaSession, LegCodecs, MediaRemote } from './ports.js';
import { plainSdp, SrtpRefusal, type SrtpLegs } from './srtp-legs.js';
import { browserPlain, WebrtcRefusal, type WebrtcLegs } from './webrtc-legs.js';
import { sipError } from '../sip/message/reason-phrases.js';

/**
 * Offer/answer between the two legs of a call (RFC 3264), with the PBX in the media
 * path: each SDP is filtered to the codecs we relay, its c= and m= are rewritten to the
 * PBX's port on the other leg, and the far end's address becomes the media worker's
 * expected remote. Each leg keeps its own origin (o=) with its own version (§8).
 *
 * Transcoding (issue 10): each offer is widened with the codecs the PBX can transcode to
 * (augmentOffer), and each answer is mapped back onto the offerer's own offer
 * (mapAnswer), which also says which codec each leg carries: the same one (plain relay)
 * or two different ones (the media worker transcodes).
 */
export class SdpBridge {
  private readonly originTo: Record<Side, SdpOrigin>;
  /** The last offer passed across in each direction, to check its answer against (§6.1). */
  private pendingOffer: PassedOffer | undefined;
  /** The last offer passed across, kept after its answer: a 200 after a 183 maps the same way. */
  private lastOffer: PassedOffer | undefined;
  private readonly lastSent: Record<Side, Buffer | undefined> = { a: undefined, b: undefined };
  private readonly remoteKey: Record<Side, string | undefined> = { a: undefined, b: undefined };
  /** The PBX's own offer to each leg (late offer, re-INVITE without SDP), to check its answer against. */
  private readonly ownOffers: Record<Side, SessionDescription | undefined> = { a: undefined, b: undefined };
  /** SDES-SRTP per leg (srtp-legs.ts); absent: a=crypto passes as any attribute. */
  srtp: SrtpLegs | undefined;
  /** Browser legs (webrtc-legs.ts: ICE-lite, DTLS-SRTP); absent: UDP/TLS/RTP/SAVPF is refused like any unknown profile. */
  webrtc: WebrtcLegs | undefined;
  /** Why the last description was refused by the SRTP policy (for the log). */
  srtpRefusal: string | undefined;
  private lastMedia: CallMediaSession | undefined;
  /** The last description each leg sent (offer or answer, SDES taken out): its own address and codecs, for direct media. */
  private readonly lastIn: Record<Side, SessionDescription | undefined> = { a: undefined, b: undefined };

  /**
   * ownAddresses: the PBX's own IPs (rtp.address, SIP listeners, publicAddress), which a
   * far end may not name as its media address unless it signals from there itself.
   */
  constructor(
    private readonly mediaAddress: string,
    private readonly ownAddresses: readonly string[] = [],
    private readonly transcodable: readonly Codec[] = TRANSCODABLE_CODECS,
  ) {
    this.originTo = { a: new SdpOrigin({ address: mediaAddress }), b: new SdpOrigin({ address: mediaAddress }) };
  }

  /**
   * The caller's offer, checked before a call is set up: no codec in common gets 488,
   * unreadable SDP gets 400. An INVITE without SDP (late offer) is not checked here: the
   * B2BUA makes the offers itself (late-offer.ts); a conference room still answers it 488.
   */
  static checkOffer(req: SipRequest): Buffer {
    const ct = getHeader(req, 'content-type');
    if (req.body.length === 0) throw sipError(488, { detail: 'an INVITE without an SDP offer is not supported' });
    if (ct !== undefined && !/^\s*application\/sdp\b/i.test(ct)) throw sipError(415);
    let sd: SessionDescription;
    try {
      sd = parseSdp(req.body);
    } catch (e) {
      throw sipError(400, { detail: `bad SDP: ${(e as Error).message}`, cause: e });
    }
    // RTP/SAVP is plain RTP/AVP to the codec check: whether SRTP can be had is the call's SrtpLegs' to say.
    if (!filterOffer(plainSdp(browserPlain(sd)).sd)) throw sipError(488, { detail: 'no common codec' });
    return req.body;
  }

  /** The caller's initial offer, rewritten for the callee (leg B's port). */
  offerToCallee(offerBody: Buffer, media: CallMediaSession, callerIp: string): { body: Buffer; callerRemote: MediaRemote } {
    const r = this.relayOffer('a', offerBody, media, callerIp);
    if (!r) throw sipError(488, this.srtpRefusal ? { detail: this.srtpRefusal } : {});
    return { body: r.body, callerRemote: r.remote };
  }

  /** The callee's answer (in 183 or 200), rewritten for the caller (leg A's port). */
  answerToCaller(answerBody: Buffer, media: CallMediaSession, calleeIp: string): { body: Buffer; calleeRemote: MediaRemote; codecs?: LegCodecs } | undefined {
    const r = this.relayAnswer('b', answerBody, media, calleeIp);
    return r ? { body: r.body, calleeRemote: r.remote, ...(r.codecs ? { codecs: r.codecs } : {}) } : undefined;
  }

  /** An offer from one side, for the other: undefined when it has no codec in common. */
  relayOffer(from: Side, body: Buffer, media: CallMediaSession, signallingIp: string): { body: Buffer; remote: MediaRemote; hold: boolean; moved: boolean } | undefined {
    const sd = this.srtpIn(from, safeParse(body), 'offer');
    if (!sd) return undefined;
    const filtered = filterOffer(sd);
    if (!filtered) return undefined;
    const remote = remoteOf(sd, signallingIp, this.ownAddresses);
    if (!remote) return undefined;
    this.lastIn[from] = filtered;
    const to: Side = from === 'a' ? 'b' : 'a';
    const sent = augmentOffer(filtered, this.transcodable);
    this.pendingOffer = { from, offer: filtered, sent };
    this.lastOffer = this.pendingOffer;
    const out = this.rewriteFor(to, sent, media, 'offer');
    this.srtp?.apply(media);
    this.webrtc?.apply(media);
    return { body: out, remote, hold: isHold(sd), moved: this.noteRemote(from, remote) };
  }

  /** The answer to the last offer, from the side that received it, for the offerer. */
  relayAnswer(from: Side, body: Buffer, media: CallMediaSession, signallingIp: string): { body: Buffer; remote: MediaRemote; moved: boolean; codecs?: LegCodecs } | undefined {
    const sd = this.srtpIn(from, safeParse(body), 'answer');
    if (!sd) return undefined;
    const pending = this.pendingOffer;
    if (pending && pending.from !== from) {
      if (!checkAnswer(pending.sent, sd).ok) return undefined;
    }
    const offer = pending ?? this.lastOffer;
    let answer = sd;
    let codecs: LegCodecs | undefined;
    if (offer && offer.from !== from) {
      // The answer to a widened offer, in terms of the offerer's own (no codec left to offer it: 488).
      const mapped = mapAnswer(offer.offer, offer.sent, sd, this.transcodable);
      if (!mapped) return undefined;
      answer = mapped.answer;
      if (mapped.offerer && mapped.answerer) {
        codecs = offer.from === 'a' ? { a: mapped.offerer, b: mapped.answerer } : { a: mapped.answerer, b: mapped.offerer };
      }
      // RFC 3264 §6.1: an answer to sendonly is recvonly or inactive (and so on); a far end that
      // says otherwise is corrected here, or a browser refuses the answer (answer-direction.ts).
      answer = conformAnswerDirections(offer.offer, answer);
    }
    const remote = remoteOf(sd, signallingIp, this.ownAddresses);
    if (!remote) return undefined;
    this.lastIn[from] = sd;
    this.pendingOffer = undefined;
    const to: Side = from === 'a' ? 'b' : 'a';
    const out = this.rewriteFor(to, answer, media, 'answer');
    this.srtp?.apply(media);
    this.webrtc?.apply(media);
    return { body: out, remote, moved: this.noteRemote(from, remote), ...(codecs ? { codecs } : {}) };
  }

  /**
   * The PBX's own offer to one leg (RFC 3264 §5): `sd` with the PBX's address and that leg's
   * port. Its answer comes back through answerToOwnOffer.
   */
  ownOfferTo(to: Side, sd: SessionDescription, media: CallMediaSession): Buffer {
    this.ownOffers[to] = sd;
    return this.rewriteFor(to, sd, media, 'offer');
  }

  /**
   * A re-INVITE without an offer (RFC 3261 §14.2): the last description we sent that leg,
   * offered again as it is (same o= version, RFC 3264 §8: nothing changes). Undefined when
   * none was sent yet.
   */
  reofferTo(side: Side): Buffer | undefined {
    const last = this.lastSent[side];
    const sd = last ? safeParse(last) : undefined;
    if (!last || !sd) return undefined;
    this.ownOffers[side] = sd;
    return last;
  }

  /**
   * The answer of one leg to the PBX's own offer (in a 2xx, or in the ACK of our 2xx): it
   * must fit that offer (RFC 3264 §6); `codec` is what the leg then carries. Undefined for
   * an answer that is unreadable, does not fit, or names no usable address.
   */
  answerToOwnOffer(from: Side, body: Buffer, signallingIp: string): { remote: MediaRemote; codec?: NegotiatedCodec; moved: boolean } | undefined {
    const offer = this.ownOffers[from];
    const sd = this.srtpIn(from, safeParse(body), 'answer');
    if (!offer || !sd || !checkAnswer(offer, sd).ok) return undefined;
    const mapped = mapAnswer(offer, offer, sd, this.transcodable);
    if (!mapped?.answerer) return undefined;
    const remote = remoteOf(sd, signallingIp, this.ownAddresses);
    if (!remote) return undefined;
    this.lastIn[from] = sd;
    if (this.lastMedia) this.srtp?.apply(this.lastMedia);
    if (this.lastMedia) this.webrtc?.apply(this.lastMedia);
    return { remote, codec: mapped.answerer, moved: this.noteRemote(from, remote) };
  }

  /** The last description `side` sent us (its own address, port and codecs); undefined before any. */
  lastFrom(side: Side): SessionDescription | undefined {
    return this.lastIn[side];
  }

  /**
   * Direct media (direct-media.ts): the other leg's own description offered to `to` as it
   * is (its address and port, not the PBX's), under our origin for that leg (RFC 3264 §8:
   * the version goes up). Its answer comes back through answerToOwnOffer.
   */
  directOfferTo(to: Side, sd: SessionDescription): Buffer {
    this.ownOffers[to] = sd;
    const body = Buffer.from(this.originTo[to].serialize(sd), 'utf8');
    this.lastSent[to] = body;
    return body;
  }

  /** Remember a leg's media address; true when it differs from the one before (the leg must relearn its source). */
  private noteRemote(side: Side, remote: MediaRemote): boolean {
    const key = `${remote.address}:${remote.port}`;
    const before = this.remoteKey[side];
    this.remoteKey[side] = key;
    return before !== undefined && before !== key;
  }

  /** The last SDP we sent to a leg (for a re-INVITE without an offer). */
  lastSentTo(side: Side): Buffer | undefined {
    return this.lastSent[side];
  }

  /** A description that came in from `from`, with SDES taken out (undefined: unreadable, or refused by the SRTP policy). */
  private srtpIn(from: Side, sd: SessionDescription | undefined, role: 'offer' | 'answer'): SessionDescription | undefined {
    this.srtpRefusal = undefined;
    if (!sd) return sd;
    try {
      // A browser's description becomes plain RTP/AVP first (its DTLS is the worker's, not SDES).
      const plain = this.webrtc ? this.webrtc.takeIn(from, sd) : sd;
      // A browser leg is DTLS-SRTP whatever the SDES policy says: it is encrypted, and never keyed by SDES.
      if (!this.srtp || this.webrtc?.isBrowser(from)) return plain;
      return role === 'offer' ? this.srtp.takeOffer(from, plain) : this.srtp.takeAnswer(from, plain);
    } catch (e) {
      if (!(e instanceof SrtpRefusal) && !(e instanceof WebrtcRefusal)) throw e;
      this.srtpRefusal = e.message;
      return undefined;
    }
  }

  private rewriteFor(to: Side, sd: SessionDescription, media: CallMediaSession, role: 'offer' | 'answer'): Buffer {
    this.lastMedia = media;
    const port = to === 'a' ? media.legA.rtpPort : media.legB.rtpPort;
    let rewritten = rewriteConnection(sd, { address: this.mediaAddress, ports: sd.media.map((m) => (m.port === 0 ? 0 : port)) });
    // SDES: our own key for this leg (srtp-legs.ts); rewriteConnection made a copy.
    if (this.srtp && !this.webrtc?.isBrowser(to)) rewritten = role === 'offer' ? this.srtp.decorateOffer(to, rewritten) : this.srtp.decorateAnswer(to, rewritten);
    if (this.webrtc) rewritten = this.webrtc.decorate(to, rewritten, role, this.mediaAddress, port);
    const body = Buffer.from(this.originTo[to].serialize(rewritten), 'utf8');
    this.lastSent[to] = body;
    return body;
  }
}

/** An offer as the offerer sent it (filtered) and as the other leg received it (widened). */
interface PassedOffer {
  from: Side;
  offer: SessionDescription;
  sent: SessionDescription;
}

function safeParse(body: Buffer): SessionDescription | undefined {
  try {
    return parseSdp(body);
  } catch {
    return undefined;
  }
}

/**
 * Where the far end wants media, and whom the worker may latch to (RTPBleed).
 *
 * An SDP address that is special-use (loopback, link-local, unspecified, multicast,
 * broadcast) or one of the PBX's own is where a far end cannot be, unless it signals from
 * that very address (a phone on the PBX's host). Trusting it would let a caller aim the
 * other leg's RTP at a local service (UDP injection into statsd, syslog, DNS...). Such a
 * remote is latch-only: nothing is sent until the far end's own first packet arrives
 * from its signalling address, and only that address may latch it (symmetric RTP,
 * RFC 4961 §3 practice).
 */
function remoteOf(sd: SessionDescription, signallingIp: string, ownAddresses: readonly string[]): MediaRemote | undefined {
  let ep;
  try {
    ep = mediaEndpoint(sd);
  } catch {
    return undefined; // no usable c= (none, or a host name)
  }
  const rtcp = ep.rtcpPort > 0 ? { rtcpPort: ep.rtcpPort } : {};
  if (refusedMediaAddress(ep.address, signallingIp, ownAddresses) !== undefined) {
    return { address: ep.address, port: ep.port, ...rtcp, allowedSources: signallingIp ? [signallingIp] : [], latchOnly: true, payloadClocks: payloadClocks(sd) };
  }
  const allowed = [ep.address, signallingIp].filter((a, i, all) => a && all.indexOf(a) === i);
  return { address: ep.address, port: ep.port, ...rtcp, allowedSources: allowed, payloadClocks: payloadClocks(sd) };
}

/** Why media may not be sent to `address` on the far end's word alone; undefined when it may. */
export function refusedMediaAddress(address: string, signallingIp: string, ownAddresses: readonly string[]): string | undefined {
  if (address === signallingIp) return undefined;
  const special = specialUseClass(address);
  if (special) return `${special} address`;
  if (ownAddresses.includes(address)) return "the PBX's own address";
  return undefined;
}

/**
 * The RTP clock of each format of the relayed m= line (the first), from its rtpmaps or
 * RFC 3551's static table: what the media worker needs for jitter in ms (opus/48000;
 * G722/8000 per RFC 3551 §4.5.2). telephone-event gets 0: its packets repeat the event's
 * start timestamp (RFC 4733 §2.5.1.2), which is no measure of jitter.
 */
function payloadClocks(sd: SessionDescription): Array<[number, number]> {
  const m = sd.media[0];
  if (!m) return [];
  return describeFormats(m).map((f): [number, number] => [f.payloadType, isTelephoneEvent(f) ? 0 : f.clockRate]);
}
