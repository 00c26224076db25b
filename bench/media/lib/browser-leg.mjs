// One "browser" leg of bench/media's generator (the browser-leg profile): on the leg's one UDP
// socket (rtcp-mux, BUNDLE: one port for everything), it does what a browser's RTCPeerConnection
// does against the PBX's ICE-lite answer:
//   1. an ICE connectivity check: a STUN Binding request with USERNAME "<PBX ufrag>:<our ufrag>",
//      USE-CANDIDATE, MESSAGE-INTEGRITY keyed with the PBX's ice-pwd and FINGERPRINT
//      (RFC 8445 §7.2.2), retransmitted until the Binding success arrives;
//   2. a DTLS-SRTP handshake as the client (the PBX answers a=setup:passive, RFC 5763), with
//      werift-dtls (as the PBX itself), offering SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764);
//   3. SRTP keys from the exporter "EXTRACTOR-dtls_srtp" (RFC 5764 §4.2: client key | server key
//      | client salt | server salt): we protect with the client's, open with the server's.
// After that the generator's send loop protects each RTP packet (and a compound RTCP receiver
// report once a second, SRTCP on the same port) with `out`. The project's TypeScript (STUN check
// builder, SRTP contexts) is imported: the thread runs with tsx.
import { randomBytes } from 'node:crypto';
import { DtlsClient } from 'werift-dtls/lib/dtls/src/index.js';
import { bindingRequest } from '../../../src/media/webrtc/ice-lite-check.ts';
import { SrtpInbound, SrtpOutbound } from '../../../src/media/srtp/srtp-context.ts';

const SUITE = 'AES_CM_128_HMAC_SHA1_80';
const STUN_RETRY_MS = 250;
const HANDSHAKE_TIMEOUT_MS = 20_000;

export class BrowserLeg {
  /**
   * @param {import('node:dgram').Socket} sock the leg's socket (connected to the PBX's port)
   * @param {{ certPem: string, keyPem: string }} identity the "browser's" certificate (its fingerprint is in the PBX's leg config)
   */
  constructor(sock, identity) {
    this.sock = sock;
    this.identity = identity;
    /** @type {SrtpOutbound | undefined} */
    this.out = undefined;
    /** @type {SrtpInbound | undefined} */
    this.in = undefined;
    this.stunTx = undefined;
    this.onStunAnswer = () => {};
    this.dtlsTransport = undefined;
    this.client = undefined;
    /** SRTP packets from the PBX that we opened (a sample) and that failed to open. */
    this.opened = 0;
    this.openFailed = 0;
  }

  /**
   * What arrives on the socket before the keys (and after: a late DTLS retransmission):
   * true when it was STUN or DTLS (RFC 7983 demux by the first octet), false for (S)RTP/RTCP.
   */
  demux(msg) {
    const b = msg.length > 0 ? msg[0] : 255;
    if (b <= 3) {
      // A Binding success (class bits 0b10 in the type 0x0101) for our transaction.
      if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && this.stunTx && msg.subarray(8, 20).equals(this.stunTx)) this.onStunAnswer();
      return true;
    }
    if (b >= 20 && b <= 63) {
      this.dtlsTransport?.onData(msg);
      return true;
    }
    return false;
  }

  /**
   * ICE check then DTLS handshake; resolves with the milliseconds each took (wall).
   * @param {{ ufrag: string, pwd: string, remoteUfrag: string }} ice the PBX's ufrag/pwd (its answer) and ours
   */
  async connect(ice) {
    const t0 = performance.now();
    this.stunTx = randomBytes(12);
    const check = bindingRequest(this.stunTx, `${ice.ufrag}:${ice.remoteUfrag}`, ice.pwd, true);
    await new Promise((resolve, reject) => {
      let tries = 0;
      const send = () => {
        if (++tries > HANDSHAKE_TIMEOUT_MS / STUN_RETRY_MS) {
          clearInterval(timer);
          reject(new Error('ICE check never answered'));
          return;
        }
        this.sock.send(check);
      };
      const timer = setInterval(send, STUN_RETRY_MS);
      this.onStunAnswer = () => {
        clearInterval(timer);
        this.onStunAnswer = () => {};
        resolve();
      };
      send();
    });
    const t1 = performance.now();
    const transport = {
      type: 'udp',
      address: {},
      closed: false,
      onData: () => {},
      send: async (d) => {
        if (!transport.closed) this.sock.send(d);
      },
      close: async () => {
        transport.closed = true;
      },
    };
    this.dtlsTransport = transport;
    const client = new DtlsClient({ transport, cert: this.identity.certPem, key: this.identity.keyPem, signatureHash: { signature: 3, hash: 4 }, srtpProfiles: [1], extendedMasterSecret: true });
    this.client = client;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('DTLS handshake timed out')), HANDSHAKE_TIMEOUT_MS);
      client.onConnect.subscribe(() => {
        clearTimeout(timer);
        resolve();
      });
      client.onError.subscribe((err) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
      client.connect().catch(reject);
    });
    const km = client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
    this.out = new SrtpOutbound({ suite: SUITE, keySalt: Buffer.concat([km.subarray(0, 16), km.subarray(32, 46)]) });
    this.in = new SrtpInbound({ suite: SUITE, keySalt: Buffer.concat([km.subarray(16, 32), km.subarray(46, 60)]) });
    return { iceMs: t1 - t0, dtlsMs: performance.now() - t1 };
  }

  /** Open one SRTP packet from the PBX (the generator samples: a check that the keys agree, not every packet). */
  check(msg) {
    if (!this.in) return;
    const copy = Buffer.from(msg);
    if (this.in.unprotectRtp(copy, copy.length) >= 0) this.opened++;
    else this.openFailed++;
  }

  close() {
    if (this.dtlsTransport) this.dtlsTransport.closed = true;
    try {
      this.client?.close();
    } catch {
      // already closed
    }
  }
}

/** A compound RTCP receiver report with no report blocks (RFC 3550 §6.4.2), 8 octets, room for SRTCP's index and tag. */
export function rtcpReceiverReport(ssrc) {
  const b = Buffer.alloc(8 + 4 + 10);
  b[0] = 0x80;
  b[1] = 201;
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  return b;
}
