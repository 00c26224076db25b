/**
 * The codecs the PBX relays, and how a format of an m= line is recognised: by its
 * rtpmap when it has one (names compared without case, RFC 8866 §6.6), otherwise by the
 * RFC 3551 static payload type table.
 */
import { rtpmapsOf, type Rtpmap } from './attributes.js';
import { STATIC_PAYLOAD_TYPES } from './static-payload-types.js';
import type { MediaDescription } from './types.js';

export interface Codec {
  /** As written in rtpmap. */
  name: string;
  clockRate: number;
  channels: number;
  /** RFC 3551 static payload type, for codecs that have one. */
  staticPayloadType?: number;
}

export const PCMU: Codec = { name: 'PCMU', clockRate: 8000, channels: 1, staticPayloadType: 0 };
export const PCMA: Codec = { name: 'PCMA', clockRate: 8000, channels: 1, staticPayloadType: 8 };
/** RFC 3551 §4.5.2: the RTP clock is 8000 Hz although G.722 samples at 16 kHz. */
export const G722: Codec = { name: 'G722', clockRate: 8000, channels: 1, staticPayloadType: 9 };
/** RFC 7587 §7: always opus/48000/2, whatever is actually sent. */
export const OPUS: Codec = { name: 'opus', clockRate: 48000, channels: 2 };
/** RFC 4733 §7.1.1 DTMF events. Not a voice codec: useful only beside one. */
export const TELEPHONE_EVENT: Codec = { name: 'telephone-event', clockRate: 8000, channels: 1 };

export const SUPPORTED_CODECS: readonly Codec[] = [PCMU, PCMA, G722, OPUS, TELEPHONE_EVENT];

/**
 * The codecs the media workers can decode and encode (src/media/worker/codec-registry.ts,
 * whose test keeps the two in step), in the order they are added to a widened offer, after
 * the offerer's own. Cheapest to transcode first: a callee that takes both G.711 and Opus
 * picks G.711, and since the transcoded call is no better than the offerer's own codec
 * (narrowband when it offered only G.711), Opus's 48 kHz would cost CPU for nothing. Opus
 * comes last, for the phones that speak nothing else.
 */
export const TRANSCODABLE_CODECS: readonly Codec[] = [PCMU, PCMA, G722, OPUS];

/** What one format of an m= line is. */
export interface FormatCodec {
  /** The format as on the m= line. */
  format: string;
  payloadType: number;
  name: string;
  clockRate: number;
  /** 1 when the rtpmap gives none (RFC 8866 §6.6). */
  channels: number;
}

const PAYLOAD_TYPE = /^\d{1,3}$/;

/**
 * A format read through the rtpmaps of its media description (see rtpmapsOf), or the
 * static table; undefined when it is not an RTP payload type or nothing says what it is.
 */
export function describeFormat(format: string, rtpmaps: ReadonlyMap<string, Rtpmap>): FormatCodec | undefined {
  if (!PAYLOAD_TYPE.test(format)) return undefined;
  const payloadType = Number(format);
  if (payloadType > 127) return undefined;
  const r = rtpmaps.get(String(payloadType));
  if (r) return { format, payloadType, name: r.encoding, clockRate: r.clockRate, channels: r.channels ?? 1 };
  const s = STATIC_PAYLOAD_TYPES.get(payloadType);
  if (s) return { format, payloadType, name: s.encoding, clockRate: s.clockRate, channels: s.channels };
  return undefined;
}

/** Every format of the m= line that can be recognised, in m= line order (e.g. to find a payload type's clock rate). */
export function describeFormats(media: MediaDescription): FormatCodec[] {
  const rtpmaps = rtpmapsOf(media);
  const out: FormatCodec[] = [];
  for (const f of media.formats) {
    const d = describeFormat(f, rtpmaps);
    if (d) out.push(d);
  }
  return out;
}

export function sameCodec(a: { name: string; clockRate: number; channels: number }, b: { name: string; clockRate: number; channels: number }): boolean {
  return a.clockRate === b.clockRate && a.channels === b.channels && a.name.toLowerCase() === b.name.toLowerCase();
}

export function findCodec(format: FormatCodec, among: readonly Codec[]): Codec | undefined {
  for (const c of among) if (sameCodec(format, c)) return c;
  return undefined;
}

export function isTelephoneEvent(codec: { name: string }): boolean {
  return codec.name.toLowerCase() === 'telephone-event';
}
