/**
 * The answer a transcoding B2BUA gives the offerer (issue 10, item 2): the answerer
 * answered an offer that the PBX widened (see transcode-offer.ts), so its answer may
 * name codecs the offerer never offered. The offerer must get an answer in terms of its
 * own offer (RFC 3264 §6.1: only formats it listed), and the media worker must learn
 * which codec each leg carries:
 * - the answerer chose a codec the offerer offered: plain relay; the answer keeps only
 *   the formats the offerer offered;
 * - it chose one only the PBX added: the offerer gets its own first codec the PBX can
 *   transcode (with its own payload type, rtpmap and fmtp), and the worker transcodes;
 * - neither: undefined, and the B2BUA answers 488 as before.
 * telephone-event is answered to the offerer only when both legs have it. Pure.
 */
import { formatOfAttribute, rtpmapsOf, type Rtpmap } from './attributes.js';
import { cloneSdp } from './clone.js';
import { describeFormat, findCodec, isTelephoneEvent, sameCodec, type Codec, type FormatCodec } from './codecs.js';
import type { MediaDescription, SessionDescription } from './types.js';

/** What one leg carries on its main audio stream. */
export interface NegotiatedCodec {
  payloadType: number;
  name: string;
  clockRate: number;
  channels: number;
  /** The a=fmtp parameters of that payload type (after the payload type), when any. */
  fmtp?: string;
  /** The payload type of telephone-event on this leg, when negotiated. */
  telephoneEvent?: number;
  /** Its clock rate when not the voice codec's (telephone-event/8000 beside Opus). */
  telephoneEventClockRate?: number;
}

export interface MappedAnswer {
  /** The answer for the offerer, in terms of its own offer (not yet rewritten to the PBX's address). */
  answer: SessionDescription;
  /** The codecs of the first enabled audio stream; undefined when there is none (all rejected). */
  offerer?: NegotiatedCodec;
  answerer?: NegotiatedCodec;
  /** The two legs carry different codecs. */
  transcoded: boolean;
}

/**
 * @param original   the offerer's offer as the PBX took it (filtered, not widened)
 * @param sent       the offer the answerer received (widened), to read the answer's payload types by
 * @param answer     the answerer's answer, already checked against `sent` (checkAnswer)
 */
export function mapAnswer(original: SessionDescription, sent: SessionDescription, answer: SessionDescription, transcodable: readonly Codec[]): MappedAnswer | undefined {
  const out = cloneSdp(answer);
  let main: { offerer: NegotiatedCodec; answerer: NegotiatedCodec; transcoded: boolean } | undefined;
  for (let i = 0; i < out.media.length; i++) {
    const a = out.media[i]!;
    const o = original.media[i];
    const s = sent.media[i];
    if (!o || !s || a.port === 0 || o.port === 0 || a.type.toLowerCase() !== 'audio') continue;
    const aMaps = withFallback(rtpmapsOf(a), rtpmapsOf(s));
    const oMaps = rtpmapsOf(o);
    const aFormats = described(a.formats, aMaps);
    const oFormats = described(o.formats, oMaps);
    const chosen = aFormats.find((d) => !isTelephoneEvent(d));
    if (!chosen) return undefined;
    // RFC 4733 §2.1: a leg's telephone-event is the one at its voice codec's clock rate, else
    // the common telephone-event/8000 (many Opus phones pair it with opus/48000).
    const aTe = eventFor(aFormats, chosen.clockRate);
    // Read before the answer is rewritten for the offerer: the answerer's fmtp says what it can
    // receive (an Opus encoder follows it, RFC 7587 §6.1).
    const answerer = negotiated(chosen, a, aTe);
    const common = oFormats.find((d) => !isTelephoneEvent(d) && sameCodec(d, chosen));
    let offererFormat: FormatCodec;
    let transcoded: boolean;
    if (common) {
      // Plain relay: keep what the offerer offered, in the answerer's order.
      const keep = new Set(aFormats.filter((d) => oFormats.some((od) => sameCodec(od, d))).map((d) => d.format));
      narrow(a, (f) => keep.has(f));
      // The PBX terminates and interworks DTMF (b2bua/call-dtmf.ts): an offerer that offered
      // telephone-event keeps it even when the answerer has none.
      const commonTe = eventFor(oFormats, common.clockRate);
      if (commonTe && !aTe) addFormat(a, o, commonTe.format);
      offererFormat = common;
      transcoded = false;
    } else {
      if (!findCodec(chosen, transcodable)) return undefined;
      const pick = oFormats.find((d) => !isTelephoneEvent(d) && findCodec(d, transcodable));
      if (!pick) return undefined;
      const pickTe = eventFor(oFormats, pick.clockRate);
      answerWith(a, o, [pick.format, ...(pickTe ? [pickTe.format] : [])]);
      offererFormat = pick;
      transcoded = true;
    }
    const oTe = eventFor(oFormats, offererFormat.clockRate);
    if (!main) {
      const offererTe = oTe;
      main = {
        offerer: negotiated(offererFormat, o, offererTe),
        answerer,
        transcoded,
      };
    }
  }
  return main ? { answer: out, ...main } : { answer: out, transcoded: false };
}

function eventFor(formats: readonly FormatCodec[], clockRate: number): FormatCodec | undefined {
  return formats.find((d) => isTelephoneEvent(d) && d.clockRate === clockRate) ?? formats.find((d) => isTelephoneEvent(d) && d.clockRate === 8000);
}

function withFallback(primary: Map<string, Rtpmap>, fallback: Map<string, Rtpmap>): Map<string, Rtpmap> {
  for (const [k, v] of fallback) if (!primary.has(k)) primary.set(k, v);
  return primary;
}

function described(formats: readonly string[], maps: ReadonlyMap<string, Rtpmap>): FormatCodec[] {
  const out: FormatCodec[] = [];
  for (const f of formats) {
    const d = describeFormat(f, maps);
    if (d) out.push(d);
  }
  return out;
}

/** Keep only some formats of `m`, and their per-format lines. */
function narrow(m: MediaDescription, keep: (format: string) => boolean): void {
  m.formats = m.formats.filter(keep);
  m.attributes = m.attributes.filter((x) => {
    const f = formatOfAttribute(x);
    return f === undefined || keep(f);
  });
}

/** Add one of the offerer's formats, with its per-format lines, to the answer. */
function addFormat(a: MediaDescription, o: MediaDescription, format: string): void {
  if (a.formats.includes(format)) return;
  a.formats.push(format);
  const lines = o.attributes.filter((x) => formatOfAttribute(x) === format);
  let at = 0;
  a.attributes.forEach((x, i) => {
    if (formatOfAttribute(x) !== undefined) at = i + 1;
  });
  a.attributes.splice(at, 0, ...lines);
}

/** The answer's stream-wide lines (ptime, direction...) with the offerer's own formats and their lines. */
function answerWith(a: MediaDescription, o: MediaDescription, formats: string[]): void {
  const wanted = new Set(formats);
  a.formats = formats;
  a.attributes = [...o.attributes.filter((x) => wanted.has(formatOfAttribute(x) ?? '')), ...a.attributes.filter((x) => formatOfAttribute(x) === undefined)];
}

function negotiated(d: FormatCodec, m: MediaDescription, te: FormatCodec | undefined): NegotiatedCodec {
  const fmtp = m.attributes.find((x) => x.name.toLowerCase() === 'fmtp' && formatOfAttribute(x) === d.format);
  const params = fmtp?.value?.trimStart().slice(d.format.length).trim();
  return {
    payloadType: d.payloadType,
    name: d.name,
    clockRate: d.clockRate,
    channels: d.channels,
    ...(params ? { fmtp: params } : {}),
    ...(te !== undefined ? { telephoneEvent: te.payloadType } : {}),
    ...(te !== undefined && te.clockRate !== d.clockRate ? { telephoneEventClockRate: te.clockRate } : {}),
  };
}

