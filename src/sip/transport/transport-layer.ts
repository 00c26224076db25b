import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '../message/parse.js';
import { serializeMessage } from '../message/serialize.js';
import type { SipMessage } from '../message/types.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { familyOf, isLoopback, isWildcard, normalizeAddress } from './address.js';
import { ConnectionTable } from './connection-table.js';
import { readFramingError, readInbound, type InboundContext, type InboundResult } from './inbound-message.js';
import { resolveLimits, sweepIntervalMs, type TransportLimits, type TransportLimitsInput } from './limits.js';
import { responseTarget } from './response-target.js';
import { ReceiveQueue } from './receive-queue.js';
import { looksLikeStun } from '../../util/stun-message.js';
import { answerStun } from './stun-responder.js';
import type { StreamConnection } from './stream-connection.js';
import type { StreamTransport, StreamTransportOptions } from './stream-transport.js';
import { TcpTransport } from './tcp-transport.js';
import { TlsTransport, type TlsSettings } from './tls-transport.js';
import { TransportError } from './transport-error.js';
import { isReliable, type Endpoint, type Inbound, type MessageSender, type Target, type TransportProtocol } from './types.js';
import { UdpTransport } from './udp-transport.js';
import type { WsConnection } from './ws-connection.js';
import { WsTransport } from './ws-transport.js';

export type AdmitVerdict = 'ok' | 'throttled' | 'banned';

export interface TransportLayerOptions {
  listen: Array<{ protocol: TransportProtocol; host: string; port: number }>;
  /** PEM contents; cert and key are required when a tls listener is configured. */
  tls?: TlsSettings;
  clock: Clock;
  logger: Logger;
  limits?: TransportLimitsInput;
  /** Security hook, asked for every datagram and framed message before parsing (with the source port), and for every new connection (port 0). Not 'ok': dropped silently; 'banned' also closes the connection. */
  admit?: (address: string, port: number) => AdmitVerdict;
  /** Sources exempt from the per-source connection cap. */
  isTrusted?: (address: string) => boolean;
  /** Every well-formed request and response. A throw is logged, never raised. */
  onMessage: (inbound: Inbound) => void;
  /** Product string for the Server header of the stateless error responses; none when undefined. */
  serverHeader?: string;
  /** Bind the UDP sockets with SO_REUSEPORT, for SIP front threads on the same ports (udp-front-pool.ts). */
  reusePort?: boolean;
  /** UDP datagrams wait in a bounded queue that is drained in slices (overload control); without it each is handled as it is read. */
  receiveQueue?: ReceiveQueueOptions;
}

export interface ReceiveQueueOptions {
  /** Datagrams held unread at most; at the cap a new one is dropped unparsed. */
  maxMessages: number;
  /** Handling time per slice before the socket is read again, in ms (default 2). */
  sliceMs?: number;
  /** At the start of each slice: how long the oldest waiting datagram has waited (ms), and how many wait; (0, 0) when a slice leaves the queue empty. */
  onDelay(delayMs: number, depth: number): void;
  /** A datagram was dropped because the queue was full. */
  onFull(): void;
}

interface QueuedDatagram {
  data: Buffer;
  source: Endpoint;
  udp: UdpTransport;
}

export interface TransportStats {
  /** Open TCP and TLS connections. */
  connections: number;
  /** Datagrams read from this thread's own UDP sockets (front threads count theirs). */
  udpRead: number;
  /** Well-formed messages handed to onMessage. */
  received: number;
  /** Messages handed to a socket. */
  sent: number;
  sendErrors: number;
  /** Datagrams and messages that failed to parse or frame. */
  parseErrors: number;
  /** Stateless 400/505/513 responses sent for them. */
  rejectedMessages: number;
  /** Datagrams and messages dropped without an answer (admit said no, or malformed beyond answering). */
  dropped: number;
  /** Connections closed at accept: banned source or over a cap. */
  rejectedConnections: number;
  /** Connections closed by the sweep (idle, no first message, message deadline, handshake timeout). */
  expiredConnections: number;
  /** Idle unpinned connections closed to make room for a new one at the total cap. */
  evictedConnections: number;
  /** STUN Binding requests answered on a SIP UDP port (RFC 5626 §4.4.2), errors included. */
  stunAnswered: number;
  /** STUN datagrams not answered: malformed, indications, responses, or from a throttled source. */
  stunDropped: number;
  /** WebSocket upgrades refused: no `sip` subprotocol, or not a WebSocket request (RFC 7118 §4.1). */
  wsRefusedHandshakes: number;
  /** WebSocket frames over maxMessageBytes (the connection is closed with 1009). */
  wsOversizedFrames: number;
}

/**
 * The transports as the rest of the stack sees them (RFC 3261 §18): UDP sockets and
 * TCP/TLS listeners and connections behind one MessageSender. Inbound requests get
 * their top Via stamped (§18.2.1, RFC 3581 §4); malformed requests that can be
 * answered get a stateless error; everything else malformed is dropped.
 */
export class TransportLayer implements MessageSender {
  private readonly limits: TransportLimits;
  private readonly parseLimits: ParseLimits;
  private readonly table: ConnectionTable<StreamConnection>;
  private readonly udp: UdpTransport[] = [];
  private readonly tcp: TcpTransport;
  private readonly tls: TlsTransport;
  /** SIP over WebSocket listeners (RFC 7118) and their connections, capped and swept like TCP's. */
  private readonly ws: WsTransport[] = [];
  private readonly wsTable: ConnectionTable<WsConnection>;
  private readonly log: Logger;
  private sweepTimer: TimerHandle | undefined;
  private running = false;
  private readonly queue: ReceiveQueue<QueuedDatagram> | undefined;
  private drainScheduled = false;
  private readonly counters = { udpRead: 0, received: 0, sent: 0, sendErrors: 0, parseErrors: 0, rejectedMessages: 0, dropped: 0, expiredConnections: 0, stunAnswered: 0, stunDropped: 0 };

  constructor(private readonly o: TransportLayerOptions) {
    this.limits = resolveLimits(o.limits);
    this.parseLimits = {
      ...DEFAULT_PARSE_LIMITS,
      maxMessageBytes: this.limits.maxMessageBytes,
      maxHeaderBytes: Math.min(DEFAULT_PARSE_LIMITS.maxHeaderBytes, this.limits.maxMessageBytes),
    };
    this.log = o.logger.child('transport');
    this.table = new ConnectionTable<StreamConnection>(this.limits);
    const streamOptions = (protocol: 'tcp' | 'tls'): StreamTransportOptions => ({
      listen: o.listen.filter((l) => l.protocol === protocol).map(({ host, port }) => ({ host, port })),
      table: this.table,
      clock: o.clock,
      logger: this.log,
      limits: this.limits,
      admitConnection: (address) => this.verdict(address, 0) !== 'banned',
      isTrusted: (address) => this.trusted(address),
      handler: {
        onMessage: (conn, data) => this.onStreamMessage(conn, data),
        onFramingError: (conn, reason, header) => this.onFramingError(conn, reason, header),
      },
    });
    for (const l of o.listen) {
      if (l.protocol === 'udp') this.udp.push(new UdpTransport({ host: l.host, port: l.port, logger: this.log, ...(o.reusePort ? { reusePort: true } : {}), onDatagram: (d, s, u) => this.onDatagram(d, s, u) }));
    }
    this.tcp = new TcpTransport(streamOptions('tcp'));
    this.tls = new TlsTransport(streamOptions('tls'), o.tls ?? {});
    if (o.receiveQueue) this.queue = new ReceiveQueue<QueuedDatagram>(o.receiveQueue.maxMessages);
    this.wsTable = new ConnectionTable<WsConnection>(this.limits);
    for (const l of o.listen) {
      if (l.protocol !== 'ws' && l.protocol !== 'wss') continue;
      this.ws.push(
        new WsTransport({
          protocol: l.protocol,
          host: l.host,
          port: l.port,
          ...(o.tls ? { tls: o.tls } : {}),
          table: this.wsTable,
          clock: o.clock,
          logger: this.log,
          limits: this.limits,
          admitConnection: (address) => this.verdict(address, 0) !== 'banned',
          isTrusted: (address) => this.trusted(address),
          handler: { onMessage: (conn, data) => this.onWsMessage(conn, data) },
        }),
      );
    }
  }

  /** New TLS certificate and key for connections from now on (SIGHUP). Throws, keeping the old ones, when they do not load. */
  setTlsCredentials(cert: string | Buffer, key: string | Buffer): void {
    this.tls.setCredentials(cert, key);
    for (const w of this.ws) w.setCredentials(cert, key);
  }

  /** Bind every listener; on a failure, what was bound is closed again and the error is raised. */
  async start(): Promise<void> {
    if (this.running) return;
    try {
      for (const u of this.udp) await u.start();
      await this.tcp.start();
      await this.tls.start();
      for (const w of this.ws) await w.start();
    } catch (err) {
      await this.closeAll();
      throw err;
    }
    this.running = true;
    this.scheduleSweep();
  }

  /** Close the listeners and every connection; pending sends are rejected. */
  async stop(): Promise<void> {
    this.running = false;
    this.o.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.queue?.clear();
    await this.closeAll();
  }

  isReliable(protocol: TransportProtocol): boolean {
    return isReliable(protocol);
  }

  async send(msg: SipMessage, target: Target): Promise<void> {
    if (!this.running) throw new TransportError('transport layer is not running');
    const data = serializeMessage(msg);
    try {
      if (target.protocol === 'udp') {
        const socket = this.pickUdp(target);
        if (!socket) throw new TransportError(`no UDP socket can reach ${target.address}`);
        await socket.send(data, target.address, target.port);
      } else if (target.protocol === 'ws' || target.protocol === 'wss') {
        await WsTransport.send(this.wsTable, data, target);
      } else {
        await this.stream(target.protocol).send(data, target);
      }
      this.counters.sent++;
    } catch (err) {
      this.counters.sendErrors++;
      throw err instanceof TransportError ? err : new TransportError(`send to ${target.protocol}:${target.address}:${target.port} failed`, { cause: err });
    }
  }

  /** RFC 3261 §18.2.2 with RFC 3581 §4: where the response to this request goes. */
  responseTarget(inbound: Inbound): Target {
    return responseTarget(inbound, (id) => {
      const c = this.table.get(id) ?? this.wsTable.get(id);
      return c !== undefined && c.closingAt === undefined;
    });
  }

  /** The bound listeners, in the order they were configured, with their real ports. */
  localEndpoints(): Endpoint[] {
    const next = { udp: 0, tcp: 0, tls: 0, ws: 0, wss: 0 };
    const wsBound = (p: 'ws' | 'wss'): Endpoint[] => this.ws.flatMap((w) => (w.protocol === p && w.localEndpoint() ? [w.localEndpoint()!] : []));
    const bound = { udp: this.udp.map((u) => u.local), tcp: this.tcp.localEndpoints(), tls: this.tls.localEndpoints(), ws: wsBound('ws'), wss: wsBound('wss') };
    const out: Endpoint[] = [];
    for (const l of this.o.listen) {
      const e = bound[l.protocol][next[l.protocol]++];
      if (e) out.push(e);
    }
    return out;
  }

  stats(): TransportStats {
    return {
      connections: this.table.size + this.wsTable.size,
      ...this.counters,
      rejectedConnections: this.tcp.rejected + this.tls.rejected + sum(this.ws, (w) => w.refused.connections),
      evictedConnections: this.tcp.evicted + this.tls.evicted + sum(this.ws, (w) => w.evicted),
      wsRefusedHandshakes: sum(this.ws, (w) => w.refused.handshakes),
      wsOversizedFrames: sum(this.ws, (w) => w.refused.oversizedFrames),
    };
  }

  /**
   * The upper layer uses this connection (a REGISTER over it succeeded, a dialog runs
   * over it): it keeps the long idle timeout and is never evicted for a newcomer. The
   * transport knows no registrations; this is all it is told. False when it is gone.
   */
  pinConnection(connectionId: string): boolean {
    const c = this.table.get(connectionId) ?? this.wsTable.get(connectionId);
    if (!c || c.closed) return false;
    c.pin();
    return true;
  }

  // ---- receiving -------------------------------------------------------------------

  private onDatagram(data: Buffer, source: Endpoint, udp: UdpTransport): void {
    this.counters.udpRead++;
    // RFC 5626 §3.5.1 keep-alives (and stray CRLFs, RFC 3261 §7.5): nothing to parse.
    if (isOnlyCrlf(data)) return;
    const stun = looksLikeStun(data);
    if (this.verdict(source.address, source.port) !== 'ok') {
      this.counters[stun ? 'stunDropped' : 'dropped']++;
      return;
    }
    if (stun) {
      this.onStun(data, source, udp);
      return;
    }
    this.accept(data, source, udp);
  }

  /**
   * A datagram a SIP front thread read on our UDP listener number `listener` (the order
   * of the udp listeners in `listen`) and found well-formed, or any datagram of a source
   * our guard decides one by one: admitted (the flood guard counts it), queued and
   * handled as if read here; the response leaves from our socket,
   * which has the same address and port.
   */
  receiveForwarded(data: Buffer, source: Endpoint, listener: number): void {
    const udp = this.udp[listener];
    if (!udp || !this.running) return;
    // A front forwards STUN too, of a source our guard decides datagram by datagram.
    const stun = looksLikeStun(data);
    if (this.verdict(source.address, source.port) !== 'ok') {
      this.counters[stun ? 'stunDropped' : 'dropped']++;
      return;
    }
    if (stun) {
      this.onStun(data, source, udp);
      return;
    }
    this.accept(data, source, udp);
  }

  /** The bound UDP listeners, in the order receiveForwarded numbers them. */
  udpEndpoints(): Endpoint[] {
    return this.udp.map((u) => u.local);
  }

  private accept(data: Buffer, source: Endpoint, udp: UdpTransport): void {
    if (this.queue) {
      if (!this.queue.push({ data, source, udp }, this.o.clock.now())) {
        this.counters.dropped++;
        this.o.receiveQueue!.onFull();
        return;
      }
      if (!this.drainScheduled) {
        this.drainScheduled = true;
        setImmediate(this.drain);
      }
      return;
    }
    this.handleDatagram(data, source, udp, this.o.clock.now());
  }

  private handleDatagram(data: Buffer, source: Endpoint, udp: UdpTransport, receivedAt: number): void {
    const result = readInbound(data, this.context(source, false));
    this.dispatch(result, source, udp.local, undefined, receivedAt);
  }

  /**
   * One slice of the receive queue: handles the oldest datagrams until the slice's time
   * is used, then yields so the sockets are read again (libuv reads up to 32 datagrams
   * per socket per turn). The kernel buffer thus stays nearly empty and the backlog,
   * if any, waits here where its age is known and its size bounded.
   */
  private readonly drain = (): void => {
    this.drainScheduled = false;
    const q = this.queue;
    if (!q || !this.running) return;
    const opts = this.o.receiveQueue!;
    try {
      opts.onDelay(q.oldestAge(this.o.clock.now()), q.length);
    } catch (err) {
      this.log.error('receive queue delay hook failed', { error: err });
    }
    const end = performance.now() + (opts.sliceMs ?? 2);
    do {
      const next = q.shift();
      if (!next) break;
      try {
        this.handleDatagram(next.item.data, next.item.source, next.item.udp, next.at);
      } catch (err) {
        this.log.error('datagram handler failed', { error: err });
      }
    } while (performance.now() < end);
    if (q.length > 0) {
      if (!this.drainScheduled) {
        this.drainScheduled = true;
        setImmediate(this.drain);
      }
    } else {
      // Caught up: no standing queue in this interval.
      opts.onDelay(0, 0);
    }
  };

  /** Datagrams read and not yet handled (0 without a receive queue). */
  queuedDatagrams(): number {
    return this.queue?.length ?? 0;
  }

  /**
   * RFC 5626 §4.4.2: STUN keep-alives share the SIP UDP port; they are told apart by
   * their first octet and magic cookie (RFC 5389 §6) and never reach the SIP parser.
   */
  private onStun(data: Buffer, source: Endpoint, udp: UdpTransport): void {
    const v = answerStun(data, source);
    if (v.kind === 'drop') {
      this.counters.stunDropped++;
      this.log.debug('stun datagram dropped', { source: source.address, reason: v.reason });
      return;
    }
    this.counters.stunAnswered++;
    udp.send(v.data, source.address, source.port).catch((err: unknown) => this.log.debug('stun answer not sent', { error: err }));
  }

  /** Returns true for a well-formed message (it counts as the connection's first message). */
  private onStreamMessage(conn: StreamConnection, data: Buffer): boolean {
    const verdict = this.verdict(conn.remote.address, conn.remote.port);
    if (verdict !== 'ok') {
      this.counters.dropped++;
      if (verdict === 'banned') conn.destroy('source banned');
      return false;
    }
    const result = readInbound(data, this.context(conn.remote, true));
    this.dispatch(result, conn.remote, conn.local, conn.id);
    return result.kind === 'message';
  }

  /**
   * One WebSocket frame, one message (RFC 7118 §5.1): parsed like a datagram, so a body
   * runs to the end of the frame and Content-Length, when present, must agree with it.
   */
  private onWsMessage(conn: WsConnection, data: Buffer): boolean {
    const verdict = this.verdict(conn.remote.address, conn.remote.port);
    if (verdict !== 'ok') {
      this.counters.dropped++;
      if (verdict === 'banned') conn.destroy('source banned');
      return false;
    }
    const result = readInbound(data, this.context(conn.remote, false));
    this.dispatch(result, conn.remote, conn.local, conn.id);
    return result.kind === 'message';
  }

  private onFramingError(conn: StreamConnection, reason: string, header: Buffer | undefined): void {
    this.counters.parseErrors++;
    this.log.debug('framing error', { id: conn.id, reason });
    if (!header || this.verdict(conn.remote.address, conn.remote.port) !== 'ok') return;
    const result = readFramingError(reason, header, this.context(conn.remote, true));
    if (result.kind !== 'reply') return;
    // RFC 4475 §3.1.2.3: answer, then close (the connection is ended once this returns).
    this.counters.rejectedMessages++;
    conn.write(serializeMessage(result.response)).catch(() => {});
  }

  private dispatch(result: InboundResult, source: Endpoint, local: Endpoint, connectionId: string | undefined, receivedAt = this.o.clock.now()): void {
    if (result.kind === 'message') {
      const inbound: Inbound = { message: result.message, source, local, receivedAt };
      if (connectionId !== undefined) inbound.connectionId = connectionId;
      this.counters.received++;
      try {
        this.o.onMessage(inbound);
      } catch (err) {
        this.log.error('onMessage failed', { error: err });
      }
      return;
    }
    this.counters.parseErrors++;
    if (result.kind === 'drop') {
      this.counters.dropped++;
      this.log.debug('malformed message dropped', { source: source.address, error: result.error });
      return;
    }
    this.counters.rejectedMessages++;
    const inbound: Inbound = { message: result.request, source, local, receivedAt };
    if (connectionId !== undefined) inbound.connectionId = connectionId;
    this.send(result.response, this.responseTarget(inbound)).catch((err: unknown) => this.log.debug('stateless reply not sent', { error: err }));
  }

  private context(source: Endpoint, framed: boolean): InboundContext {
    const ctx: InboundContext = { framed, limits: this.parseLimits, sourceAddress: source.address, sourcePort: source.port };
    if (this.o.serverHeader !== undefined) ctx.serverHeader = this.o.serverHeader;
    return ctx;
  }

  private verdict(address: string, port: number): AdmitVerdict {
    if (!this.o.admit) return 'ok';
    try {
      return this.o.admit(address, port);
    } catch (err) {
      this.log.error('admit hook failed', { error: err });
      return 'ok';
    }
  }

  private trusted(address: string): boolean {
    try {
      return this.o.isTrusted?.(address) ?? false;
    } catch {
      return false;
    }
  }

  // ---- sending and housekeeping ----------------------------------------------------

  private stream(protocol: 'tcp' | 'tls'): StreamTransport {
    return protocol === 'tcp' ? this.tcp : this.tls;
  }

  /**
   * The UDP socket to send from: the one named by target.local (a response leaves from
   * where its request came in, RFC 3581 §4), else one of the target's family, preferring
   * a loopback socket for loopback targets and a non-loopback one otherwise.
   */
  private pickUdp(target: Target): UdpTransport | undefined {
    if (target.local) {
      const l = target.local;
      const exact = this.udp.find((u) => u.local.port === l.port && normalizeAddress(u.local.address) === normalizeAddress(l.address));
      if (exact) return exact;
    }
    const family = familyOf(target.address);
    const loop = isLoopback(target.address);
    const score = (u: UdpTransport): number => {
      const a = u.local.address;
      if (u.family !== family && !(u.family === 6 && a === '::')) return -1; // '::' is dual-stack
      if (isWildcard(a)) return 2;
      return isLoopback(a) === loop ? 3 : 1;
    };
    let best: UdpTransport | undefined;
    let bestScore = -1;
    for (const u of this.udp) {
      const s = score(u);
      if (s > bestScore) {
        best = u;
        bestScore = s;
      }
    }
    return best;
  }

  private scheduleSweep(): void {
    this.sweepTimer = this.o.clock.setTimeout(() => {
      if (!this.running) return;
      try {
        const now = this.o.clock.now();
        for (const { conn, reason } of [...this.table.expired(now, this.limits), ...this.wsTable.expired(now, this.limits)]) {
          this.counters.expiredConnections++;
          conn.destroy(reason);
        }
      } catch (err) {
        this.log.error('connection sweep failed', { error: err });
      }
      this.scheduleSweep();
    }, sweepIntervalMs(this.limits));
  }

  private async closeAll(): Promise<void> {
    for (const c of [...this.table.all(), ...this.wsTable.all()]) c.destroy('transport stopping');
    await Promise.all([...this.udp.map((u) => u.stop()), this.tcp.stop(), this.tls.stop(), ...this.ws.map((w) => w.stop())]);
  }
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  return xs.reduce((n, x) => n + f(x), 0);
}

function isOnlyCrlf(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] !== 0x0d && data[i] !== 0x0a) return false;
  return true;
}
