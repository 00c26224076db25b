/**
 * The PBX's own offer (RFC 3264 §5), for a late-offer call (RFC 3261 §13.2.1: the INVITE
 * came without SDP): one audio stream with every codec the media workers can carry, in the
 * order given, and telephone-event/8000 (RFC 4733 §7.1.1). Static payload types where RFC
 * 3551 has one, dynamic ones (96-127) for the rest. The connection address and port are
 * placeholders (an RFC 5737 documentation address: never 0.0.0.0, which reads as an RFC 2543
 * hold and would survive the rewrite): the B2BUA rewrites them to its media port on the leg
 * the offer goes to.
 * Pure.
 */
import { sameCodec, type Codec } from './codecs.js';
import { parseSdp } from './parse.js';
import type { SessionDescription } from './types.js';

/** RFC 3551 §6: 96-127 are dynamic; 101 is kept for telephone-event, as most phones expect. */
const DYNAMIC = Array.from({ length: 32 }, (_, i) => 96 + i).filter((p) => p !== 101);
const TELEPHONE_EVENT_PT = 101;

/**
 * @param codecs  voice codecs, most preferred first (telephone-event is added, not listed)
 * @param first   a codec to move to the front when it is among `codecs` (the one the other
 *                leg already carries: the answerer that takes it makes the call a plain relay)
 */
export function pbxOffer(codecs: readonly Codec[], first?: { name: string; clockRate: number; channels: number }): SessionDescription {
  const ordered = [...codecs].filter((c) => c.name.toLowerCase() !== 'telephone-event');
  const lead = first ? ordered.findIndex((c) => sameCodec(c, first)) : -1;
  if (lead > 0) ordered.unshift(...ordered.splice(lead, 1));
  const formats: string[] = [];
  const lines: string[] = [];
  let next = 0;
  for (const c of ordered) {
    const pt = c.staticPayloadType ?? DYNAMIC[next++];
    if (pt === undefined) break;
    formats.push(String(pt));
    lines.push(`a=rtpmap:${pt} ${c.name}/${c.clockRate}${c.channels > 1 ? `/${c.channels}` : ''}`);
    // RFC 7587 §6.1: say that we take in-band FEC; the rest of Opus is left at its defaults.
    if (c.name.toLowerCase() === 'opus') lines.push(`a=fmtp:${pt} useinbandfec=1`);
  }
  formats.push(String(TELEPHONE_EVENT_PT));
  lines.push(`a=rtpmap:${TELEPHONE_EVENT_PT} telephone-event/8000`, `a=fmtp:${TELEPHONE_EVENT_PT} 0-16`);
  const text = ['v=0', 'o=- 0 0 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', `m=audio 9 RTP/AVP ${formats.join(' ')}`, ...lines, 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
  return parseSdp(Buffer.from(text));
}
