/**
 * The RTP stream the PBX itself sends to one leg's phone (prompts, music on hold): one
 * SSRC and one sequence space per leg for the whole call, so that going from one play to
 * the next never looks like loss to the phone.
 *
 * While the leg relays, the phone receives the other phone's stream (its SSRC); a play
 * switches to this stream, which RFC 3550 §8 treats as another source, not as a jump. Each
 * play starts a new talk spurt (RFC 3551 §4.1): the marker bit is set on its first packet
 * and the timestamp moves on by the wall time since this stream's last packet (§5.1: the
 * timestamp follows the sampling clock, also across silence), while the sequence number
 * simply goes on by one per packet.
 */
import { RTP_HEADER_BYTES } from '../rtp/rtp-header.js';

const TWO_32 = 0x1_0000_0000;

export class PlayRtpStream {
  readonly ssrc: number;
  private seq: number;
  private ts: number;
  /** Wall time (ms) of the last packet; -1 before the first. */
  private lastAt = -1;
  private clock = 8000;
  private marker = true;

  constructor(random: () => number = Math.random) {
    // RFC 3550 §5.1: random initial sequence number and timestamp.
    this.ssrc = Math.floor(random() * TWO_32) >>> 0;
    this.seq = Math.floor(random() * 0x10000) & 0xffff;
    this.ts = Math.floor(random() * TWO_32) >>> 0;
  }

  /** A new talk spurt at wall time `now` (ms), at `clock` RTP units per second. */
  begin(now: number, clock: number): void {
    if (this.lastAt >= 0 && now > this.lastAt) this.ts = (this.ts + Math.round(((now - this.lastAt) * this.clock) / 1000)) % TWO_32;
    this.clock = clock;
    this.marker = true;
  }

  /** Writes the 12-byte header of the next packet into p and advances by `units` timestamp units. */
  header(p: Buffer, payloadType: number, units: number, now: number): number {
    p[0] = 0x80; // V=2, no padding, no extension, no CSRC
    p[1] = (this.marker ? 0x80 : 0) | (payloadType & 0x7f);
    p.writeUInt16BE(this.seq, 2);
    p.writeUInt32BE(this.ts, 4);
    p.writeUInt32BE(this.ssrc, 8);
    this.marker = false;
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + units) % TWO_32;
    this.lastAt = now;
    return RTP_HEADER_BYTES;
  }
}
