import { randomBytes } from 'node:crypto';
import { cloneSdp } from '../sdp/clone.js';
import { parseSdp } from '../sdp/parse.js';
import { serializeSdp } from '../sdp/serialize.js';
import { formatSdesCrypto, parseSdesCrypto, SDES_SUITES, type SdesCrypto } from '../sdp/sdes-crypto.js';
import type { MediaDescription, SessionDescription } from '../sdp/types.js';
import type { Side } from './call-registry.js';
import type { CallMediaSession, MediaSrtp } from './ports.js';
import { DEFAULT_SRTP_POLICY, type SrtpPolicy } from './srtp-policy.js';
import { sipError } from '../sip/message/reason-phrases.js';

/** RTP/SAVP(F) and the plain profile it stands for. */
const SECURE_TO_PLAIN: Readonly<Record<string, string>> = { 'RTP/SAVP': 'RTP/AVP', 'RTP/SAVPF': 'RTP/AVPF' };
const PLAIN_TO_SECURE: Readonly<Record<string, string>> = { 'RTP/AVP': 'RTP/SAVP', 'RTP/AVPF': 'RTP/SAVPF' };

/** An SDP with its SDES parts taken out: plain profiles, no a=crypto. */
export interface PlainSdp {
  sd: SessionDescription;
  /** The a=crypto values of the first audio stream, in the offerer's order. */
  cryptos: string[];
  /** The first audio stream asked for RTP/SAVP(F): SRTP or nothing. */
  secure: boolean;
  /** Its profile as it came (answered in kind). */
  proto: string;
}

/**
 * Take SDES out of a description (a copy): the relay and codec logic see plain RTP/AVP;
 * what was there is returned beside it. Every stream loses its a=crypto lines (keys are
 * per hop: a phone's key is never passed on to the other leg).
 */
export function plainSdp(sd: SessionDescription): PlainSdp {
  const out = cloneSdp(sd);
  let first: MediaDescription | undefined;
  let cryptos: string[] = [];
  let proto = '';
  for (const m of out.media) {
    const mine = m.attributes.filter((a) => a.name.toLowerCase() === 'crypto').map((a) => a.value ?? '');
    m.attributes = m.attributes.filter((a) => a.name.toLowerCase() !== 'crypto');
    if (!first && m.type.toLowerCase() === 'audio' && m.port !== 0) {
      first = m;
      cryptos = mine;
      proto = m.proto;
    }
    const plain = SECURE_TO_PLAIN[m.proto.toUpperCase()];
    if (plain) m.proto = plain;
  }
  return { sd: out, cryptos, secure: SECURE_TO_PLAIN[proto.toUpperCase()] !== undefined, proto };
}

interface LegState {
  policy: SrtpPolicy;
  /**
   * The leg's signalling is TLS (the caller's INVITE; the answering callee's transport).
   * Undefined for the callee until a fork answers: the first offer goes to every fork, and
   * forTarget() takes the keys out for those not on TLS.
   */
  tls: boolean | undefined;
  /** Our a=crypto lines offered to this leg (one per suite), kept for its answers and re-offers. */
  offered: SdesCrypto[] | undefined;
  /** The leg offered SDES and we accepted: its line and ours for the answer. */
  accepted: { theirs: SdesCrypto; ours: SdesCrypto } | undefined;
  /** The profile the leg's last offer used (the answer uses the same, RFC 3264 §6). */
  offeredProto: string | undefined;
  /** What the media worker should have for the leg, and whether it has it yet. */
  active: MediaSrtp | null;
  dirty: boolean;
}

/** Why SrtpLegs refused a description (for the log and the 488's detail). */
export class SrtpRefusal extends Error {
  override readonly name = 'SrtpRefusal';
}

/**
 * SDES-SRTP (RFC 4568) on the two legs of one call: each leg keys its own hop. SdpBridge
 * passes each description through here: offers and answers that come in lose their
 * a=crypto (the phone's key is kept for the media worker), and those that go out get
 * the PBX's own key for that leg (crypto.randomBytes, never logged). The worker then
 * opens SRTP on one leg and protects towards it, whatever the other leg does.
 */
export class SrtpLegs {
  private readonly legs: Record<Side, LegState>;

  constructor(o: { caller?: SrtpPolicy; callerTls: boolean; callee?: SrtpPolicy }) {
    this.legs = {
      a: newLeg(o.caller ?? DEFAULT_SRTP_POLICY, o.callerTls),
      b: newLeg(o.callee ?? DEFAULT_SRTP_POLICY, undefined),
    };
  }

  /** The callee that answers (or sends early media) is reached over this transport. */
  noteTransport(side: Side, protocol: string): void {
    this.legs[side].tls = protocol.toLowerCase() === 'tls';
  }

  /** Does the leg carry SRTP now (as last negotiated)? */
  isSecure(side: Side): boolean {
    return this.legs[side].active !== null;
  }

  /**
   * An offer from `from`: its a=crypto read (RFC 4568 §7.1.2: the first line we support)
   * and taken out. Throws SrtpRefusal when the policy cannot be met: 488 for the offerer.
   */
  takeOffer(from: Side, sd: SessionDescription): SessionDescription {
    const leg = this.legs[from];
    const p = plainSdp(sd);
    leg.offeredProto = p.proto;
    const usable = leg.tls && leg.policy !== 'none' ? firstUsable(p.cryptos) : undefined;
    if (!usable) {
      if (p.secure) throw new SrtpRefusal(leg.tls ? (leg.policy === 'none' ? 'SRTP is turned off for this leg' : 'no usable a=crypto in an RTP/SAVP offer') : 'SRTP is offered only over TLS');
      if (leg.policy === 'required') throw new SrtpRefusal(leg.tls ? 'SRTP is required: the offer has no usable a=crypto' : 'SRTP is required, and needs TLS');
      leg.accepted = undefined;
      this.setActive(leg, null);
      return p.sd;
    }
    const same = leg.accepted && leg.accepted.theirs.suite === usable.suite && leg.accepted.theirs.keySalt.equals(usable.keySalt);
    if (!same) {
      // A new key from the phone: ours is new too, so that no keystream is ever used twice.
      leg.accepted = { theirs: usable, ours: { tag: usable.tag, suite: usable.suite, keySalt: randomBytes(30) } };
    } else {
      leg.accepted!.ours.tag = usable.tag;
    }
    this.setActive(leg, { suite: usable.suite, sendKey: leg.accepted!.ours.keySalt, recvKey: usable.keySalt });
    return p.sd;
  }

  /** Our answer to `to`'s offer: our key under the tag it chose, in the profile it offered. */
  decorateAnswer(to: Side, sd: SessionDescription): SessionDescription {
    const leg = this.legs[to];
    const m = firstAudio(sd);
    if (!m) return sd;
    if (leg.accepted) {
      m.attributes.push({ name: 'crypto', value: formatSdesCrypto(leg.accepted.ours) });
      const secure = leg.offeredProto ? SECURE_TO_PLAIN[leg.offeredProto.toUpperCase()] !== undefined : false;
      if (secure) m.proto = PLAIN_TO_SECURE[m.proto.toUpperCase()] ?? m.proto;
    }
    return sd;
  }

  /**
   * Our offer to `to`: with `optional` best-effort SRTP (RTP/AVP + a=crypto), with
   * `required` RTP/SAVP; one line per suite, the stronger tag first (RFC 4568 §5.1.1).
   * The callee's transport is not known yet (forks): see forTarget().
   */
  decorateOffer(to: Side, sd: SessionDescription): SessionDescription {
    const leg = this.legs[to];
    const m = firstAudio(sd);
    // Never keys over UDP/TCP: a re-offer to a callee known to be on UDP goes without them.
    if (!m || leg.policy === 'none' || leg.tls === false) return sd;
    leg.offered ??= SDES_SUITES.map((suite, i) => ({ tag: i + 1, suite, keySalt: randomBytes(30) }));
    for (const c of leg.offered) m.attributes.push({ name: 'crypto', value: formatSdesCrypto(c) });
    if (leg.policy === 'required') m.proto = PLAIN_TO_SECURE[m.proto.toUpperCase()] ?? m.proto;
    return sd;
  }

  /**
   * The callee offer as one fork gets it: as it is over TLS; over UDP/TCP without SDES
   * (keys are never sent in clear), or undefined (488 for that fork) when the callee's
   * policy is `required`.
   */
  forTarget(body: Buffer, protocol: string): Buffer | undefined {
    if (protocol.toLowerCase() === 'tls' || body.length === 0) return body;
    if (this.legs.b.policy === 'required') return undefined;
    if (!/^a=crypto:/im.test(body.toString('latin1'))) return body;
    try {
      return Buffer.from(serializeSdp(plainSdp(parseSdp(body)).sd), 'utf8');
    } catch {
      return body;
    }
  }

  /**
   * The answer of `from` to our offer: its a=crypto must name a tag we offered, with that
   * tag's suite (RFC 4568 §7.1.3). Throws SrtpRefusal when the leg's policy is `required`
   * and the answer does not take SRTP.
   */
  takeAnswer(from: Side, sd: SessionDescription): SessionDescription {
    const leg = this.legs[from];
    const p = plainSdp(sd);
    let match: { ours: SdesCrypto; theirs: SdesCrypto } | undefined;
    if (leg.tls && leg.offered) {
      for (const v of p.cryptos) {
        const c = parseSdesCrypto(v);
        const ours = c && leg.offered.find((o) => o.tag === c.tag && o.suite === c.suite);
        if (c && ours) {
          match = { ours, theirs: c };
          break;
        }
      }
    }
    if (!match) {
      if (leg.policy === 'required') throw new SrtpRefusal('SRTP is required: the answer has no a=crypto for our offer');
      this.setActive(leg, null);
      return p.sd;
    }
    this.setActive(leg, { suite: match.theirs.suite, sendKey: match.ours.keySalt, recvKey: match.theirs.keySalt });
    return p.sd;
  }

  /** Tell the media worker what changed (SRTP on, off or re-keyed). Fire and forget: the command queue keeps the order. */
  apply(media: CallMediaSession): void {
    for (const side of ['a', 'b'] as const) {
      const leg = this.legs[side];
      if (!leg.dirty || !media.setSrtp) continue;
      leg.dirty = false;
      void media.setSrtp(side, leg.active).catch(() => undefined);
    }
  }

  private setActive(leg: LegState, next: MediaSrtp | null): void {
    const cur = leg.active;
    if (cur === null && next === null) return;
    if (cur && next && cur.suite === next.suite && Buffer.compare(cur.sendKey, next.sendKey) === 0 && Buffer.compare(cur.recvKey, next.recvKey) === 0) return;
    leg.active = next;
    leg.dirty = true;
  }
}

function newLeg(policy: SrtpPolicy, tls: boolean | undefined): LegState {
  return { policy, tls, offered: undefined, accepted: undefined, offeredProto: undefined, active: null, dirty: false };
}

function firstUsable(values: readonly string[]): SdesCrypto | undefined {
  for (const v of values) {
    const c = parseSdesCrypto(v);
    if (c) return c;
  }
  return undefined;
}

function firstAudio(sd: SessionDescription): MediaDescription | undefined {
  return sd.media.find((m) => m.type.toLowerCase() === 'audio' && m.port !== 0);
}

/**
 * A caller's initial offer against its leg's SRTP policy, before the call is set up:
 * SipError 488 (with the reason as detail) when SrtpLegs would refuse it. An INVITE
 * without SDP passes: the PBX makes that offer itself.
 */
export function checkSrtpOffer(body: Buffer, policy: SrtpPolicy, protocol: string): void {
  if (body.length === 0) return;
  let sd: SessionDescription;
  try {
    sd = parseSdp(body);
  } catch {
    return; // checkOffer has answered unreadable SDP already
  }
  // A browser's offer (UDP/TLS/RTP/SAVPF) is DTLS-SRTP, always encrypted: SDES policy is not its to meet (webrtc-legs.ts).
  if (sd.media.some((m) => m.type.toLowerCase() === 'audio' && m.port !== 0 && /^UDP\/TLS\/RTP\/SAVPF?$/i.test(m.proto))) return;
  try {
    new SrtpLegs({ caller: policy, callerTls: protocol.toLowerCase() === 'tls' }).takeOffer('a', sd);
  } catch (e) {
    if (e instanceof SrtpRefusal) throw sipError(488, { detail: e.message });
    throw e;
  }
}
