import type { RemoteInfo } from 'node:dgram';
import type { LegCodec, LegName, LegStats, MediaEvent, MediaStats } from '../protocol.js';
import { INVALID, isRtcp, RTP, rtpPayloadType, rtpSequence, rtpSsrc, rtpTimestamp } from '../rtp/rtp-header.js';
import { rtpPayloadEnd, rtpPayloadOffset } from '../rtp/rtp-payload.js';
import type { Paced } from './frame-pacer.js';
import type { DtmfTap } from './dtmf-tap.js';
import { touch, type ActivityState } from './inactivity.js';
import { NEWLY_LATCHED, STRAY, type RelayLeg } from './relay-leg.js';
import { TranscodeDirection } from './transcode-direction.js';

/** Per leg: what arrived that the transcoder could not use. */
interface LegDrops {
  wrongPayloadDropped: number;
}

/**
 * Both legs of a call whose phones share no codec: what leg A's phone sends is decoded,
 * resampled and re-encoded for leg B's phone, and the other way round, paced by the
 * worker's 20 ms clock (tick()). The legs are the relay's own RelayLeg objects, so
 * symmetric latching, its security rules (latch-only remotes, stray sources dropped) and
 * the counters the CDR reads are the same code as on the relay path.
 *
 * RTCP is taken (it latches and is counted) but not forwarded: each side's reports
 * describe a stream the other side never receives. Malformed RTP, payload types the leg
 * did not negotiate and absurd timestamps are dropped with a counter; nothing throws out
 * of a socket handler.
 */
export class TranscodeSession implements ActivityState, Paced {
  lastRtpAt: number;
  timeoutReported = false;
  /** A → B and B → A. */
  readonly ab: TranscodeDirection;
  readonly ba: TranscodeDirection;
  private readonly drops: Record<LegName, LegDrops> = { a: { wrongPayloadDropped: 0 }, b: { wrongPayloadDropped: 0 } };
  private failed = false;
  /** DTMF detection, once configured (setDtmf); the transcoder itself passes or drops the events. */
  dtmf: DtmfTap | undefined;
  /** A recording attached to the session: gets the frames decoded each tick (leg A's, leg B's). */
  recorder: { frames(a: Int16Array | null, b: Int16Array | null): void } | undefined;

  constructor(
    readonly id: string,
    readonly a: RelayLeg,
    readonly b: RelayLeg,
    readonly codecs: { a: LegCodec; b: LegCodec },
    private readonly now: () => number,
    private readonly emit: (e: MediaEvent) => void,
    random: () => number = Math.random,
  ) {
    this.lastRtpAt = now();
    const clock = { now };
    this.ab = new TranscodeDirection(codecs.a, codecs.b, clock, random);
    this.ba = new TranscodeDirection(codecs.b, codecs.a, clock, random);
    a.rtp.on('message', (msg: Buffer, from: RemoteInfo) => this.guard(() => this.onRtpPort(a, b, this.ab, msg, from)));
    b.rtp.on('message', (msg: Buffer, from: RemoteInfo) => this.guard(() => this.onRtpPort(b, a, this.ba, msg, from)));
    a.rtcp.on('message', (msg: Buffer, from: RemoteInfo) => this.guard(() => this.onRtcpPort(a, msg, from)));
    b.rtcp.on('message', (msg: Buffer, from: RemoteInfo) => this.guard(() => this.onRtcpPort(b, msg, from)));
  }

  get held(): boolean {
    return this.a.held || this.b.held;
  }

  leg(name: LegName): RelayLeg {
    return name === 'a' ? this.a : this.b;
  }

  touch(): void {
    touch(this, this.now());
  }

  /** After a re-INVITE moved a leg: its input starts afresh (new source, new sequence). */
  resetLeg(name: LegName): void {
    (name === 'a' ? this.ab : this.ba).reset();
  }

  /** One 20 ms frame in both directions (the worker's pacer calls this). */
  tick(): void {
    this.guard(() => {
      this.send(this.ab, this.b, this.ab.tick());
      this.send(this.ba, this.a, this.ba.tick());
      this.recorder?.frames(this.ab.lastFrame, this.ba.lastFrame);
    });
  }

  stats(): MediaStats {
    return { session: this.id, a: this.legStats('a'), b: this.legStats('b') };
  }

  /** Stop listening, leaving the sockets open for the session that takes over the legs. */
  detach(): void {
    for (const s of [this.a.rtp, this.a.rtcp, this.b.rtp, this.b.rtcp]) s.removeAllListeners('message');
    this.ab.dispose();
    this.ba.dispose();
  }

  close(): void {
    this.a.dispose();
    this.b.dispose();
    this.detach();
    for (const s of [this.a.rtp, this.a.rtcp, this.b.rtp, this.b.rtcp]) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  }

  private legStats(name: LegName): LegStats {
    const leg = this.leg(name);
    const dir = name === 'a' ? this.ab : this.ba;
    const j = dir.jitter.counters;
    return {
      ...leg.stats(),
      transcode: {
        wrongPayloadDropped: this.drops[name].wrongPayloadDropped,
        absurdTimestampDropped: dir.counters.absurdTimestampDropped,
        dtmfDropped: dir.counters.dtmfDropped,
        framesDecoded: dir.counters.framesDecoded,
        framesConcealed: dir.counters.framesConcealed,
        jitterDropped: j.late + j.duplicates + j.outOfWindow + j.oversize,
      },
    };
  }

  private readonly onRtpLatched = (leg: RelayLeg, address: string, port: number): void =>
    this.emit({ type: 'latched', session: this.id, leg: leg.name, kind: 'rtp', address, port });

  private onRtpPort(from: RelayLeg, to: RelayLeg, dir: TranscodeDirection, datagram: Buffer, src: RemoteInfo): void {
    const kind = from.acceptOnRtpPort(datagram, src.address, src.port, this.onRtpLatched);
    if (kind === INVALID) return;
    const msg = from.opened(datagram); // in clear when the leg is SRTP
    if (kind !== RTP) {
      from.rtcpReceived++; // RTCP multiplexed on the RTP port (RFC 5761): taken, not forwarded
      return;
    }
    const off = rtpPayloadOffset(msg);
    const end = off < 0 ? -1 : rtpPayloadEnd(msg, off);
    if (end < 0) {
      from.invalidDropped++;
      return;
    }
    const now = this.now();
    const pt = rtpPayloadType(msg);
    const seq = rtpSequence(msg);
    const ts = rtpTimestamp(msg);
    const ssrc = rtpSsrc(msg);
    from.packetsReceived++;
    from.bytesReceived += msg.length;
    from.stream.update(seq, ts, ssrc, now, pt);
    this.lastRtpAt = now;
    this.timeoutReported = false;
    const marker = (msg[1] & 0x80) !== 0;
    if (from.inboundTap) from.inboundTap(msg);
    this.dtmf?.observe(from.name, msg);
    if (pt === dir.inPt) {
      dir.pushAudio(msg, off, end - off, seq, ts, ssrc, marker);
    } else if (pt === dir.inTe) {
      this.send(dir, to, dir.event(msg, off, end - off, ts, ssrc, marker));
    } else {
      this.drops[from.name].wrongPayloadDropped++;
    }
  }

  private onRtcpPort(from: RelayLeg, msg: Buffer, src: RemoteInfo): void {
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
    from.rtcpReceived++;
  }

  private send(dir: TranscodeDirection, to: RelayLeg, length: number): void {
    if (length <= 0) return;
    if (to.playing) {
      to.playSuppressed++;
      return;
    }
    if (to.sendPort === 0) {
      (to === this.a ? this.b : this.a).unroutableDropped++;
      return;
    }
    to.sendRtp(dir.packet, 0, length);
    to.packetsSent++;
    to.bytesSent += length;
  }

  /** A throw out of a socket handler or the pacer would take the worker down: report it once per session. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (this.failed) return;
      this.failed = true;
      this.emit({ type: 'workerError', message: `session ${this.id}: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
}
