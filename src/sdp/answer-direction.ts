/**
 * The direction of an answer, held to its offer (RFC 3264 §6.1): "If the offerer marked a
 * stream sendonly, the answerer MUST mark it recvonly or inactive; recvonly: sendonly or
 * inactive; inactive: inactive; sendrecv: any of the four." A far end that answers a hold
 * (sendonly) with sendrecv breaks that rule; relayed as it is, a browser (JSEP) refuses the
 * answer and the call drops. The answerer may only send where the offerer receives and only
 * receive where the offerer sends: what it asked for, less what the offer does not allow.
 */
import { cloneSdp } from './clone.js';
import { direction, type Direction } from './direction.js';
import type { SessionDescription } from './types.js';

const DIRECTION_NAMES: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

const sends = (d: Direction) => d === 'sendrecv' || d === 'sendonly';
const receives = (d: Direction) => d === 'sendrecv' || d === 'recvonly';

function of(send: boolean, recv: boolean): Direction {
  if (send && recv) return 'sendrecv';
  if (send) return 'sendonly';
  if (recv) return 'recvonly';
  return 'inactive';
}

/** The direction an answerer that wants `wanted` may state for a stream offered as `offered` (RFC 3264 §6.1). */
export function allowedAnswerDirection(offered: Direction, wanted: Direction): Direction {
  return of(sends(wanted) && receives(offered), receives(wanted) && sends(offered));
}

/**
 * `answer` with each enabled stream's direction held to the same stream of `offer`:
 * unchanged (the same object) when every stream already fits; otherwise a copy in which
 * the streams that did not fit carry the allowed direction as a media-level attribute
 * (which overrides a session-level one, RFC 3264 §5.1).
 */
export function conformAnswerDirections(offer: SessionDescription, answer: SessionDescription): SessionDescription {
  let out: SessionDescription | undefined;
  for (let i = 0; i < answer.media.length; i++) {
    const m = answer.media[i]!;
    const o = offer.media[i];
    if (!o || m.port === 0 || o.port === 0) continue;
    const stated = direction(answer, i);
    const allowed = allowedAnswerDirection(direction(offer, i), stated);
    if (allowed === stated) continue;
    out ??= cloneSdp(answer);
    const target = out.media[i]!;
    target.attributes = target.attributes.filter((a) => !(a.value === undefined && DIRECTION_NAMES.has(a.name.toLowerCase())));
    target.attributes.push({ name: allowed });
  }
  return out ?? answer;
}
