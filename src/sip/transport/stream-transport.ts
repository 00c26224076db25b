import { createServer, type Server, type Socket } from 'node:net';
import type { FramerLimits } from '../message/stream-framer.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { normalizeAddress } from './address.js';
import type { ConnectionTable } from './connection-table.js';
import type { TransportLimits } from './limits.js';
import { StreamConnection, type StreamConnectionHandler } from './stream-connection.js';
import { TransportError } from './transport-error.js';
import type { Endpoint, Target } from './types.js';

export interface StreamTransportOptions {
  listen: Array<{ host: string; port: number }>;
  table: ConnectionTable<StreamConnection>;
  clock: Clock;
  logger: Logger;
  limits: TransportLimits;
  /** Called for every new inbound connection before anything is read; false closes it at once (a banned source). */
  admitConnection: (address: string) => boolean;
  isTrusted: (address: string) => boolean;
  /** Receives the messages and framing errors of every connection (inbound and outbound). */
  handler: Pick<StreamConnectionHandler, 'onMessage' | 'onFramingError'>;
}

/** A socket ready to be wrapped in a StreamConnection, and the event that says it is usable. */
export interface PreparedSocket {
  socket: Socket;
  readyEvent?: string;
}

/**
 * What TCP and TLS share: listeners, admission of accepted connections against the
 * caps, outbound connections opened on demand and reused (RFC 3261 §18.1.1), and
 * sending. Subclasses only say how an accepted socket is wrapped and how one is dialled.
 */
export abstract class StreamTransport {
  abstract readonly protocol: 'tcp' | 'tls';
  /** Connections turned away at accept (banned or over a cap). */
  rejected = 0;
  /** Idle unpinned connections closed to make room for a new one at the total cap. */
  evicted = 0;
  private readonly servers: Array<{ server: Server; local: Endpoint | undefined; spec: { host: string; port: number } }>;
  private readonly connHandler: StreamConnectionHandler;

  constructor(protected readonly o: StreamTransportOptions) {
    this.servers = o.listen.map((spec) => ({ server: createServer({ noDelay: true }), local: undefined, spec }));
    for (const entry of this.servers) {
      entry.server.on('connection', (raw: Socket) => {
        try {
          if (entry.local) this.accept(raw, entry.local);
          else raw.destroy();
        } catch (err) {
          this.o.logger.error('accept failed', { error: err });
          raw.destroy();
        }
      });
      entry.server.on('error', (err: Error) => this.o.logger.error('listener error', { protocol: this.protocol, error: err }));
    }
    this.connHandler = {
      onMessage: (c, d) => o.handler.onMessage(c, d),
      onFramingError: (c, r, h) => o.handler.onFramingError(c, r, h),
      onClose: (c) => o.table.remove(c),
    };
  }

  /** Wrap an accepted raw socket (TLS: a server-side TLSSocket). */
  protected abstract prepareAccepted(raw: Socket): PreparedSocket;
  /** Open a socket to a peer; StreamConnection holds writes until it is ready. */
  protected abstract dial(address: string, port: number, tls?: Target['tls']): PreparedSocket;

  async start(): Promise<void> {
    for (const entry of this.servers) {
      const { server, spec } = entry;
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.once('error', onError);
        server.listen({ host: spec.host, port: spec.port, exclusive: true }, () => {
          server.off('error', onError);
          resolve();
        });
      });
      const a = server.address();
      entry.local = typeof a === 'object' && a ? { protocol: this.protocol, address: normalizeAddress(a.address), port: a.port } : { protocol: this.protocol, address: spec.host, port: spec.port };
    }
  }

  /** Close the listeners; the caller destroys the connections (they live in the shared table). */
  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(({ server }) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))),
    );
  }

  localEndpoints(): Endpoint[] {
    return this.servers.flatMap((s) => (s.local ? [s.local] : []));
  }

  /**
   * Send over the connection named by the target while it is open, else over an open
   * connection to address:port, else over a new one (RFC 3261 §18.1.1, §18.2.2).
   */
  send(data: Buffer, target: Target): Promise<void> {
    let conn = target.connectionId !== undefined ? this.o.table.get(target.connectionId) : undefined;
    if (conn && (conn.protocol !== this.protocol || conn.closingAt !== undefined)) conn = undefined;
    const address = normalizeAddress(target.address);
    conn ??= this.o.table.findByRemote(this.protocol, address, target.port);
    if (!conn) {
      try {
        conn = this.open(address, target.port, target.tls);
      } catch (err) {
        return Promise.reject(err instanceof TransportError ? err : new TransportError(`cannot connect to ${address}:${target.port}`, { cause: err }));
      }
    }
    return conn.write(data);
  }

  private accept(raw: Socket, local: Endpoint): void {
    raw.on('error', (err: Error) => this.o.logger.debug('socket error', { error: err }));
    const remoteAddr = raw.remoteAddress;
    const remotePort = raw.remotePort;
    if (!remoteAddr || !remotePort) {
      raw.destroy();
      return;
    }
    const address = normalizeAddress(remoteAddr);
    if (!this.o.admitConnection(address)) {
      this.rejected++;
      raw.destroy();
      return;
    }
    let verdict = this.o.table.admitInbound(address, this.o.isTrusted(address));
    if (verdict === 'total cap' && this.evictOne(address)) verdict = this.o.table.admitInbound(address, this.o.isTrusted(address));
    if (verdict !== 'ok') {
      this.rejected++;
      this.o.logger.debug('connection refused', { protocol: this.protocol, source: address, reason: verdict });
      raw.destroy();
      return;
    }
    const prepared = this.prepareAccepted(raw);
    const conn = this.connection(prepared, 'inbound', { protocol: this.protocol, address, port: remotePort }, local);
    this.o.table.add(conn);
  }

  /**
   * At the total cap a newcomer is not refused while an idle stranger holds a place:
   * the table names the connection to close (never a pinned one), so a phone can still
   * connect while a flood holds idle connections.
   */
  private evictOne(forAddress: string): boolean {
    const victim = this.o.table.pickEvictable();
    if (!victim) return false;
    this.evicted++;
    this.o.logger.debug('connection evicted for a new one', { victim: victim.id, source: victim.remote.address, for: forAddress });
    victim.destroy('evicted at the connection cap');
    return true;
  }

  private open(address: string, port: number, tls?: Target['tls']): StreamConnection {
    if (!this.o.table.admitOutbound()) this.evictOne(address);
    if (!this.o.table.admitOutbound()) throw new TransportError(`too many connections; not opening ${this.protocol} to ${address}:${port}`);
    const prepared = this.dial(address, port, tls);
    const conn = this.connection(prepared, 'outbound', { protocol: this.protocol, address, port }, { protocol: this.protocol, address: '', port: 0 });
    this.o.table.add(conn);
    return conn;
  }

  private connection(p: PreparedSocket, direction: 'inbound' | 'outbound', remote: Endpoint, local: Endpoint): StreamConnection {
    const l = this.o.limits;
    const framerLimits: FramerLimits = { maxHeaderBytes: Math.min(16_384, l.maxMessageBytes), maxBodyBytes: l.maxMessageBytes };
    return new StreamConnection({
      id: this.o.table.nextId(this.protocol),
      protocol: this.protocol,
      direction,
      socket: p.socket,
      ...(p.readyEvent ? { readyEvent: p.readyEvent } : {}),
      remote,
      local,
      clock: this.o.clock,
      logger: this.o.logger,
      framerLimits,
      maxWriteBufferBytes: l.maxWriteBufferBytes,
      handler: this.connHandler,
    });
  }
}
