import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Endpoint, LegName, LegSrtp, LegStats, LegWebrtc, RemoteTarget } from '../protocol.js';
import { LegSrtpState } from './leg-srtp.js';
import { LegWebrtcState } from './leg-webrtc.js';
import { canonicalIp } from './ip-text.js';
import { StreamStats } from '../rtp/stream-stats.js';
import { classifyRtpPort, INVALID, RTP } from '../rtp/rtp-header.js';

/** At most this many IPs may latch a leg (the SDP address and the signalling source, and a few spare). */
const MAX_ALLOWED_SOURCES = 8;

/** What admit() found about a packet's source. */
export const STRAY = 0;
export const KNOWN = 1;
export const NEWLY_LATCHED = 2;
export type Admission = typeof STRAY | typeof KNOWN | typeof NEWLY_LATCHED;

/**
 * One leg of a relayed session: the RTP and RTCP sockets facing one phone, where that
 * phone said it wants media (SDP), where its media really comes from (the latch), and
 * its counters. Destinations are worked out when they change, so the packet path only
 * reads fields.
 */
export class RelayLeg {
  // The fields each relayed packet reads or writes come first, in the order the packet path
  // uses them: V8 lays an object's fields out in the order they are declared, and with a few
  // hundred legs in a worker a leg's fields are no longer in the CPU cache when its next packet
  // arrives (20 ms later). Kept together they are two or three cache lines instead of six; the
  // relay's own per-packet cost under load is mostly these misses (bench/RESULTS.md, relay).

  /** A browser leg: ICE-lite and DTLS-SRTP on the RTP port (leg-webrtc.ts); nothing is sent to it before its keys. */
  private webrtc: LegWebrtcState | undefined = undefined;
  /** SRTP on this leg (SDES), when negotiated; see leg-srtp.ts. */
  private srtp: LegSrtpState | undefined = undefined;
  // Symmetric latching (RTP and RTCP latch separately).
  private latchedPort = 0;
  private latchedAddress = '';
  /** The plain length of the last packet acceptOnRtpPort let in (shorter than the datagram with SRTP). */
  private plainLength = 0;
  packetsReceived = 0;
  bytesReceived = 0;
  readonly stream: StreamStats;
  /** Sees each RTP packet this leg's phone sends (after latching), e.g. for barge-in on a digit. */
  inboundTap: ((msg: Buffer) => void) | undefined = undefined;
  /**
   * A play (prompts, music on hold) owns what this leg's phone hears: the session sends it
   * nothing of the other leg meanwhile (counted in playSuppressed). See leg-player.ts.
   */
  playing = false;
  /** Where RTP and RTCP for this leg's phone go; port 0 = nowhere yet. */
  sendPort = 0;
  sendAddress = '';
  readonly rtp: Socket;
  packetsSent = 0;
  bytesSent = 0;
  readonly name: LegName;

  // Signalled (SDP) target and the IPs allowed to latch.
  private remote: RemoteTarget | null = null;
  private allowed: string[] = [];
  private rtcpLatchedAddress = '';
  private rtcpLatchedPort = 0;
  rtcpSendAddress = '';
  rtcpSendPort = 0;

  held = false;
  playSuppressed = 0;
  rtcpReceived = 0;
  rtcpSent = 0;
  strayDropped = 0;
  invalidDropped = 0;
  unroutableDropped = 0;
  /** The SRTP keys came from this leg's DTLS handshake (not SDES): they go when the leg stops being a browser leg. */
  private srtpFromDtls = false;
  /** Packets for a browser leg dropped because its DTLS handshake was not done yet. */
  awaitingKeysDropped = 0;

  constructor(
    name: LegName,
    rtp: Socket,
    readonly rtcp: Socket,
    readonly rtpPort: number,
    /** The address family of the sockets: a remote of the other family cannot be reached. */
    private readonly family: 4 | 6,
    clockRate: number,
  ) {
    this.name = name;
    this.rtp = rtp;
    this.stream = new StreamStats(clockRate);
  }

  /** Set the SDP target and the IPs that may latch. Throws a RangeError for a bad target. */
  setRemote(r: RemoteTarget): void {
    const address = canonicalIp(r.address);
    if (!address) throw new RangeError(`remote address is not an IP literal: ${JSON.stringify(r.address)}`);
    if (isIP(address) !== this.family) throw new RangeError(`remote address ${address} is not IPv${this.family} like the media address`);
    if (!isPort(r.port, true)) throw new RangeError(`bad remote port ${r.port}`);
    const rtcpPort = r.rtcpPort ?? (r.port === 0 ? 0 : r.port + 1);
    if (!isPort(rtcpPort, true)) throw new RangeError(`bad remote RTCP port ${rtcpPort}`);
    const allowed: string[] = [];
    for (const s of Array.isArray(r.allowedSources) ? r.allowedSources : []) {
      const ip = canonicalIp(s);
      if (ip && !allowed.includes(ip) && allowed.length < MAX_ALLOWED_SOURCES) allowed.push(ip);
    }
    this.remote = { address, port: r.port, rtcpPort, allowedSources: allowed, ...(r.latchOnly === true ? { latchOnly: true } : {}) };
    this.stream.setPayloadClocks(Array.isArray(r.payloadClocks) ? r.payloadClocks.filter((e) => Array.isArray(e) && e.length === 2) : []);
    this.allowed = allowed;
    this.route();
  }

  /** Forget the learnt sources (re-INVITE); the next valid packet from an allowed IP latches again. */
  resetLatch(): void {
    this.latchedAddress = '';
    this.latchedPort = 0;
    this.rtcpLatchedAddress = '';
    this.rtcpLatchedPort = 0;
    this.stream.restart();
    this.route();
  }

  /**
   * May a valid RTP packet from address:port be relayed? The first one from an allowed
   * IP latches the leg; after that only the latched source is accepted (RTPBleed).
   */
  admitRtp(address: string, port: number): Admission {
    if (this.latchedPort !== 0) return port === this.latchedPort && address === this.latchedAddress ? KNOWN : STRAY;
    if (!this.allowed.includes(address)) return STRAY;
    this.latchedAddress = address;
    this.latchedPort = port;
    this.route();
    return NEWLY_LATCHED;
  }

  /**
   * The front door of a packet on this leg's RTP port, for relay and transcoding sessions
   * alike: classifies it (RTP, or RTCP multiplexed on the port, RFC 5761), drops and counts
   * invalid packets and strays, and latches the first one from an allowed source (symmetric
   * RTP). Returns the packet's kind (RTP or RTCP), or INVALID when it was dropped.
   */
  acceptOnRtpPort(msg: Buffer, address: string, port: number, onLatched: (leg: RelayLeg, address: string, port: number) => void): number {
    // RFC 7983: on a browser leg, STUN and DTLS share the port with RTP and RTCP.
    if (this.webrtc && this.webrtc.demux(msg, address, port)) return INVALID;
    const kind = classifyRtpPort(msg);
    if (kind === INVALID) {
      this.invalidDropped++;
      return INVALID;
    }
    this.plainLength = msg.length;
    if (this.srtp) {
      // SRTP: the packet must authenticate before it may latch the leg (RFC 3711 §3.3: a
      // forged packet from an allowed IP must not take the leg); failures are counted there.
      if (!this.mayBeSource(address, port)) {
        this.strayDropped++;
        return INVALID;
      }
      const n = kind === RTP ? this.srtp.inbound.unprotectRtp(msg, msg.length) : this.srtp.inbound.unprotectRtcp(msg, msg.length);
      if (n < 0) return INVALID;
      this.plainLength = n;
    }
    const admission = this.admitRtp(address, port);
    if (admission === STRAY) {
      this.strayDropped++;
      return INVALID;
    }
    if (admission === NEWLY_LATCHED) onLatched(this, address, port);
    return kind;
  }

  /**
   * The packet acceptOnRtpPort just let in, in clear: msg itself on a plain leg, its
   * decrypted front on an SRTP leg.
   */
  opened(msg: Buffer): Buffer {
    return this.plainLength === msg.length ? msg : msg.subarray(0, this.plainLength);
  }

  /** An RTCP packet on the RTCP port, in clear; null when SRTCP refused it (counted). */
  openRtcp(msg: Buffer): Buffer | null {
    if (!this.srtp) return msg;
    const n = this.srtp.inbound.unprotectRtcp(msg, msg.length);
    return n < 0 ? null : msg.subarray(0, n);
  }

  /** SRTP on (keys) or off (null). */
  setSrtp(keys: LegSrtp | null): void {
    this.srtp = keys ? new LegSrtpState(keys) : undefined;
    this.srtpFromDtls = false;
  }

  get srtpOn(): boolean {
    return this.srtp !== undefined;
  }

  /**
   * A browser leg (ICE-lite, DTLS-SRTP, rtcp-mux), or a plain one again (null). The leg
   * latches to the pair its checks select and gets its SRTP keys from the handshake.
   */
  setWebrtc(cfg: LegWebrtc | null): void {
    // An ICE restart with the same DTLS peer keeps the association and its SRTP keys.
    if (cfg && this.webrtc && this.webrtc.renew(cfg)) return;
    this.webrtc?.close();
    this.webrtc = undefined;
    // A plain party took the leg (attended transfer from a browser): its DTLS keys go with the browser.
    if (this.srtpFromDtls) this.setSrtp(null);
    if (!cfg) return;
    this.srtp = undefined;
    this.webrtc = new LegWebrtcState(cfg, this.rtp, {
      latch: (address, port) => this.latchTo(address, port),
      keys: (k) => {
        this.setSrtp({ suite: 'AES_CM_128_HMAC_SHA1_80', sendKey: k.sendKey, recvKey: k.recvKey });
        this.srtpFromDtls = true;
      },
    });
  }

  /** Stop a browser leg's DTLS (its retransmission timers) when the session ends. */
  dispose(): void {
    this.webrtc?.close();
  }

  /** Latch RTP and (multiplexed) RTCP to the pair ICE selected. */
  private latchTo(address: string, port: number): void {
    this.latchedAddress = address;
    this.latchedPort = port;
    this.rtcpLatchedAddress = address;
    this.rtcpLatchedPort = port;
    this.route();
  }

  /**
   * Send an RTP packet (or, rtcpMux, RTCP on the RTP port) to this leg's phone: as it is,
   * or protected when the leg carries SRTP. The caller has checked sendPort.
   */
  sendRtp(buf: Buffer, offset: number, len: number, rtcpMux = false): void {
    if (this.webrtc && !this.srtp) {
      this.awaitingKeysDropped++;
      return;
    }
    if (this.srtp) this.srtp.send(this.rtp, buf, offset, len, this.sendPort, this.sendAddress, rtcpMux);
    // The whole buffer goes without offset and length: dgram's send would make a Buffer view of it per packet.
    else if (offset === 0 && len === buf.length) this.rtp.send(buf, this.sendPort, this.sendAddress);
    else this.rtp.send(buf, offset, len, this.sendPort, this.sendAddress);
  }

  /**
   * The relay's send of a whole packet it received (RTP, or RTCP multiplexed on the RTP port):
   * sendRtp without a Buffer view per packet. The caller has checked sendPort.
   */
  relayRtp(msg: Buffer, rtcpMux: boolean): void {
    if (this.srtp) this.srtp.send(this.rtp, msg, 0, msg.length, this.sendPort, this.sendAddress, rtcpMux);
    else if (this.webrtc) this.awaitingKeysDropped++;
    else this.rtp.send(msg, this.sendPort, this.sendAddress);
  }

  /** Send RTCP on the RTCP port (protected on an SRTP leg). The caller has checked rtcpSendPort. */
  sendRtcp(buf: Buffer, len: number): void {
    if (this.webrtc) {
      // rtcp-mux (RFC 5761): a browser has one port for both.
      if (this.srtp) this.srtp.send(this.rtp, buf, 0, len, this.sendPort, this.sendAddress, true);
      else this.awaitingKeysDropped++;
      return;
    }
    if (this.srtp) this.srtp.send(this.rtcp, buf, 0, len, this.rtcpSendPort, this.rtcpSendAddress, true);
    else if (len === buf.length) this.rtcp.send(buf, this.rtcpSendPort, this.rtcpSendAddress);
    else this.rtcp.send(buf, 0, len, this.rtcpSendPort, this.rtcpSendAddress);
  }

  /** Would admitRtp let this source in (without latching)? */
  private mayBeSource(address: string, port: number): boolean {
    if (this.latchedPort !== 0) return port === this.latchedPort && address === this.latchedAddress;
    return this.allowed.includes(address);
  }

  /** The same for RTCP, with a latch of its own. */
  admitRtcp(address: string, port: number): Admission {
    if (this.rtcpLatchedPort !== 0) return port === this.rtcpLatchedPort && address === this.rtcpLatchedAddress ? KNOWN : STRAY;
    if (!this.allowed.includes(address)) return STRAY;
    this.rtcpLatchedAddress = address;
    this.rtcpLatchedPort = port;
    this.route();
    return NEWLY_LATCHED;
  }

  get latched(): Endpoint | null {
    return this.latchedPort === 0 ? null : { address: this.latchedAddress, port: this.latchedPort };
  }

  get rtcpLatched(): Endpoint | null {
    return this.rtcpLatchedPort === 0 ? null : { address: this.rtcpLatchedAddress, port: this.rtcpLatchedPort };
  }

  stats(): LegStats {
    return {
      packetsReceived: this.packetsReceived,
      bytesReceived: this.bytesReceived,
      packetsSent: this.packetsSent,
      bytesSent: this.bytesSent,
      rtcpReceived: this.rtcpReceived,
      rtcpSent: this.rtcpSent,
      strayDropped: this.strayDropped,
      invalidDropped: this.invalidDropped,
      unroutableDropped: this.unroutableDropped,
      ssrc: this.stream.currentSsrc,
      expected: this.stream.expected,
      lost: this.stream.lost,
      jitterMs: this.stream.jitterMs,
      maxJitterMs: this.stream.maxJitterMs,
      latched: this.latched,
      ...(this.srtp ? { srtp: this.srtp.stats() } : {}),
      ...(this.webrtc ? { webrtc: this.webrtc.stats() } : {}),
    };
  }

  /**
   * RTP goes to the latched source, else to the SDP target. RTCP goes to its own latched
   * source; before that, when RTP has latched somewhere other than the SDP target (a
   * NAT), to the latched address at RTP port + 1, else to the SDP RTCP target. A
   * latch-only remote's SDP target is never used: until it latches, nothing is sent.
   */
  private route(): void {
    const r = this.remote && !this.remote.latchOnly ? this.remote : null;
    if (this.latchedPort !== 0) {
      this.sendAddress = this.latchedAddress;
      this.sendPort = this.latchedPort;
    } else if (r && r.port !== 0) {
      this.sendAddress = r.address;
      this.sendPort = r.port;
    } else {
      this.sendAddress = '';
      this.sendPort = 0;
    }

    if (this.rtcpLatchedPort !== 0) {
      this.rtcpSendAddress = this.rtcpLatchedAddress;
      this.rtcpSendPort = this.rtcpLatchedPort;
    } else if (this.latchedPort !== 0 && !(r && r.address === this.latchedAddress && r.port === this.latchedPort)) {
      this.rtcpSendAddress = this.latchedAddress;
      this.rtcpSendPort = this.latchedPort < 65535 ? this.latchedPort + 1 : 0;
    } else if (r && r.port !== 0) {
      this.rtcpSendAddress = r.address;
      this.rtcpSendPort = r.rtcpPort ?? 0;
    } else {
      this.rtcpSendAddress = '';
      this.rtcpSendPort = 0;
    }
  }
}

function isPort(p: unknown, zeroOk: boolean): p is number {
  return typeof p === 'number' && Number.isInteger(p) && p <= 65535 && (p > 0 || (zeroOk && p === 0));
}
