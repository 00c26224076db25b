import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { normalizeAddress } from './address.js';
import type { ConnectionTable } from './connection-table.js';
import type { TransportLimits } from './limits.js';
import { sourceKey } from './source-key.js';
import type { TlsSettings } from './tls-transport.js';
import { TransportError } from './transport-error.js';
import type { Endpoint, Target } from './types.js';
import { WsConnection, type WsConnectionHandler } from './ws-connection.js';

/** Why a WebSocket listener turned something away; each is counted. */
export interface WsRefusals {
  /** TCP connections closed at accept: banned source, per-source or total cap. */
  connections: number;
  /** Upgrades without the `sip` subprotocol (RFC 7118 §4.1), or not WebSocket at all. */
  handshakes: number;
  /** Frames over the size cap (one frame is one message, so maxMessageBytes). */
  oversizedFrames: number;
  /** Other frames the peer may not send (bad UTF-8 in a text frame, bad opcodes). */
  badFrames: number;
}

export interface WsTransportOptions {
  protocol: 'ws' | 'wss';
  host: string;
  port: number;
  /** wss: the certificate and key (the SIP TLS listener's). */
  tls?: TlsSettings;
  table: ConnectionTable<WsConnection>;
  clock: Clock;
  logger: Logger;
  limits: TransportLimits;
  /** False for a banned source: its TCP connection is closed before anything is read. */
  admitConnection: (address: string) => boolean;
  isTrusted: (address: string) => boolean;
  handler: Pick<WsConnectionHandler, 'onMessage'>;
}

/**
 * SIP over WebSocket (RFC 7118) on one `ws://` or `wss://` listener. A TCP connection is
 * admitted against the bans and the per-source cap before any HTTP or TLS is spent on it;
 * the upgrade must ask for the `sip` subprotocol (§4.1); each frame is one message and no
 * frame may exceed maxMessageBytes. The connections go into a table of their own, swept
 * like the TCP ones; a WebSocket peer is never dialled (§5), only answered over its flow.
 */
export class WsTransport {
  readonly protocol: 'ws' | 'wss';
  readonly refused: WsRefusals = { connections: 0, handshakes: 0, oversizedFrames: 0, badFrames: 0 };
  /** Idle unpinned connections closed to make room at the total cap. */
  evicted = 0;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private local: Endpoint | undefined;
  /** Open TCP sockets per source key, upgraded or not: the per-source cap counts them all. */
  private readonly perSource = new Map<string, number>();
  private readonly connHandler: WsConnectionHandler;

  constructor(private readonly o: WsTransportOptions) {
    this.protocol = o.protocol;
    if (o.protocol === 'wss') {
      if (!o.tls?.cert || !o.tls.key) throw new TypeError('a wss listener needs tls.cert and tls.key');
      this.server = createHttpsServer({ cert: o.tls.cert, key: o.tls.key, handshakeTimeout: o.limits.handshakeTimeoutMs });
    } else {
      this.server = createHttpServer();
    }
    // A stranger's HTTP request must arrive whole soon; it holds a place under the cap meanwhile.
    this.server.headersTimeout = o.limits.handshakeTimeoutMs;
    this.server.requestTimeout = o.limits.handshakeTimeoutMs;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: o.limits.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (offered) => (offered.has('sip') ? 'sip' : false),
    });
    this.server.on('connection', (socket: Socket) => this.onTcp(socket));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    // Plain HTTP to a WebSocket port: say what it is, and close.
    this.server.on('request', (_req: IncomingMessage, res) => {
      this.refused.handshakes++;
      res.writeHead(426, { Connection: 'close', Upgrade: 'websocket', 'Content-Type': 'text/plain' });
      res.end('SIP over WebSocket: upgrade with subprotocol sip (RFC 7118)\n');
    });
    this.server.on('clientError', (_err: Error, socket: Duplex) => socket.destroy());
    this.server.on('tlsClientError', (_err: Error, socket: Duplex) => socket.destroy());
    this.server.on('error', (err: Error) => o.logger.error('listener error', { protocol: this.protocol, error: err }));
    this.connHandler = {
      onMessage: (c, d) => o.handler.onMessage(c, d),
      onFrameError: (_c, code) => {
        if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.refused.oversizedFrames++;
        else this.refused.badFrames++;
      },
      onClose: (c) => o.table.remove(c),
    };
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: this.o.host, port: this.o.port, exclusive: true }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const a = this.server.address();
    this.local = typeof a === 'object' && a ? { protocol: this.protocol, address: normalizeAddress(a.address), port: a.port } : { protocol: this.protocol, address: this.o.host, port: this.o.port };
  }

  /** Close the listener; the caller destroys the connections (they live in the table). */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  localEndpoint(): Endpoint | undefined {
    return this.local;
  }

  /** New certificate and key (SIGHUP) for handshakes from now on. */
  setCredentials(cert: string | Buffer, key: string | Buffer): void {
    if (this.protocol !== 'wss') return;
    (this.server as unknown as { setSecureContext(o: { cert: string | Buffer; key: string | Buffer }): void }).setSecureContext({ cert, key });
  }

  /**
   * Send over the connection the target names, else over an open one from that address and
   * port. There is nothing to dial: RFC 7118 §5 clients accept no connections.
   */
  static send(table: ConnectionTable<WsConnection>, data: Buffer, target: Target): Promise<void> {
    let conn = target.connectionId !== undefined ? table.get(target.connectionId) : undefined;
    if (conn && (conn.protocol !== target.protocol || conn.closingAt !== undefined)) conn = undefined;
    conn ??= table.findByRemote(target.protocol as 'ws' | 'wss', normalizeAddress(target.address), target.port);
    if (!conn) return Promise.reject(new TransportError(`no open ${target.protocol} connection to ${target.address}:${target.port} (a WebSocket client cannot be dialled)`));
    return conn.write(data);
  }

  private onTcp(socket: Socket): void {
    socket.on('error', () => {});
    const remote = socket.remoteAddress;
    if (!remote || !this.local) {
      socket.destroy();
      return;
    }
    const address = normalizeAddress(remote);
    const key = sourceKey(address);
    const held = this.perSource.get(key) ?? 0;
    if (!this.o.admitConnection(address) || (!this.o.isTrusted(address) && held >= this.o.limits.maxConnectionsPerSource)) {
      this.refused.connections++;
      this.o.logger.debug('websocket connection refused', { source: address, held });
      socket.destroy();
      return;
    }
    this.perSource.set(key, held + 1);
    socket.once('close', () => {
      const n = (this.perSource.get(key) ?? 1) - 1;
      if (n > 0) this.perSource.set(key, n);
      else this.perSource.delete(key);
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const local = this.local;
    const remoteAddr = req.socket.remoteAddress;
    const remotePort = req.socket.remotePort;
    if (!local || !remoteAddr || !remotePort) {
      socket.destroy();
      return;
    }
    const address = normalizeAddress(remoteAddr);
    // RFC 7118 §4.1: the client must offer the "sip" subprotocol; we answer nothing else.
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim().toLowerCase());
    if (!offered.includes('sip') || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      this.refused.handshakes++;
      this.o.logger.debug('websocket upgrade refused', { source: address, offered: offered.join(',').slice(0, 100) });
      refuse(socket, 400, 'Bad Request', 'the sip subprotocol is required (RFC 7118)');
      return;
    }
    let verdict = this.o.table.admitInbound(address, this.o.isTrusted(address));
    if (verdict === 'total cap') {
      const victim = this.o.table.pickEvictable();
      if (victim) {
        this.evicted++;
        victim.destroy('evicted at the connection cap');
        verdict = this.o.table.admitInbound(address, this.o.isTrusted(address));
      }
    }
    if (verdict !== 'ok') {
      this.refused.connections++;
      refuse(socket, 503, 'Service Unavailable', 'too many connections');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const conn = new WsConnection({
        id: this.o.table.nextId(this.protocol),
        protocol: this.protocol,
        socket: ws,
        remote: { protocol: this.protocol, address, port: remotePort },
        local,
        clock: this.o.clock,
        logger: this.o.logger,
        maxWriteBufferBytes: this.o.limits.maxWriteBufferBytes,
        handler: this.connHandler,
      });
      this.o.table.add(conn);
    });
  }
}

function refuse(socket: Duplex, status: number, reason: string, text: string): void {
  const response = `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text) + 1}\r\n\r\n${text}\n`;
  socket.end(response, () => socket.destroy());
}
