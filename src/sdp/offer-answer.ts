/**
 * RFC 3264 offer/answer as a B2BUA needs it: it answers nothing itself but relays the
 * offer of one leg to the other (filtered down to what the relay carries) and the
 * answer back, checking that the answer fits the offer it was given.
 */
import { formatOfAttribute, rtpmapsOf, type Rtpmap } from './attributes.js';
import { cloneSdp } from './clone.js';
import { describeFormat, findCodec, isTelephoneEvent, sameCodec, SUPPORTED_CODECS, type Codec } from './codecs.js';
import { SdpError } from './sdp-error.js';
import type { MediaDescription, SessionDescription } from './types.js';

// The rest of what the B2BUA needs for offer/answer lives in files of its own (one concept
// each) and is re-exported here, where the plan of issue 3 put it.
export { direction, isHold, type Direction } from './direction.js';
export { mediaEndpoint, type MediaEndpoint } from './endpoint.js';
export { SdpOrigin, sameVersion, type SdpOriginOptions } from './origin.js';
export { rewriteConnection, type RelayAddress } from './rewrite.js';

/** The profiles the relay carries: plain RTP (RFC 3551) and RTP with feedback (RFC 4585). */
export const RELAYED_PROTOS: readonly string[] = ['RTP/AVP', 'RTP/AVPF'];

/**
 * The offer to forward to the other leg: each enabled m=audio stream over a relayed
 * profile keeps only the formats of `supported`, in the offerer's order of preference,
 * with the rtpmap/fmtp/rtcp-fb lines of the formats it keeps (ptime, maxptime and other
 * stream attributes are left alone) and none of those it drops. telephone-event is kept
 * only beside a voice codec, at 8000 or at a kept codec's clock rate.
 *
 * Every other stream (video, an application, SRTP or DTLS profiles, audio with no common
 * codec) is disabled rather than removed: port 0, a single format, no attributes, the way
 * RFC 3264 §8.2 removes a stream. m= lines can never be removed from a session (§8), and
 * keeping them all means stream i on one leg is stream i on the other: the answer the
 * other leg gives (with port 0 for those streams, §6) can be relayed back as it is.
 *
 * Returns undefined when no stream is left to carry, and the caller answers 488. The
 * offer itself is not modified.
 */
export function filterOffer(offer: SessionDescription, supported: readonly Codec[] = SUPPORTED_CODECS): SessionDescription | undefined {
  const out = cloneSdp(offer);
  let usable = 0;
  for (const m of out.media) {
    // Already disabled by the offerer: stays so (§8.2).
    if (m.port === 0) continue;
    if (isRelayedAudio(m) && keepSupported(m, supported)) usable++;
    else disableMedia(m);
  }
  return usable > 0 ? out : undefined;
}

function isRelayedAudio(m: MediaDescription): boolean {
  if (m.type.toLowerCase() !== 'audio') return false;
  const proto = m.proto.toUpperCase();
  return RELAYED_PROTOS.includes(proto);
}

/**
 * Narrows `m` to the supported formats; false (and `m` untouched) when no voice codec is among them.
 * telephone-event, when supported, is kept at 8000 (what most phones send, even beside Opus) and
 * at the clock rate of any voice codec kept (RFC 4733 §2.1: it runs at its codec's clock; 48000
 * beside Opus), not at rates no kept codec has (telephone-event/16000 beside Opus and G.711).
 */
function keepSupported(m: MediaDescription, supported: readonly Codec[]): boolean {
  const rtpmaps = rtpmapsOf(m);
  const events = supported.some((c) => isTelephoneEvent(c));
  const described = m.formats.map((f) => ({ f, d: describeFormat(f, rtpmaps) }));
  const voiceRates = new Set<number>();
  for (const { d } of described) if (d && !isTelephoneEvent(d) && findCodec(d, supported)) voiceRates.add(d.clockRate);
  if (voiceRates.size === 0) return false;
  const kept = new Set<string>();
  for (const { f, d } of described) {
    if (!d || kept.has(f)) continue;
    if (isTelephoneEvent(d) ? events && (d.clockRate === 8000 || voiceRates.has(d.clockRate)) : findCodec(d, supported)) kept.add(f);
  }
  m.formats = [...kept];
  m.attributes = m.attributes.filter((a) => {
    const f = formatOfAttribute(a);
    return f === undefined || kept.has(f);
  });
  return true;
}

/** RFC 3264 §8.2: port zero; it "MAY omit all attributes ... and MAY list just a single media format". */
function disableMedia(m: MediaDescription): void {
  m.port = 0;
  delete m.portCount;
  if (m.formats.length > 1) m.formats = m.formats.slice(0, 1);
  m.bandwidths = [];
  m.attributes = [];
  m.other = [];
}

export type AnswerCheck = { ok: true } | { ok: false; error: SdpError };

/**
 * Does `answer` fit `offer` (RFC 3264 §6, §6.1, §8.2)?
 * - exactly as many m= lines, each of the offered media type;
 * - a stream offered with port 0 is answered with port 0;
 * - an accepted stream lists at least one format, and each of its formats is a codec
 *   the offer listed. RFC 3264 §6.1 asks that the answer use the offer's payload type
 *   numbers but does not require it, so codecs are compared by name, clock rate and
 *   channels; a dynamic payload type the answer leaves without rtpmap is read through
 *   the offer's.
 * Directions are not checked: phones that answer a sendonly offer with sendrecv are
 * common, and harmless through a relay.
 */
export function checkAnswer(offer: SessionDescription, answer: SessionDescription): AnswerCheck {
  if (answer.media.length !== offer.media.length) {
    return fail(`${answer.media.length} m= lines in the answer, ${offer.media.length} in the offer`);
  }
  for (let i = 0; i < offer.media.length; i++) {
    const o = offer.media[i]!;
    const a = answer.media[i]!;
    if (a.type.toLowerCase() !== o.type.toLowerCase()) return fail(`m= line ${i} is ${a.type} in the answer, ${o.type} in the offer`);
    if (a.port === 0) continue; // rejected (§6)
    if (o.port === 0) return fail(`m= line ${i} was offered with port 0 and answered with port ${a.port}`);
    if (a.formats.length === 0) return fail(`m= line ${i} is accepted without a format`);
    const bad = foreignFormat(o, a);
    if (bad !== undefined) return fail(`m= line ${i}: format ${bad} was not offered`);
  }
  return { ok: true };
}

/** The first format of `a` that does not name a codec of `o`, if any. */
function foreignFormat(o: MediaDescription, a: MediaDescription): string | undefined {
  const offerMaps = rtpmapsOf(o);
  const answerMaps = rtpmapsOf(a);
  for (const f of a.formats) {
    const d = describeFormat(f, answerMaps) ?? describeFormat(f, offerMaps);
    if (d === undefined) {
      // Not an RTP payload type we can name: it must be literally among the offered ones.
      if (!o.formats.includes(f)) return f;
      continue;
    }
    if (!o.formats.some((of) => matches(of, offerMaps, d))) return f;
  }
  return undefined;
}

function matches(format: string, rtpmaps: ReadonlyMap<string, Rtpmap>, want: { name: string; clockRate: number; channels: number }): boolean {
  const d = describeFormat(format, rtpmaps);
  return d !== undefined && sameCodec(d, want);
}

function fail(detail: string): AnswerCheck {
  return { ok: false, error: new SdpError('answer-mismatch', detail) };
}
