/**
 * The SDP of a call pickup (call-pickup.ts). The picking phone's INVITE carries an offer;
 * the ringing call has already sent its own offer (the caller's, rewritten for leg B) to
 * the forks. The PBX answers both at once (RFC 3264 §6): it picks the first codec of the
 * call's offer (the caller's preference) that the picker offered too, and builds
 * - `toPicker`: the answer to the picker's offer, on leg B's port, in the picker's payload
 *   type numbering (plus telephone-event when both offered it, RFC 4733);
 * - `asCallee`: the answer the picker would have sent to the call's offer, naming the
 *   picker's media address, in the offer's numbering: the call takes it like a fork's 2xx.
 * Other m= lines are refused with port 0 (§6). Undefined: nothing in common (488).
 */
import { allowedAnswerDirection } from '../sdp/answer-direction.js';
import { describeFormats, direction, isTelephoneEvent, mediaEndpoint, parseSdp, sameCodec, type FormatCodec, type MediaDescription, type SessionDescription } from '../sdp/index.js';
import type { MediaCodec } from './ports.js';

export interface PickupAnswers {
  toPicker: Buffer;
  asCallee: Buffer;
  /** What leg B carries, in the picker's numbering. */
  pickerCodec: { payloadType: number; telephoneEvent?: number };
  /** The same codec in the call offer's numbering (what the call's own mapping names). */
  offerCodec: { payloadType: number; telephoneEvent?: number };
}

export function pickupAnswers(pickerOffer: Buffer, calleeOffer: Buffer, local: { address: string; rtpPort: number }, sessionId: number): PickupAnswers | undefined {
  let picker: SessionDescription;
  let call: SessionDescription;
  try {
    picker = parseSdp(pickerOffer);
    call = parseSdp(calleeOffer);
  } catch {
    return undefined;
  }
  const pi = picker.media.findIndex(isAudio);
  const ci = call.media.findIndex(isAudio);
  if (pi < 0 || ci < 0) return undefined;
  const pm = picker.media[pi]!;
  const cm = call.media[ci]!;
  const pFormats = describeFormats(pm);
  let chosen: { call: FormatCodec; picker: FormatCodec } | undefined;
  for (const f of describeFormats(cm)) {
    if (isTelephoneEvent(f)) continue;
    const p = pFormats.find((x) => !isTelephoneEvent(x) && sameCodec(x, f));
    if (p) {
      chosen = { call: f, picker: p };
      break;
    }
  }
  if (!chosen) return undefined;
  const te8k = (fs: FormatCodec[]) => fs.find((x) => isTelephoneEvent(x) && x.clockRate === 8000);
  const pTe = te8k(pFormats);
  const cTe = te8k(describeFormats(cm));
  const te = pTe && cTe ? { picker: pTe, call: cTe } : undefined;
  let ep;
  try {
    ep = mediaEndpoint(picker, pi);
  } catch {
    return undefined;
  }
  const toPicker = describe(picker, pi, { address: local.address, port: local.rtpPort }, 'pbx', sessionId, [chosen.picker, ...(te ? [te.picker] : [])]);
  const asCallee = describe(call, ci, { address: ep.address, port: ep.port }, 'picker', sessionId, [chosen.call, ...(te ? [te.call] : [])]);
  return {
    toPicker,
    asCallee,
    pickerCodec: { payloadType: chosen.picker.payloadType, ...(te ? { telephoneEvent: te.picker.payloadType } : {}) },
    offerCodec: { payloadType: chosen.call.payloadType, ...(te ? { telephoneEvent: te.call.payloadType } : {}) },
  };
}

/** Leg B's codec as the call mapped it, renumbered for the picker. */
export function renumbered(codec: MediaCodec, a: PickupAnswers): MediaCodec {
  const out: MediaCodec = { ...codec, payloadType: a.pickerCodec.payloadType };
  if (a.pickerCodec.telephoneEvent !== undefined) out.telephoneEvent = a.pickerCodec.telephoneEvent;
  else delete out.telephoneEvent;
  return out;
}

function isAudio(m: MediaDescription): boolean {
  return m.type === 'audio' && m.port !== 0 && /^RTP\/AVPF?$/i.test(m.proto);
}

/** An answer to `offer`: its m= line `index` accepted with `formats` at `at`, the others refused. */
function describe(offer: SessionDescription, index: number, at: { address: string; port: number }, user: string, sessionId: number, formats: FormatCodec[]): Buffer {
  const family = at.address.includes(':') ? 'IP6' : 'IP4';
  const lines = ['v=0', `o=${user} ${sessionId} 1 IN ${family} ${at.address}`, 's=-', `c=IN ${family} ${at.address}`, 't=0 0'];
  offer.media.forEach((m, i) => {
    if (i !== index) {
      lines.push(`m=${m.type} 0 ${m.proto} ${m.formats[0] ?? '0'}`);
      return;
    }
    lines.push(`m=audio ${at.port} ${m.proto} ${formats.map((f) => f.format).join(' ')}`);
    for (const f of formats) {
      lines.push(`a=rtpmap:${f.payloadType} ${f.name}/${f.clockRate}${f.channels > 1 ? `/${f.channels}` : ''}`);
      const fmtp = m.attributes.find((a) => a.name === 'fmtp' && a.value?.split(' ')[0] === f.format);
      if (fmtp?.value) lines.push(`a=fmtp:${fmtp.value}`);
    }
    lines.push(`a=${allowedAnswerDirection(direction(offer, i), 'sendrecv')}`); // RFC 3264 §6.1
  });
  return Buffer.from(lines.join('\r\n') + '\r\n');
}
