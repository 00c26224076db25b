import { parseSdp } from '../sdp/parse.js';
import type { SessionDescription } from '../sdp/types.js';
import type { Side } from './call-registry.js';
import type { SdpBridge } from './sdp-bridge.js';
import type { CallMediaSession } from './ports.js';
import { undressed } from './webrtc-legs.js';

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/**
 * The PBX's own offer to a leg of a call in transfer, on that leg's port of the call's
 * media session (the session stays; only the party on the leg changes): the description
 * the PBX last sent that leg, made sendrecv again (the transferor may have put the call on
 * hold before it transferred, RFC 5359 §2.4). Its answer is read with
 * SdpBridge.answerToOwnOffer. Undefined when nothing was sent to that leg yet.
 */
export function transferOffer(sdp: SdpBridge, side: Side, media: CallMediaSession): Buffer | undefined {
  const last = sdp.lastSentTo(side);
  if (!last) return undefined;
  let sd: SessionDescription;
  try {
    sd = parseSdp(last);
    // Last sent to a browser that a plain party now replaces (webrtc-legs.ts forget): its RTP/AVP form.
    if (!sdp.webrtc?.isBrowser(side)) sd = undressed(sd);
  } catch {
    return undefined;
  }
  return sdp.ownOfferTo(side, sendrecv(sd), media);
}

/** Whether the last description sent to a leg holds it (sendonly, recvonly or inactive). */
export function sentHold(sdp: SdpBridge, side: Side): boolean {
  const last = sdp.lastSentTo(side);
  if (!last) return false;
  try {
    const sd = parseSdp(last);
    const dirs = [...sd.attributes, ...sd.media.flatMap((m) => m.attributes)].map((a) => a.name).filter((n) => DIRECTIONS.has(n));
    return dirs.some((d) => d !== 'sendrecv');
  } catch {
    return false;
  }
}

function sendrecv(sd: SessionDescription): SessionDescription {
  return {
    ...sd,
    attributes: sd.attributes.filter((a) => !DIRECTIONS.has(a.name)),
    media: sd.media.map((m) => ({ ...m, attributes: [...m.attributes.filter((a) => !DIRECTIONS.has(a.name)), ...(m.port !== 0 ? [{ name: 'sendrecv' }] : [])] })),
  };
}
