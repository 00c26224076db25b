/**
 * The PBX answering an offer itself (a conference room): RFC 3264 §6 — the answer keeps
 * the offer's first audio stream, picks the first offered codec the media worker can mix
 * (PCMU, PCMA, G722, Opus: codec-registry.ts; a browser offers Opus first), keeps
 * telephone-event when offered (RFC 4733; at the codec's clock rate when there is one), and
 * names our own address and port; other streams are refused with port 0 (§6).
 */
import { allowedAnswerDirection } from '../sdp/answer-direction.js';
import { direction, mediaEndpoint, parseSdp, rtpmapsOf, type SessionDescription } from '../sdp/index.js';
import type { MediaCodec, MediaRemote } from './ports.js';

const MIXABLE: ReadonlyArray<{ name: string; clockRate: number; staticPt?: number; channels?: number }> = [
  { name: 'PCMU', clockRate: 8000, staticPt: 0 },
  { name: 'PCMA', clockRate: 8000, staticPt: 8 },
  { name: 'G722', clockRate: 8000, staticPt: 9 },
  // RFC 7587 §7: always opus/48000/2 in the SDP (the stream we send is mono).
  { name: 'OPUS', clockRate: 48000, channels: 2 },
];

export interface ConferenceAnswer {
  body: Buffer;
  codec: MediaCodec;
  remote: MediaRemote;
}

/** Undefined when nothing in the offer can be mixed (the caller answers 488). */
/**
 * `opus`: Opus may be chosen (a conference room: the worker's room decodes and encodes every
 * participant anyway); the application legs (voicemail, IVR, park) keep to G.711 and G.722.
 */
export function answerOffer(offer: Buffer, local: { address: string; rtpPort: number }, sessionId: string, signallingIp: string, o: { opus?: boolean } = {}): ConferenceAnswer | undefined {
  let sd: SessionDescription;
  try {
    sd = parseSdp(offer);
  } catch {
    return undefined;
  }
  const index = sd.media.findIndex((m) => m.type === 'audio' && m.port !== 0 && /^RTP\/AVPF?$/i.test(m.proto));
  if (index < 0) return undefined;
  const m = sd.media[index]!;
  const maps = rtpmapsOf(m);
  let codec: MediaCodec | undefined;
  for (const f of m.formats) {
    const pt = Number(f);
    if (!Number.isInteger(pt) || pt < 0 || pt > 127) continue;
    const map = maps.get(f);
    const hit = MIXABLE.find((c) => (c.name !== 'OPUS' || o.opus === true) && (map ? map.encoding.toUpperCase() === c.name && map.clockRate === c.clockRate : c.staticPt === pt));
    if (hit) {
      const fmtp = hit.name === 'OPUS' ? m.attributes.find((a) => a.name.toLowerCase() === 'fmtp' && a.value?.split(' ')[0] === f)?.value?.slice(f.length + 1).trim() : undefined;
      // The worker's Opus encoder follows the far end's fmtp (what it can receive, RFC 7587 §6.1).
      codec = { payloadType: pt, name: hit.name === 'OPUS' ? 'opus' : hit.name, clockRate: hit.clockRate, channels: hit.channels ?? 1, ...(fmtp ? { fmtp } : {}) };
      break;
    }
  }
  if (!codec) return undefined;
  // RFC 4733 §7.1.1: telephone-event at the codec's clock rate, else the common 8 kHz one.
  const events = m.formats.map((f) => ({ f, map: maps.get(f) })).filter((x) => x.map?.encoding.toLowerCase() === 'telephone-event');
  const te = events.find((x) => x.map!.clockRate === codec.clockRate) ?? events.find((x) => x.map!.clockRate === 8000);
  const teClock = te?.map?.clockRate ?? 8000;
  if (te) {
    codec.telephoneEvent = Number(te.f);
    if (teClock !== codec.clockRate) codec.telephoneEventClockRate = teClock;
  }
  let ep;
  try {
    ep = mediaEndpoint(sd, index);
  } catch {
    return undefined;
  }
  const family = local.address.includes(':') ? 'IP6' : 'IP4';
  const lines = ['v=0', `o=pbx ${sessionIdNumber(sessionId)} 1 IN ${family} ${local.address}`, 's=conference', `c=IN ${family} ${local.address}`, 't=0 0'];
  sd.media.forEach((md, i) => {
    if (i !== index) {
      lines.push(`m=${md.type} 0 ${md.proto} ${md.formats[0] ?? '0'}`);
      return;
    }
    lines.push(`m=audio ${local.rtpPort} ${md.proto} ${codec.payloadType}${te ? ` ${te.f}` : ''}`);
    lines.push(`a=rtpmap:${codec.payloadType} ${codec.name}/${codec.clockRate}${codec.channels > 1 ? `/${codec.channels}` : ''}`);
    if (te) lines.push(`a=rtpmap:${te.f} telephone-event/${teClock}`, `a=fmtp:${te.f} 0-16`);
    // RFC 3264 §6.1: we would send and receive; an offer on hold (sendonly) gets recvonly, and so on.
    lines.push('a=ptime:20', `a=${allowedAnswerDirection(direction(sd, i), 'sendrecv')}`);
  });
  const remote: MediaRemote = {
    address: ep.address,
    port: ep.port,
    rtcpPort: ep.rtcpPort,
    allowedSources: [...new Set([ep.address, signallingIp])],
    payloadClocks: [[codec.payloadType, codec.clockRate], ...(te ? ([[Number(te.f), 0]] as Array<[number, number]>) : [])],
  };
  return { body: Buffer.from(lines.join('\r\n') + '\r\n'), codec, remote };
}

function sessionIdNumber(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return String(h || 1);
}
