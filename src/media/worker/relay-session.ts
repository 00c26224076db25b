import type { RemoteInfo } from 'node:dgram';
import type { LegName, MediaEvent, MediaStats } from '../protocol.js';
import type { DtmfTap } from './dtmf-tap.js';
import { touch, type ActivityState } from './inactivity.js';
import { NEWLY_LATCHED, STRAY, type RelayLeg } from './relay-leg.js';
import { INVALID, isRtcp, RTP, rtpPayloadType, rtpSequence, rtpSsrc, rtpTimestamp } from '../rtp/rtp-header.js';

/**
 * Both legs of one call, relaying each other's packets: what leg A's phone sends to A's
 * RTP port leaves from B's RTP port towards B's phone, and the other way round; the same
 * for RTCP. The Buffer dgram hands us is the one sent on; nothing is allocated per packet.
 */
export class RelaySession implements ActivityState {
  lastRtpAt: number;
  timeoutReported = false;
  /** DTMF detection and interworking, once configured (setDtmf). */
  dtmf: DtmfTap | undefined;
  /** A recording attached to the session: sees each accepted RTP packet (a look, never a change). */
  recorder: { tap(leg: LegName, msg: Buffer): void } | undefined;

  constructor(
    readonly id: string,
    readonly a: RelayLeg,
    readonly b: RelayLeg,
    private readonly now: () => number,
    private readonly emit: (e: MediaEvent) => void,
  ) {
    this.lastRtpAt = now();
    // A throw out of a socket handler would take the whole worker down: guard each.
    a.rtp.on('message', (msg: Buffer, from: RemoteInfo) => {
      try {
        this.onRtpPort(a, b, msg, from);
      } catch (err) {
        this.fail(err);
      }
    });
    b.rtp.on('message', (msg: Buffer, from: RemoteInfo) => {
      try {
        this.onRtpPort(b, a, msg, from);
      } catch (err) {
        this.fail(err);
      }
    });
    a.rtcp.on('message', (msg: Buffer, from: RemoteInfo) => {
      try {
        this.onRtcpPort(a, b, msg, from);
      } catch (err) {
        this.fail(err);
      }
    });
    b.rtcp.on('message', (msg: Buffer, from: RemoteInfo) => {
      try {
        this.onRtcpPort(b, a, msg, from);
      } catch (err) {
        this.fail(err);
      }
    });
  }

  private failed = false;

  /** A packet handler threw (a bug, or a send refused): report it once per session, keep relaying. */
  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.emit({ type: 'workerError', message: `session ${this.id}: ${err instanceof Error ? err.message : String(err)}` });
  }

  get held(): boolean {
    return this.a.held || this.b.held;
  }

  leg(name: LegName): RelayLeg {
    return name === 'a' ? this.a : this.b;
  }

  /** Count inactivity from now (answered, renegotiated, resumed). */
  touch(): void {
    touch(this, this.now());
  }

  stats(): MediaStats {
    return { session: this.id, a: this.a.stats(), b: this.b.stats() };
  }

  /** Stop listening, leaving the sockets open for a session that takes over the legs (transcoding). */
  detach(): void {
    for (const s of [this.a.rtp, this.a.rtcp, this.b.rtp, this.b.rtcp]) s.removeAllListeners('message');
  }

  close(): void {
    this.a.dispose();
    this.b.dispose();
    for (const s of [this.a.rtp, this.a.rtcp, this.b.rtp, this.b.rtcp]) {
      s.removeAllListeners('message');
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  }

  private readonly onRtpLatched = (leg: RelayLeg, address: string, port: number): void =>
    this.emit({ type: 'latched', session: this.id, leg: leg.name, kind: 'rtp', address, port });

  private onRtpPort(from: RelayLeg, to: RelayLeg, datagram: Buffer, src: RemoteInfo): void {
    const kind = from.acceptOnRtpPort(datagram, src.address, src.port, this.onRtpLatched);
    if (kind === INVALID) return;
    const msg = from.opened(datagram); // in clear when the leg is SRTP
    if (kind === RTP) {
      const now = this.now();
      from.packetsReceived++;
      from.bytesReceived += msg.length;
      from.stream.update(rtpSequence(msg), rtpTimestamp(msg), rtpSsrc(msg), now, rtpPayloadType(msg));
      this.lastRtpAt = now;
      this.timeoutReported = false;
      if (from.inboundTap) from.inboundTap(msg);
      this.recorder?.tap(from.name, msg);
      if (this.dtmf && !this.dtmf.relay(from.name, msg)) return;
      if (to.playing) {
        to.playSuppressed++;
        return;
      }
    } else {
      from.rtcpReceived++; // RTCP multiplexed on the RTP port (RFC 5761)
    }
    if (to.sendPort === 0) {
      from.unroutableDropped++;
      return;
    }
    to.relayRtp(msg, kind !== RTP);
    if (kind === RTP) {
      to.packetsSent++;
      to.bytesSent += msg.length;
    } else {
      to.rtcpSent++;
    }
  }

  private onRtcpPort(from: RelayLeg, to: RelayLeg, msg: Buffer, src: RemoteInfo): void {
    if (!isRtcp(msg)) {
      from.invalidDropped++;
      return;
    }
    const admission = from.admitRtcp(src.address, src.port);
    if (admission === STRAY) {
      from.strayDropped++;
      return;
    }
    if (admission === NEWLY_LATCHED) this.emit({ type: 'latched', session: this.id, leg: from.name, kind: 'rtcp', address: src.address, port: src.port });
    const clear = from.openRtcp(msg);
    if (!clear) return; // SRTCP that did not authenticate (counted)
    from.rtcpReceived++;
    if (to.rtcpSendPort === 0) {
      from.unroutableDropped++;
      return;
    }
    to.sendRtcp(clear, clear.length);
    to.rtcpSent++;
  }
}
