import { randomToken } from '../util/ids.js';
import { connectionFor } from './connection.js';
import { SdpError } from './sdp-error.js';
import { serializeSdp } from './serialize.js';
import type { Origin, SessionDescription } from './types.js';

/** RFC 3264 §5: session id and version fit a signed 64-bit integer; the first version is below 2^62 - 1. */
const MAX_INITIAL = (1n << 62n) - 2n;
const MAX_VERSION = (1n << 63n) - 1n;

export interface SdpOriginOptions {
  /** The PBX's address on this leg (IPv4 or IPv6 literal). */
  address: string;
  /** RFC 8866 §5.2: '-' when there is no user id. */
  username?: string;
  /** Digits; random below 2^62 by default. */
  sessionId?: string;
  /** The version of the first description; 1 by default. */
  initialVersion?: bigint;
}

/**
 * The o= line of the PBX on one leg of a call. Every description the PBX sends on
 * that leg goes through stamp() or serialize(): the session id stays, and the version
 * goes up by one exactly when the description differs from the previous one stamped
 * (RFC 3264 §8: "If the version in the origin line does not increment, the SDP MUST
 * be identical to the SDP with the previous version").
 */
export class SdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
  #version: bigint;
  /** The last description stamped, as text, with a placeholder o= line. */
  #last: string | undefined;

  constructor(opts: SdpOriginOptions) {
    const c = connectionFor(opts.address);
    if (c === undefined) throw new SdpError('bad-argument', `origin address ${JSON.stringify(String(opts.address)).slice(0, 60)} is not an IP address`);
    this.netType = c.netType;
    this.addrType = c.addrType;
    this.address = c.address;
    this.username = opts.username ?? '-';
    if (!/^[^\s]{1,64}$/.test(this.username)) throw new SdpError('bad-argument', 'origin username');
    this.sessionId = opts.sessionId ?? String((BigInt('0x' + randomToken(8)) % MAX_INITIAL) + 1n);
    if (!/^\d{1,19}$/.test(this.sessionId) || BigInt(this.sessionId) > MAX_VERSION) throw new SdpError('bad-argument', `origin session id ${this.sessionId}`);
    const v = opts.initialVersion ?? 1n;
    if (v < 0n || v > MAX_INITIAL) throw new SdpError('bad-argument', `origin version ${v}`);
    this.#version = v;
  }

  /** The version of the last description stamped (or the one the first will get). */
  get version(): bigint {
    return this.#version;
  }

  get origin(): Origin {
    return {
      username: this.username,
      sessionId: this.sessionId,
      sessionVersion: String(this.#version),
      netType: this.netType,
      addrType: this.addrType,
      address: this.address,
    };
  }

  /** `sd` with this leg's o= line (the rest shared with `sd`, not copied). */
  stamp(sd: SessionDescription): SessionDescription {
    this.#advance(sd);
    return { ...sd, origin: this.origin };
  }

  /** stamp() and serializeSdp() in one, serializing once. */
  serialize(sd: SessionDescription): string {
    const text = this.#advance(sd);
    // The placeholder is the second line, after v=; spliced, not String#replace ('$' patterns).
    const at = text.indexOf(PLACEHOLDER_LINE);
    return text.slice(0, at) + originLine(this.origin) + text.slice(at + PLACEHOLDER_LINE.length);
  }

  #advance(sd: SessionDescription): string {
    const text = serializeSdp({ ...sd, origin: PLACEHOLDER });
    if (this.#last !== undefined && text !== this.#last) {
      // Not reachable in practice (2^63 - 2^62 changes), but never emit an out-of-range number.
      if (this.#version >= MAX_VERSION) throw new SdpError('bad-argument', 'origin version exhausted');
      this.#version++;
    }
    this.#last = text;
    return text;
  }
}

const PLACEHOLDER: Origin = { username: '-', sessionId: '0', sessionVersion: '0', netType: 'IN', addrType: 'IP4', address: '0.0.0.0' };
const PLACEHOLDER_LINE = 'o=- 0 0 IN IP4 0.0.0.0';

function originLine(o: Origin): string {
  return `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`;
}

/**
 * The same session at the same version: RFC 3264 §8 lets the receiver skip
 * renegotiation (a session refresh re-INVITE, RFC 4028, usually repeats its SDP).
 */
export function sameVersion(previous: SessionDescription, next: SessionDescription): boolean {
  const a = previous.origin;
  const b = next.origin;
  return (
    a.username === b.username &&
    a.sessionId === b.sessionId &&
    a.sessionVersion === b.sessionVersion &&
    a.netType === b.netType &&
    a.addrType === b.addrType &&
    a.address === b.address
  );
}
