import { createHash } from 'node:crypto';
import { DtlsServer, HashAlgorithm, SignatureAlgorithm } from 'werift-dtls/lib/dtls/src/index.js';

/** SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2), the one profile we offer. */
const SRTP_AES128_CM_HMAC_SHA1_80 = 1;
const KEY = 16;
const SALT = 14;

export interface DtlsSrtpKeys {
  /** Our (server) master key || salt: what we protect with. */
  sendKey: Buffer;
  /** The browser's (client) master key || salt: what we open with. */
  recvKey: Buffer;
}

export interface DtlsSrtpEndpointOptions {
  certPem: string;
  keyPem: string;
  /** The peer's a=fingerprint, "sha-256 AB:CD:…" (RFC 8122); its certificate must match it. */
  remoteFingerprint: string;
  /** Send one DTLS record datagram to the peer (on the leg's RTP socket). */
  send: (data: Buffer) => void;
  onKeys: (keys: DtlsSrtpKeys) => void;
  onFailure: (reason: string) => void;
}

/**
 * The DTLS server side of one browser leg (RFC 5763: we answer a=setup:actpass with
 * passive, RFC 5764: DTLS-SRTP). werift's DtlsServer runs over a transport we own: the
 * worker hands it the datagrams it demultiplexed off the RTP port (RFC 7983) and it
 * writes its records back through `send`. On connect the peer's certificate is checked
 * against the signalled fingerprint (RFC 5763 §5) and the SRTP master keys come from
 * the exporter "EXTRACTOR-dtls_srtp" (RFC 5764 §4.2).
 */
export class DtlsSrtpEndpoint {
  private readonly server: DtlsServer;
  private readonly transport: { type: string; address: object; closed: boolean; onData: (data: Buffer) => void; send: (data: Buffer) => Promise<void>; close: () => Promise<void> };
  private done = false;

  constructor(private readonly o: DtlsSrtpEndpointOptions) {
    this.transport = {
      type: 'udp',
      address: {},
      closed: false,
      onData: () => {},
      send: async (data: Buffer) => o.send(data),
      close: async () => {},
    };
    this.server = new DtlsServer({
      transport: this.transport as never,
      cert: o.certPem,
      key: o.keyPem,
      signatureHash: { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 },
      srtpProfiles: [SRTP_AES128_CM_HMAC_SHA1_80],
      // The browser must show its certificate: it is what the fingerprint in its SDP names.
      certificateRequest: true,
      extendedMasterSecret: true,
    });
    this.server.onConnect.subscribe(() => this.connected());
    this.server.onError.subscribe((err: Error) => this.fail(`dtls: ${err.message}`));
  }

  /** A DTLS record datagram from the peer (first octet 20-63, RFC 7983). */
  receive(data: Buffer): void {
    if (this.transport.closed) return;
    try {
      this.transport.onData(data);
    } catch (err) {
      this.fail(`dtls: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  close(): void {
    if (this.transport.closed) return;
    this.transport.closed = true;
    try {
      this.server.close();
    } catch {
      // already closed
    }
  }

  private connected(): void {
    if (this.done) return;
    const cert = this.server.remoteCertificate;
    if (!cert) return this.fail('the peer sent no certificate');
    const want = parseFingerprint(this.o.remoteFingerprint);
    if (!want) return this.fail(`unsupported fingerprint ${this.o.remoteFingerprint.slice(0, 40)}`);
    const got = createHash(want.hash).update(cert).digest();
    if (!got.equals(want.value)) return this.fail("the peer's certificate does not match its a=fingerprint");
    if (this.server.srtp.srtpProfile !== SRTP_AES128_CM_HMAC_SHA1_80) return this.fail('no SRTP profile agreed');
    // RFC 5764 §4.2: client key | server key | client salt | server salt.
    const km = this.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 2 * (KEY + SALT));
    const clientKey = km.subarray(0, KEY);
    const serverKey = km.subarray(KEY, 2 * KEY);
    const clientSalt = km.subarray(2 * KEY, 2 * KEY + SALT);
    const serverSalt = km.subarray(2 * KEY + SALT, 2 * (KEY + SALT));
    this.done = true;
    this.o.onKeys({ sendKey: Buffer.concat([serverKey, serverSalt]), recvKey: Buffer.concat([clientKey, clientSalt]) });
  }

  private fail(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.o.onFailure(reason);
    this.close();
  }
}

/** "sha-256 AB:CD:…" → hash name and octets; undefined for another hash or a bad value. */
export function parseFingerprint(text: string): { hash: 'sha256' | 'sha1'; value: Buffer } | undefined {
  const m = /^\s*(sha-256|sha-1)\s+((?:[0-9a-f]{2}:)*[0-9a-f]{2})\s*$/i.exec(text);
  if (!m) return undefined;
  const value = Buffer.from(m[2]!.replace(/:/g, ''), 'hex');
  const hash = m[1]!.toLowerCase() === 'sha-256' ? 'sha256' : 'sha1';
  if (value.length !== (hash === 'sha256' ? 32 : 20)) return undefined;
  return { hash, value };
}
