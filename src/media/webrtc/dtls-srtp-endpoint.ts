import { createHash } from 'node:crypto';
import { DtlsClient, DtlsServer, HashAlgorithm, SignatureAlgorithm } from 'werift-dtls/lib/dtls/src/index.js';

/** SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2), the one profile we offer. */
const SRTP_AES128_CM_HMAC_SHA1_80 = 1 as const;
const KEY = 16;
const SALT = 14;

export interface DtlsSrtpKeys {
  /** Our master key || salt (the server's, or the client's in the client role): what we protect with. */
  sendKey: Buffer;
  /** The peer's master key || salt: what we open with. */
  recvKey: Buffer;
}

/**
 * Who starts the handshake (RFC 5763 §5): 'server' when we are a=setup:passive (the peer
 * said active or actpass), 'client' when we are a=setup:active (the peer said passive).
 */
export type DtlsRole = 'server' | 'client';

export interface DtlsSrtpEndpointOptions {
  certPem: string;
  keyPem: string;
  /** The peer's a=fingerprint, "sha-256 AB:CD:…" (RFC 8122); its certificate must match it. */
  remoteFingerprint: string;
  /** Send one DTLS record datagram to the peer (on the leg's RTP socket). */
  send: (data: Buffer) => void;
  onKeys: (keys: DtlsSrtpKeys) => void;
  onFailure: (reason: string) => void;
  /** The server by default; 'client' sends the ClientHello on start(). */
  role?: DtlsRole;
}

/**
 * The DTLS side of one browser leg (RFC 5763: we answer a=setup:actpass with passive and are
 * the server; to a peer that insists on passive we answer active and are the client,
 * RFC 5764: DTLS-SRTP). werift's DtlsServer or DtlsClient runs over a transport we own: the
 * worker hands it the datagrams it demultiplexed off the RTP port (RFC 7983) and it
 * writes its records back through `send`. On connect the peer's certificate is checked
 * against the signalled fingerprint (RFC 5763 §5) and the SRTP master keys come from
 * the exporter "EXTRACTOR-dtls_srtp" (RFC 5764 §4.2).
 */
export class DtlsSrtpEndpoint {
  private readonly socket: DtlsServer | DtlsClient;
  private readonly role: DtlsRole;
  private started = false;
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
    this.role = o.role ?? 'server';
    const common = {
      transport: this.transport as never,
      cert: o.certPem,
      key: o.keyPem,
      signatureHash: { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 },
      srtpProfiles: [SRTP_AES128_CM_HMAC_SHA1_80],
      extendedMasterSecret: true,
    };
    // As the server, the browser must show its certificate (CertificateRequest): it is what
    // the fingerprint in its SDP names. As the client, the server shows its own anyway.
    this.socket = this.role === 'server' ? new DtlsServer({ ...common, certificateRequest: true }) : new DtlsClient(common);
    this.socket.onConnect.subscribe(() => this.connected());
    this.socket.onError.subscribe((err: Error) => this.fail(`dtls: ${err.message}`));
  }

  get isClient(): boolean {
    return this.role === 'client';
  }

  /** The client role: send the ClientHello (once; werift retransmits its flights). A server waits. */
  start(): void {
    if (this.role !== 'client' || this.started || this.transport.closed) return;
    this.started = true;
    (this.socket as DtlsClient).connect().catch((err: unknown) => this.fail(`dtls: ${err instanceof Error ? err.message : String(err)}`));
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
      this.socket.close();
    } catch {
      // already closed
    }
  }

  private connected(): void {
    if (this.done) return;
    const cert = this.socket.remoteCertificate;
    if (!cert) return this.fail('the peer sent no certificate');
    const want = parseFingerprint(this.o.remoteFingerprint);
    if (!want) return this.fail(`unsupported fingerprint ${this.o.remoteFingerprint.slice(0, 40)}`);
    const got = createHash(want.hash).update(cert).digest();
    if (!got.equals(want.value)) return this.fail("the peer's certificate does not match its a=fingerprint");
    if (this.socket.srtp.srtpProfile !== SRTP_AES128_CM_HMAC_SHA1_80) return this.fail('no SRTP profile agreed');
    // RFC 5764 §4.2: client key | server key | client salt | server salt.
    const km = this.socket.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 2 * (KEY + SALT));
    const clientKey = km.subarray(0, KEY);
    const serverKey = km.subarray(KEY, 2 * KEY);
    const clientSalt = km.subarray(2 * KEY, 2 * KEY + SALT);
    const serverSalt = km.subarray(2 * KEY + SALT, 2 * (KEY + SALT));
    this.done = true;
    const server = Buffer.concat([serverKey, serverSalt]);
    const client = Buffer.concat([clientKey, clientSalt]);
    this.o.onKeys(this.role === 'server' ? { sendKey: server, recvKey: client } : { sendKey: client, recvKey: server });
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
