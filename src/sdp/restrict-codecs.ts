import { formatOfAttribute, rtpmapsOf } from './attributes.js';
import { describeFormat, isTelephoneEvent } from './codecs.js';
import type { SessionDescription } from './types.js';

/**
 * An offer cut down to the codecs a peer takes (a trunk's `codecs:`): in every active
 * audio stream, the formats whose encoding name is allowed (case-insensitive, RFC 4855
 * §3), plus telephone-event (RFC 4733) at 8000 or a kept codec's clock rate, and the rtpmap/fmtp/rtcp-fb lines of those
 * only. Undefined when an active audio stream would be left with no codec at all: the
 * peer could not answer it (RFC 3264 §6 would need a rejected stream, which a call
 * that is all audio cannot use). Other streams are left as they are.
 */
export function restrictCodecs(sd: SessionDescription, allowed: readonly string[]): SessionDescription | undefined {
  const names = new Set(allowed.map((n) => n.toLowerCase()));
  const media = [];
  for (const m of sd.media) {
    if (m.type.toLowerCase() !== 'audio' || m.port === 0) {
      media.push(m);
      continue;
    }
    const rtpmaps = rtpmapsOf(m);
    const keep = new Set<string>();
    const rates = new Set<number>();
    const events: Array<{ f: string; rate: number }> = [];
    for (const f of m.formats) {
      const c = describeFormat(f, rtpmaps);
      if (!c) continue;
      if (isTelephoneEvent(c)) events.push({ f, rate: c.clockRate });
      else if (names.has(c.name.toLowerCase())) {
        keep.add(f);
        rates.add(c.clockRate);
      }
    }
    if (rates.size === 0) return undefined;
    // telephone-event runs at its voice codec's clock (RFC 4733 §2.1): at 8000 (what most phones use) and beside a kept codec.
    for (const e of events) if (e.rate === 8000 || rates.has(e.rate)) keep.add(e.f);
    media.push({
      ...m,
      formats: m.formats.filter((f) => keep.has(f)),
      attributes: m.attributes.filter((a) => {
        const f = formatOfAttribute(a);
        return f === undefined || keep.has(f);
      }),
    });
  }
  return { ...sd, media };
}
