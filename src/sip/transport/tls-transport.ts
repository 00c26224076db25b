import { isIP, type Socket } from 'node:net';
import { connect, createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { StreamTransport, type PreparedSocket, type StreamTransportOptions } from './stream-transport.js';

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
  private readonly context: SecureContext | undefined;

  constructor(o: StreamTransportOptions, private readonly settings: TlsSettings) {
    super(o);
    if (o.listen.length > 0 && (!settings.cert || !settings.key)) throw new TypeError('a tls listener needs tls.cert and tls.key');
    this.context = settings.cert && settings.key ? createSecureContext({ cert: settings.cert, key: settings.key }) : undefined;
  }

  protected prepareAccepted(raw: Socket): PreparedSocket {
    const socket = new TLSSocket(raw, { isServer: true, secureContext: this.context!, requestCert: false });
    return { socket, readyEvent: 'secure' };
  }

  protected dial(address: string, port: number): PreparedSocket {
    const s = this.settings;
    const socket = connect({
      host: address,
      port,
      // SNI only for names (RFC 6066 §3 forbids literal addresses).
      ...(isIP(address) ? {} : { servername: address }),
      rejectUnauthorized: s.rejectUnauthorized ?? true,
      ...(s.ca ? { ca: s.ca } : {}),
      ...(s.cert && s.key ? { cert: s.cert, key: s.key } : {}),
    });
    return { socket, readyEvent: 'secureConnect' };
  }
}
