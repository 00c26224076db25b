/**
 * The offer a B2BUA that can transcode passes on (issue 10, item 2): what the offerer
 * sent, then the codecs the PBX can transcode to that the offerer did not list (in the
 * PBX's stable order, after the offerer's own, which keep their preference, RFC 3264
 * §5.1), and telephone-event (RFC 4733 §7.1.1) when none is offered, at 8000 and at the
 * clock rate of each codec added (48000 beside Opus). An answerer that
 * shares a codec with the offerer still picks it (the offerer's come first); one that
 * shares none can pick one the PBX converts to.
 *
 * Only streams the PBX could decode are widened: an enabled audio stream that offers at
 * least one of `transcodable`. Pure: the offer itself is not modified.
 */
import { formatOfAttribute, rtpmapsOf } from './attributes.js';
import { cloneSdp } from './clone.js';
import { describeFormat, findCodec, isTelephoneEvent, sameCodec, type Codec } from './codecs.js';
import { STATIC_PAYLOAD_TYPES } from './static-payload-types.js';
import type { Attribute, MediaDescription, SessionDescription } from './types.js';

/** RFC 3551 §6: 96-127 are the dynamic payload types. 101 first, as most phones use it. */
const DYNAMIC_PREFERRED = [101, ...Array.from({ length: 32 }, (_, i) => 96 + i).filter((p) => p !== 101)];

export function augmentOffer(offer: SessionDescription, transcodable: readonly Codec[]): SessionDescription {
  const out = cloneSdp(offer);
  for (const m of out.media) {
    if (m.port === 0 || m.type.toLowerCase() !== 'audio') continue;
    augmentMedia(m, transcodable);
  }
  return out;
}

function augmentMedia(m: MediaDescription, transcodable: readonly Codec[]): void {
  const rtpmaps = rtpmapsOf(m);
  const offered = m.formats.map((f) => describeFormat(f, rtpmaps));
  if (!offered.some((d) => d !== undefined && !isTelephoneEvent(d) && findCodec(d, transcodable))) return;
  const used = new Set(m.formats);
  const added: Attribute[] = [];
  const hasEvent = (rate: number): boolean => offered.some((d) => d !== undefined && isTelephoneEvent(d) && d.clockRate === rate);
  // telephone-event/8000's number is taken first, so that it gets 101 as most phones expect.
  const te8000 = hasEvent(8000) ? undefined : DYNAMIC_PREFERRED.find((p) => !used.has(String(p)));
  if (te8000 !== undefined) used.add(String(te8000));
  const addedRates = new Set<number>();
  for (const c of transcodable) {
    if (isTelephoneEvent(c) || offered.some((d) => d !== undefined && sameCodec(d, c))) continue;
    const pt = payloadTypeFor(c, used);
    if (pt === undefined) continue;
    used.add(String(pt));
    addedRates.add(c.clockRate);
    m.formats.push(String(pt));
    added.push({ name: 'rtpmap', value: `${pt} ${c.name}/${c.clockRate}${c.channels > 1 ? `/${c.channels}` : ''}` });
  }
  if (te8000 !== undefined) {
    m.formats.push(String(te8000));
    added.push({ name: 'rtpmap', value: `${te8000} telephone-event/8000` }, { name: 'fmtp', value: `${te8000} 0-15` });
  }
  // RFC 4733 §2.1: events run at the clock of the voice codec beside them; an Opus phone
  // sends (and expects) telephone-event/48000.
  for (const rate of [...addedRates].filter((r) => r !== 8000).sort((x, y) => x - y)) {
    if (hasEvent(rate)) continue;
    const pt = DYNAMIC_PREFERRED.find((p) => !used.has(String(p)));
    if (pt === undefined) continue;
    used.add(String(pt));
    m.formats.push(String(pt));
    added.push({ name: 'rtpmap', value: `${pt} telephone-event/${rate}` }, { name: 'fmtp', value: `${pt} 0-15` });
  }
  // After the offerer's own per-format lines, so that the description reads in order.
  let at = 0;
  m.attributes.forEach((a, i) => {
    if (formatOfAttribute(a) !== undefined) at = i + 1;
  });
  m.attributes.splice(at, 0, ...added);
}

/** Its RFC 3551 static payload type when free, else a free dynamic one; undefined when none is left. */
function payloadTypeFor(c: Codec, used: ReadonlySet<string>): number | undefined {
  if (c.staticPayloadType !== undefined && !used.has(String(c.staticPayloadType))) {
    const s = STATIC_PAYLOAD_TYPES.get(c.staticPayloadType);
    if (s && sameCodec({ name: s.encoding, clockRate: s.clockRate, channels: s.channels }, c)) return c.staticPayloadType;
  }
  return DYNAMIC_PREFERRED.find((p) => !used.has(String(p)));
}
