import { isIP, type Socket } from 'node:net';
import { connect, createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { StreamTransport, type PreparedSocket, type StreamTransportOptions } from './stream-transport.js';
import type { Target } from './types.js';

export interface TlsSettings {
  /** PEM certificate chain and key for listeners (and offered as a client certificate when a server asks). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Verify the peer's certificate on outbound connections. Default true. */
  rejectUnauthorized?: boolean;
  /** Trusted CAs for outbound connections instead of the system store (PEM). */
  ca?: string | Buffer | Array<string | Buffer>;
}

/**
 * SIP over TLS (RFC 3261 §26.2.1). Accepted sockets are admitted as plain TCP first
 * (so banned sources and the caps cost no handshake), then wrapped; the handshake
 * deadline is the sweep's, driven by the injected clock.
 */
export class TlsTransport extends StreamTransport {
  readonly protocol = 'tls' as const;
  private context: SecureContext | undefined;

  constructor(
    o: StreamTransportOptions,
    private settings: TlsSettings,
  ) {
    super(o);
    if (o.listen.length > 0 && (!settings.cert || !settings.key)) throw new TypeError('a tls listener needs tls.cert and tls.key');
    this.context = settings.cert && settings.key ? createSecureContext({ cert: settings.cert, key: settings.key }) : undefined;
  }

  /**
   * New certificate and key (SIGHUP): connections accepted or dialled from now on use
   * them; open ones keep theirs. Throws (and keeps the old ones) when they do not load.
   */
  setCredentials(cert: string | Buffer, key: string | Buffer): void {
    const context = createSecureContext({ cert, key });
    this.context = context;
    this.settings = { ...this.settings, cert, key };
  }

  protected prepareAccepted(raw: Socket): PreparedSocket {
    const socket = new TLSSocket(raw, { isServer: true, secureContext: this.context!, requestCert: false });
    return { socket, readyEvent: 'secure' };
  }

  protected dial(address: string, port: number, tls?: Target['tls']): PreparedSocket {
    const s = this.settings;
    // The certificate is checked against the name we meant (RFC 5922 §7.3), not the IP it
    // resolved to; that name is also sent as SNI (never a literal address: RFC 6066 §3).
    const name = tls?.serverName !== undefined && isIP(tls.serverName) === 0 ? tls.serverName : isIP(address) ? undefined : address;
    const ca = tls?.ca ?? s.ca;
    const socket = connect({
      host: address,
      port,
      ...(name !== undefined ? { servername: name } : {}),
      rejectUnauthorized: s.rejectUnauthorized ?? true,
      ...(ca ? { ca } : {}),
      ...(s.cert && s.key ? { cert: s.cert, key: s.key } : {}),
    });
    // Registered before the connection's own listener: a certificate error names the
    // certificate it is about, so the log says more than "failed before it was ready".
    const subject = name ?? address;
    socket.once('error', (err: Error & { code?: string }) => {
      if (isCertificateError(err)) err.message = `certificate for ${subject}: ${err.message}`;
    });
    return { socket, readyEvent: 'secureConnect' };
  }
}

/** node:tls / OpenSSL verification failures (unknown CA, expired, wrong name...). */
function isCertificateError(err: { code?: string }): boolean {
  const c = err.code ?? '';
  return c === 'ERR_TLS_CERT_ALTNAME_INVALID' || /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ISSUER/.test(c);
}
