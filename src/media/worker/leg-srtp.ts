import type { Socket } from 'node:dgram';
import type { LegSrtp, SrtpLegStats } from '../protocol.js';
import { SrtpInbound, SrtpOutbound } from '../srtp/srtp-context.js';

/** Packets that may be in flight at once on one leg (dgram reads a buffer after send() returns). */
const RING = 8;
/** The largest plain packet protected: a UDP payload on Ethernet (1500 - IP - UDP headers). */
const MAX_PLAIN = 1472;

/**
 * SRTP on one leg of a session (RFC 3711 with SDES keys, RFC 4568): the phone's key opens
 * what it sends, the PBX's own key protects what it hears. Made when the B2BUA says the
 * leg negotiated SRTP (setSrtp); the other leg may be plain RTP, and the worker opens on
 * one side and protects on the other (RTP ↔ SRTP interworking).
 *
 * dgram reads a buffer only when the datagram leaves, after send() returns, so protected
 * packets go out of a ring of buffers made once per leg: nothing is allocated per packet
 * here beyond what node:crypto returns.
 */
export class LegSrtpState {
  readonly inbound: SrtpInbound;
  readonly outbound: SrtpOutbound;
  private readonly ring: Buffer[] = [];
  private at = 0;
  /** Packets too large to protect (dropped). */
  oversizeDropped = 0;

  constructor(readonly keys: LegSrtp) {
    this.inbound = new SrtpInbound({ suite: keys.suite, keySalt: keys.recvKey });
    this.outbound = new SrtpOutbound({ suite: keys.suite, keySalt: keys.sendKey });
    for (let i = 0; i < RING; i++) this.ring.push(Buffer.alloc(MAX_PLAIN + this.outbound.overhead));
  }

  /** Protect buf[offset, offset+len) as RTP (or, rtcp, as RTCP) and send it on `socket`; false when dropped. */
  send(socket: Socket, buf: Buffer, offset: number, len: number, port: number, address: string, rtcp: boolean): boolean {
    if (len > MAX_PLAIN) {
      this.oversizeDropped++;
      return false;
    }
    this.at = (this.at + 1) % RING;
    const s = this.ring[this.at]!;
    buf.copy(s, 0, offset, offset + len);
    const n = rtcp ? this.outbound.protectRtcp(s, len) : this.outbound.protectRtp(s, len);
    if (n < 0) return false;
    socket.send(s, 0, n, port, address);
    return true;
  }

  stats(): SrtpLegStats {
    return {
      suite: this.keys.suite,
      authFailed: this.inbound.authFailed,
      replayed: this.inbound.replayed,
      malformed: this.inbound.malformed + this.oversizeDropped,
    };
  }
}

/** A LegSrtp from another thread, checked field by field. */
export function checkLegSrtp(v: unknown): LegSrtp {
  const o = v as Partial<LegSrtp> | null;
  if (!o || typeof o !== 'object') throw new TypeError('srtp is not an object');
  if (o.suite !== 'AES_CM_128_HMAC_SHA1_80' && o.suite !== 'AES_CM_128_HMAC_SHA1_32') throw new TypeError(`unknown SRTP suite ${JSON.stringify(o.suite)}`);
  for (const k of ['sendKey', 'recvKey'] as const) {
    const key = o[k];
    if (!(key instanceof Uint8Array) || key.length !== 30) throw new TypeError(`${k} must be 30 bytes (key || salt)`);
  }
  return { suite: o.suite, sendKey: o.sendKey!, recvKey: o.recvKey! };
}
