import type { Socket } from 'node:dgram';
import type { LegWebrtc, WebrtcLegStats } from '../protocol.js';
import { DtlsSrtpEndpoint, parseFingerprint, type DtlsSrtpKeys } from '../webrtc/dtls-srtp-endpoint.js';
import { answerIceCheck } from '../webrtc/ice-lite-check.js';
import { canonicalIp } from './ip-text.js';

/**
 * The browser side of one leg: ICE-lite and DTLS-SRTP on the leg's RTP port, told apart
 * from RTP by the first octet (RFC 7983 §7: 0-3 STUN, 20-63 DTLS, 128-191 RTP/RTCP).
 *
 * - STUN: only from an address the browser signalled; a valid check (our ufrag and pwd)
 *   is answered and makes its source the selected pair (USE-CANDIDATE wins), which the
 *   leg then latches to (RFC 8445 §2.5: a lite agent takes the pair the controlling side nominates).
 * - DTLS: only from the selected pair; we are the server (a=setup:passive), or, when the
 *   browser said a=setup:passive, the client: our ClientHello goes to the first selected
 *   pair (RFC 5763 §5). Once the handshake is done and the fingerprint holds, the leg gets
 *   its SRTP keys.
 */
export class LegWebrtcState {
  private iceAnswered = 0;
  private iceRefused = 0;
  private dtlsRefused = 0;
  private connected = false;
  private failure: string | undefined;
  private selected: { address: string; port: number; nominated: boolean } | undefined;
  private dtls: DtlsSrtpEndpoint | undefined;
  /** After renew(): a nominated check may move the pair even though the handshake is done. */
  private restarted = false;
  private candidates: readonly string[];

  constructor(
    private cfg: LegWebrtc,
    private readonly socket: Socket,
    private readonly hooks: { latch: (address: string, port: number) => void; keys: (keys: DtlsSrtpKeys) => void },
  ) {
    this.candidates = cfg.candidates.map((c) => canonicalIp(c)).filter((c) => c !== '');
  }

  /** True when the datagram was STUN or DTLS (handled here); false for RTP/RTCP. */
  demux(msg: Buffer, address: string, port: number): boolean {
    const b = msg.length > 0 ? msg[0]! : 255;
    if (b <= 3) {
      this.onStun(msg, address, port);
      return true;
    }
    if (b >= 20 && b <= 63) {
      this.onDtls(msg, address, port);
      return true;
    }
    return false;
  }

  close(): void {
    this.dtls?.close();
  }

  /**
   * New ICE credentials or candidates with the same DTLS peer (an ICE restart in a
   * re-INVITE, RFC 8445 §9): the DTLS association and its keys stay (RFC 5763 §5: a new
   * handshake only with a new fingerprint); checks with the new credentials pick the pair
   * again. False when the DTLS peer changed: the caller starts over.
   */
  renew(cfg: LegWebrtc): boolean {
    if (cfg.remoteFingerprint !== this.cfg.remoteFingerprint || cfg.certPem !== this.cfg.certPem || (cfg.dtlsRole ?? 'server') !== (this.cfg.dtlsRole ?? 'server')) return false;
    this.cfg = cfg;
    this.candidates = cfg.candidates.map((c) => canonicalIp(c)).filter((c) => c !== '');
    if (this.selected) this.selected.nominated = false;
    this.restarted = true;
    return true;
  }

  stats(): WebrtcLegStats {
    return {
      iceAnswered: this.iceAnswered,
      iceRefused: this.iceRefused,
      dtlsRefused: this.dtlsRefused,
      connected: this.connected,
      ...(this.failure !== undefined ? { failure: this.failure } : {}),
    };
  }

  private onStun(msg: Buffer, address: string, port: number): void {
    if (!this.candidates.includes(address)) {
      this.iceRefused++;
      return;
    }
    const r = answerIceCheck(msg, { address, port }, { localUfrag: this.cfg.localUfrag, localPwd: this.cfg.localPwd, remoteUfrag: this.cfg.remoteUfrag });
    if (r.kind === 'refuse') {
      this.iceRefused++;
      return;
    }
    this.iceAnswered++;
    this.socket.send(r.response, port, address);
    // The first valid pair, until the browser nominates another; after the handshake the pair stays.
    if (this.connected && !this.restarted) return;
    const s = this.selected;
    if (s && s.address === address && s.port === port) {
      s.nominated ||= r.nominated;
      return;
    }
    if (s && (s.nominated || !r.nominated)) return;
    if (this.restarted && !r.nominated) return;
    this.restarted = false;
    this.selected = { address, port, nominated: r.nominated };
    this.hooks.latch(address, port);
    // The client role: the pair is known, so the handshake can start (a later pair takes the retransmissions).
    if (this.cfg.dtlsRole === 'client' && this.failure === undefined) this.endpoint().start();
  }

  private onDtls(msg: Buffer, address: string, port: number): void {
    const s = this.selected;
    if (!s || s.address !== address || s.port !== port || this.failure !== undefined) {
      this.dtlsRefused++;
      return;
    }
    this.endpoint().receive(msg);
  }

  private endpoint(): DtlsSrtpEndpoint {
    return (this.dtls ??= new DtlsSrtpEndpoint({
      role: this.cfg.dtlsRole ?? 'server',
      certPem: this.cfg.certPem,
      keyPem: this.cfg.keyPem,
      remoteFingerprint: this.cfg.remoteFingerprint,
      send: (data) => {
        const to = this.selected;
        if (!to) return;
        try {
          this.socket.send(data, to.port, to.address);
        } catch {
          // the socket closed under a retransmission
        }
      },
      onKeys: (keys) => {
        this.connected = true;
        this.hooks.keys(keys);
      },
      onFailure: (reason) => {
        this.failure = reason;
      },
    }));
  }
}

/** A LegWebrtc from another thread, checked field by field. */
export function checkLegWebrtc(v: unknown): LegWebrtc {
  const o = v as Partial<LegWebrtc> | null;
  if (!o || typeof o !== 'object') throw new TypeError('webrtc is not an object');
  for (const k of ['localUfrag', 'localPwd', 'remoteUfrag', 'remoteFingerprint', 'certPem', 'keyPem'] as const) {
    const x = o[k];
    if (typeof x !== 'string' || x.length === 0 || x.length > 8192) throw new TypeError(`webrtc.${k} must be a non-empty string`);
  }
  if (!parseFingerprint(o.remoteFingerprint!)) throw new TypeError('webrtc.remoteFingerprint is not a sha-256 or sha-1 fingerprint');
  if (!Array.isArray(o.candidates) || o.candidates.length > 16 || !o.candidates.every((c) => typeof c === 'string')) throw new TypeError('webrtc.candidates must be up to 16 addresses');
  if (o.dtlsRole !== undefined && o.dtlsRole !== 'server' && o.dtlsRole !== 'client') throw new TypeError("webrtc.dtlsRole must be 'server' or 'client'");
  return { localUfrag: o.localUfrag!, localPwd: o.localPwd!, remoteUfrag: o.remoteUfrag!, remoteFingerprint: o.remoteFingerprint!, certPem: o.certPem!, keyPem: o.keyPem!, candidates: o.candidates, ...(o.dtlsRole === 'client' ? { dtlsRole: 'client' as const } : {}) };
}
