import { effectiveConnection, isHoldConnection } from './connection.js';
import { SdpError } from './sdp-error.js';
import type { Attribute, MediaDescription, SessionDescription } from './types.js';

/** RFC 3264 §5.1, seen from the side that wrote the description. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/**
 * The direction of stream `mediaIndex`: its own direction attribute, else the
 * session-level one, else sendrecv (RFC 3264 §5.1). A c= of 0.0.0.0 (RFC 2543 hold)
 * takes away the receiving half: sendrecv reads as sendonly, recvonly as inactive.
 * A disabled stream (port 0) is inactive.
 *
 * Without an index: the first enabled audio stream, else the first enabled stream,
 * else the session level alone.
 */
export function direction(sd: SessionDescription, mediaIndex?: number): Direction {
  let m: MediaDescription | undefined;
  if (mediaIndex === undefined) {
    m = sd.media.find((x) => x.port !== 0 && x.type.toLowerCase() === 'audio') ?? sd.media.find((x) => x.port !== 0);
  } else {
    if (!Number.isInteger(mediaIndex) || mediaIndex < 0 || mediaIndex >= sd.media.length) {
      throw new SdpError('bad-argument', `media index ${mediaIndex} of ${sd.media.length}`);
    }
    m = sd.media[mediaIndex]!;
    if (m.port === 0) return 'inactive';
  }
  const dir = (m && directionAttribute(m.attributes)) ?? directionAttribute(sd.attributes) ?? 'sendrecv';
  const connection = m ? effectiveConnection(sd, m) : sd.connection;
  if (!isHoldConnection(connection)) return dir;
  return dir === 'sendrecv' || dir === 'sendonly' ? 'sendonly' : 'inactive';
}

/**
 * Does the writer of `sd` put the call on hold: is every enabled stream sendonly or
 * inactive (RFC 3264 §8.4, or c=0.0.0.0)? False when no stream is enabled: that is no
 * media at all, not hold.
 */
export function isHold(sd: SessionDescription): boolean {
  let enabled = 0;
  for (let i = 0; i < sd.media.length; i++) {
    if (sd.media[i]!.port === 0) continue;
    enabled++;
    const d = direction(sd, i);
    if (d === 'sendrecv' || d === 'recvonly') return false;
  }
  return enabled > 0;
}

function directionAttribute(attributes: readonly Attribute[]): Direction | undefined {
  for (const a of attributes) {
    const name = a.name.toLowerCase();
    if (a.value === undefined && DIRECTIONS.has(name)) return name as Direction;
  }
  return undefined;
}
