import type { WebSocket } from 'ws';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { TrackedConnection } from './connection-table.js';
import { TransportError } from './transport-error.js';
import type { Endpoint } from './types.js';

export interface WsConnectionHandler {
  /** One frame, one SIP message (RFC 7118 §5.1); returns true when it was a well-formed message. */
  onMessage(conn: WsConnection, data: Buffer): boolean;
  /** A frame the peer may not send (over the size cap, bad UTF-8 in a text frame); the connection is closed. */
  onFrameError(conn: WsConnection, code: string): void;
  onClose(conn: WsConnection): void;
}

export interface WsConnectionOptions {
  id: string;
  protocol: 'ws' | 'wss';
  socket: WebSocket;
  remote: Endpoint;
  local: Endpoint;
  clock: Clock;
  logger: Logger;
  maxWriteBufferBytes: number;
  handler: WsConnectionHandler;
}

const PONG = '\r\n';

/**
 * One SIP-over-WebSocket connection (RFC 7118), accepted after the upgrade: each frame is
 * one whole message (no Content-Length framing, §5.1), messages go out as text frames.
 * A WebSocket client can never be dialled back (§5: it has no listener), so the
 * connection is the only way to reach the phone behind it (RFC 5626 flow). Inbound only.
 */
export class WsConnection implements TrackedConnection {
  readonly id: string;
  readonly protocol: 'ws' | 'wss';
  readonly direction = 'inbound' as const;
  readonly remote: Endpoint;
  readonly local: Endpoint;
  readonly openedAt: number;
  /** Upgraded before it was made: always usable. */
  readonly ready = true;
  readonly messageStartedAt = undefined;
  private lastIo: number;
  private hasDelivered = false;
  private endingAt: number | undefined;
  private isClosed = false;
  private isPinned = false;

  constructor(private readonly o: WsConnectionOptions) {
    this.id = o.id;
    this.protocol = o.protocol;
    this.remote = o.remote;
    this.local = o.local;
    this.openedAt = this.lastIo = o.clock.now();
    const ws = o.socket;
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => this.guard(() => this.onFrame(toBuffer(data))));
    ws.on('error', (err: Error & { code?: string }) =>
      this.guard(() => {
        // The ws library reports a frame it refused (too large, bad UTF-8) here and closes the connection.
        o.logger.debug('websocket error', { id: this.id, error: err.message });
        if (err.code?.startsWith('WS_ERR_')) o.handler.onFrameError(this, err.code);
        this.destroy('websocket error');
      }),
    );
    ws.on('close', () => this.guard(() => this.finish()));
    // Browsers answer WebSocket pings by themselves; a pong from a registered peer keeps its flow alive.
    ws.on('pong', () => {
      if (this.isPinned) this.lastIo = o.clock.now();
    });
  }

  get lastActivity(): number {
    return this.lastIo;
  }
  get delivered(): boolean {
    return this.hasDelivered;
  }
  get closingAt(): number | undefined {
    return this.endingAt;
  }
  get closed(): boolean {
    return this.isClosed;
  }
  get pinned(): boolean {
    return this.isPinned;
  }

  pin(): void {
    this.isPinned = true;
  }

  /** Send one message as one text frame (RFC 7118 §5.1). Resolves when handed to the socket. */
  write(data: Buffer): Promise<void> {
    if (this.isClosed || this.endingAt !== undefined) return Promise.reject(new TransportError(`connection ${this.id} is closed`));
    if (this.o.socket.bufferedAmount + data.length > this.o.maxWriteBufferBytes) {
      this.destroy('write buffer full');
      return Promise.reject(new TransportError(`connection ${this.id}: write buffer full`));
    }
    this.lastIo = this.o.clock.now();
    return new Promise<void>((resolve, reject) => {
      this.o.socket.send(data, { binary: false }, (err) => {
        if (err) reject(new TransportError(`connection ${this.id}: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
  }

  /** Graceful close (1000); the sweep terminates it if the close handshake never ends. */
  end(): void {
    if (this.isClosed || this.endingAt !== undefined) return;
    this.endingAt = this.o.clock.now();
    this.o.socket.close(1000);
  }

  destroy(reason: string): void {
    if (this.isClosed) return;
    this.o.logger.debug('connection closed', { id: this.id, reason, remote: `${this.remote.address}:${this.remote.port}` });
    this.o.socket.terminate();
    this.finish();
  }

  private onFrame(data: Buffer): void {
    if (this.isClosed || this.endingAt !== undefined) return;
    if (isOnlyCrlf(data)) {
      // RFC 5626 §3.5.1 keep-alives over the WebSocket (SIP.js sends "\r\n\r\n"): a double
      // CRLF gets a single CRLF back. Only a flow in use counts them as activity.
      if (data.length >= 4) this.o.socket.send(PONG, () => {});
      if (this.isPinned) this.lastIo = this.o.clock.now();
      return;
    }
    this.lastIo = this.o.clock.now();
    if (this.o.handler.onMessage(this, data)) this.hasDelivered = true;
  }

  private finish(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.o.handler.onClose(this);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.logger.error('connection handler failed', { id: this.id, error: err });
      this.destroy('handler failed');
    }
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function isOnlyCrlf(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] !== 0x0d && data[i] !== 0x0a) return false;
  return true;
}
