import type { Socket } from 'node:net';
import { StreamFramer, type FramerLimits } from '../message/stream-framer.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { normalizeAddress } from './address.js';
import type { TrackedConnection } from './connection-table.js';
import { TransportError } from './transport-error.js';
import type { Endpoint } from './types.js';

export interface StreamConnectionHandler {
  /** One complete framed message; returns true when it was a well-formed SIP message. */
  onMessage(conn: StreamConnection, data: Buffer): boolean;
  /** The stream cannot be framed any more; the connection is ended right after this returns. */
  onFramingError(conn: StreamConnection, reason: string, header: Buffer | undefined): void;
  onClose(conn: StreamConnection): void;
}

export interface StreamConnectionOptions {
  id: string;
  protocol: 'tcp' | 'tls';
  direction: 'inbound' | 'outbound';
  /** The socket to read and write (for TLS, the TLSSocket). */
  socket: Socket;
  /** The event that means the connection is usable ('connect', 'secure', 'secureConnect'); none when it already is. */
  readyEvent?: string;
  remote: Endpoint;
  local: Endpoint;
  clock: Clock;
  logger: Logger;
  framerLimits: FramerLimits;
  maxWriteBufferBytes: number;
  handler: StreamConnectionHandler;
}

const PONG = Buffer.from('\r\n');

interface PendingWrite {
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * One TCP or TLS connection: cuts its byte stream into messages, answers RFC 5626
 * §3.5.1 keep-alive pings, keeps the times the sweep needs, and turns writes into
 * promises that settle exactly once (rejected when the connection dies first).
 */
export class StreamConnection implements TrackedConnection {
  readonly id: string;
  readonly protocol: 'tcp' | 'tls';
  readonly direction: 'inbound' | 'outbound';
  readonly remote: Endpoint;
  readonly openedAt: number;
  private localEp: Endpoint;
  private lastIo: number;
  private isReady: boolean;
  private hasDelivered = false;
  private endingAt: number | undefined;
  private isClosed = false;
  private isPinned = false;
  private msgStart: number | undefined;

  private readonly socket: Socket;
  private readonly framer: StreamFramer;
  private readonly pending = new Set<PendingWrite>();
  private queued: Array<{ data: Buffer; p: PendingWrite }> = [];
  private queuedBytes = 0;
  private readonly o: StreamConnectionOptions;
  /** Why an outbound connection failed before it was ready (the socket's error). */
  private failure: string | undefined;

  constructor(o: StreamConnectionOptions) {
    this.o = o;
    this.id = o.id;
    this.protocol = o.protocol;
    this.direction = o.direction;
    this.remote = o.remote;
    this.localEp = o.local;
    this.socket = o.socket;
    this.openedAt = this.lastIo = o.clock.now();
    this.isReady = o.readyEvent === undefined;
    this.framer = new StreamFramer(o.framerLimits);
    const s = o.socket;
    s.setNoDelay(true);
    if (o.readyEvent) s.once(o.readyEvent, () => this.guard(() => this.onReady()));
    s.on('data', (chunk: Buffer) => this.guard(() => this.onData(chunk)));
    s.on('error', (err: Error) => {
      // Before the connection is usable the error is why it failed (refused, a bad certificate): say so.
      if (!this.isReady && this.direction === 'outbound') {
        this.failure ??= err.message;
        o.logger.warn('outbound connection failed', { id: this.id, remote: `${this.remote.address}:${this.remote.port}`, protocol: this.protocol, error: err.message });
      } else o.logger.debug('connection error', { id: this.id, error: err });
    });
    s.on('end', () => this.guard(() => this.end()));
    s.on('close', () => this.guard(() => this.finish()));
  }

  /** For inbound connections the listener; for outbound ones our end, once connected. */
  get local(): Endpoint {
    return this.localEp;
  }
  get lastActivity(): number {
    return this.lastIo;
  }
  get ready(): boolean {
    return this.isReady;
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
  get messageStartedAt(): number | undefined {
    return this.msgStart;
  }

  /** An upper layer uses this connection (a registration, a dialog): it keeps the long idle timeout and is never evicted. */
  pin(): void {
    this.isPinned = true;
  }

  /**
   * Queue octets; resolves once they are handed to the kernel. Until the connection is
   * ready (connected, TLS handshake done) writes wait here: node reports a write made
   * during a handshake that then fails as a success, and a send to a peer we could not
   * reach must reject (RFC 3261 §18.4).
   */
  write(data: Buffer): Promise<void> {
    if (this.isClosed || this.endingAt !== undefined) return Promise.reject(new TransportError(`connection ${this.id} is closed`));
    if (this.socket.writableLength + this.queuedBytes + data.length > this.o.maxWriteBufferBytes) {
      // A peer that does not read must not make us buffer without bound.
      this.destroy('write buffer full');
      return Promise.reject(new TransportError(`connection ${this.id}: write buffer full`));
    }
    this.lastIo = this.o.clock.now();
    return new Promise<void>((resolve, reject) => {
      const p: PendingWrite = { resolve, reject };
      this.pending.add(p);
      if (this.isReady) this.writeNow(data, p);
      else {
        this.queued.push({ data, p });
        this.queuedBytes += data.length;
      }
    });
  }

  /** Graceful close: queued writes go out, then FIN. The sweep destroys it if that never completes. */
  end(): void {
    if (this.isClosed || this.endingAt !== undefined) return;
    this.endingAt = this.o.clock.now();
    this.socket.end();
  }

  destroy(reason: string): void {
    if (this.isClosed) return;
    this.o.logger.debug('connection closed', { id: this.id, reason, remote: `${this.remote.address}:${this.remote.port}` });
    this.socket.destroy();
    this.finish();
  }

  /** A pong is no activity of ours: it must not keep an idle stranger's connection open. */
  private pong(): void {
    const before = this.lastIo;
    this.write(PONG).catch(() => {});
    if (!this.isPinned && this.direction === 'inbound') this.lastIo = before;
  }

  private writeNow(data: Buffer, p: PendingWrite): void {
    this.socket.write(data, (err) => {
      if (!this.pending.delete(p)) return;
      if (err) p.reject(new TransportError(`connection ${this.id}: ${err.message}`, { cause: err }));
      else p.resolve();
    });
  }

  private onReady(): void {
    if (this.isClosed) return;
    this.isReady = true;
    this.lastIo = this.o.clock.now();
    // An inbound connection keeps its listener as `local`; an outbound one learns its own address now.
    const addr = this.socket.localAddress;
    const port = this.socket.localPort;
    if (this.direction === 'outbound' && addr && port) this.localEp = { protocol: this.protocol, address: normalizeAddress(addr), port };
    const queued = this.queued;
    this.queued = [];
    this.queuedBytes = 0;
    for (const q of queued) this.writeNow(q.data, q.p);
  }

  private onData(chunk: Buffer): void {
    if (this.isClosed || this.endingAt !== undefined) return;
    const now = this.o.clock.now();
    const events = this.framer.push(chunk);
    // RFC 5626 §4.4.1 keep-alives keep a flow alive: one a registration or a dialog uses
    // (pinned), or one we opened. A stranger's pings are answered but are not activity:
    // sip.tcp.idleSeconds still closes a connection that sends nothing else.
    const keepAliveOnly = this.framer.buffered === 0 && events.every((e) => e.type === 'ping' || e.type === 'pong');
    if (!keepAliveOnly || this.isPinned || this.direction === 'outbound') this.lastIo = now;
    let ponged = false;
    // The message deadline runs from the first octet of a message until its last: a
    // message completed in this read ends it, a part left waiting starts a new one.
    if (this.framer.buffered === 0) this.msgStart = undefined;
    else if (this.msgStart === undefined || events.some((e) => e.type === 'message')) this.msgStart = now;
    for (const ev of events) {
      if (this.isClosed || this.endingAt !== undefined) return;
      switch (ev.type) {
        case 'message':
          if (this.o.handler.onMessage(this, ev.data)) this.hasDelivered = true;
          break;
        case 'ping':
          // RFC 5626 §3.5.1: a double-CRLF ping is answered with a single CRLF pong. Pings
          // that arrive in one read get one pong: a CRLF flood costs one write per read.
          if (!ponged) this.pong();
          ponged = true;
          break;
        case 'pong':
          break;
        case 'error':
          this.o.handler.onFramingError(this, ev.reason, ev.data);
          this.end();
          return;
      }
    }
  }

  private finish(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (!this.socket.destroyed) this.socket.destroy();
    const why = this.isReady
      ? `connection ${this.id} closed`
      : `connection ${this.id} to ${this.remote.address}:${this.remote.port} failed before it was ready${this.failure ? `: ${this.failure}` : ''}`;
    for (const p of this.pending) p.reject(new TransportError(why));
    this.pending.clear();
    this.queued = [];
    this.queuedBytes = 0;
    this.o.handler.onClose(this);
  }

  /** Socket events come from the network: nothing they trigger may throw out of the emitter. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.logger.error('connection handler failed', { id: this.id, error: err });
      this.destroy('handler failed');
    }
  }
}
