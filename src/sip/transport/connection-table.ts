import type { TransportLimits } from './limits.js';
import { sourceKey } from './source-key.js';
import type { Endpoint } from './types.js';

/** What the table needs to know of a stream connection. */
export interface TrackedConnection {
  readonly id: string;
  readonly protocol: 'tcp' | 'tls' | 'ws' | 'wss';
  readonly direction: 'inbound' | 'outbound';
  readonly remote: Endpoint;
  readonly openedAt: number;
  /** clock.now() of the last octet read or written. */
  readonly lastActivity: number;
  /** Connected and, for TLS, handshake done. */
  readonly ready: boolean;
  /** At least one well-formed message has been read (garbage does not buy time). */
  readonly delivered: boolean;
  /** Set when a graceful close has begun. */
  readonly closingAt: number | undefined;
  /** An upper layer uses it (a registration or a dialog over it): long idle timeout, never evicted. */
  readonly pinned: boolean;
  /** clock.now() of the first octet of a message not yet read whole; undefined between messages. */
  readonly messageStartedAt: number | undefined;
}

export type AdmitVerdict = 'ok' | 'per-source cap' | 'total cap';

export type ExpiryReason = 'handshake timeout' | 'no message' | 'message deadline' | 'idle' | 'close linger';

/** How long a closing connection may take to flush before it is destroyed. */
const CLOSE_LINGER_MS = 2_000;

/**
 * Every open TCP and TLS connection, inbound and outbound, by id and by remote
 * address, with the per-source and total caps (shared by all stream listeners so
 * the caps hold across them).
 */
export class ConnectionTable<C extends TrackedConnection> {
  private readonly byId = new Map<string, C>();
  private readonly byRemote = new Map<string, C>();
  private readonly perSource = new Map<string, number>();
  private seq = 0;

  constructor(private readonly limits: Pick<TransportLimits, 'maxConnections' | 'maxConnectionsPerSource'>) {}

  get size(): number {
    return this.byId.size;
  }

  nextId(protocol: 'tcp' | 'tls' | 'ws' | 'wss'): string {
    return `${protocol}-${++this.seq}`;
  }

  /**
   * May a new inbound connection from `address` be kept? Trusted sources skip the
   * per-source cap only. 'total cap' means: not unless pickEvictable() frees a place.
   */
  admitInbound(address: string, trusted: boolean): AdmitVerdict {
    if (!trusted && (this.perSource.get(sourceKey(address)) ?? 0) >= this.limits.maxConnectionsPerSource) return 'per-source cap';
    if (this.byId.size >= this.limits.maxConnections) return 'total cap';
    return 'ok';
  }

  /**
   * The connection to close so that a new one fits under the total cap: an inbound,
   * unpinned one, from the source that holds the most such connections, the one idle
   * longest there (a closing one first). Undefined when every connection is pinned or
   * outbound: then the newcomer is refused. A linear scan, only when the table is full.
   */
  pickEvictable(): C | undefined {
    const held = new Map<string, number>();
    for (const c of this.byId.values()) {
      if (c.direction !== 'inbound' || c.pinned) continue;
      const k = sourceKey(c.remote.address);
      held.set(k, (held.get(k) ?? 0) + 1);
    }
    let best: C | undefined;
    let bestHeld = -1;
    for (const c of this.byId.values()) {
      if (c.direction !== 'inbound' || c.pinned) continue;
      const n = held.get(sourceKey(c.remote.address)) ?? 0;
      if (best === undefined || n > bestHeld || (n === bestHeld && evictBefore(c, best))) {
        best = c;
        bestHeld = n;
      }
    }
    return best;
  }

  admitOutbound(): boolean {
    return this.byId.size < this.limits.maxConnections;
  }

  add(conn: C): void {
    this.byId.set(conn.id, conn);
    this.byRemote.set(remoteKey(conn.protocol, conn.remote.address, conn.remote.port), conn);
    if (conn.direction === 'inbound') {
      const k = sourceKey(conn.remote.address);
      this.perSource.set(k, (this.perSource.get(k) ?? 0) + 1);
    }
  }

  remove(conn: C): void {
    if (this.byId.get(conn.id) !== conn) return;
    this.byId.delete(conn.id);
    const key = remoteKey(conn.protocol, conn.remote.address, conn.remote.port);
    if (this.byRemote.get(key) === conn) this.byRemote.delete(key);
    if (conn.direction === 'inbound') {
      const k = sourceKey(conn.remote.address);
      const n = (this.perSource.get(k) ?? 1) - 1;
      if (n > 0) this.perSource.set(k, n);
      else this.perSource.delete(k);
    }
  }

  get(id: string): C | undefined {
    return this.byId.get(id);
  }

  /** An open (not closing) connection to this remote address and port. */
  findByRemote(protocol: 'tcp' | 'tls' | 'ws' | 'wss', address: string, port: number): C | undefined {
    const c = this.byRemote.get(remoteKey(protocol, address, port));
    return c && c.closingAt === undefined ? c : undefined;
  }

  /** Inbound connections from one source (the address, or its /64 for IPv6), for stats and tests. */
  countFrom(address: string): number {
    return this.perSource.get(sourceKey(address)) ?? 0;
  }

  all(): C[] {
    return [...this.byId.values()];
  }

  /**
   * Connections past a deadline at `now`, with the reason: a handshake (or outbound
   * connect) that took too long, an inbound connection that never delivered a message
   * within the grace, a message not read whole within messageDeadlineMs of its first
   * octet, no traffic for idleConnectionMs (pinned and outbound) or unpinnedIdleMs
   * (inbound nobody uses), a graceful close that never ended.
   */
  expired(
    now: number,
    l: Pick<TransportLimits, 'idleConnectionMs' | 'firstMessageMs' | 'handshakeTimeoutMs' | 'unpinnedIdleMs' | 'messageDeadlineMs'>,
  ): Array<{ conn: C; reason: ExpiryReason }> {
    const out: Array<{ conn: C; reason: ExpiryReason }> = [];
    for (const conn of this.byId.values()) {
      let reason: ExpiryReason | undefined;
      if (conn.closingAt !== undefined && now - conn.closingAt >= CLOSE_LINGER_MS) reason = 'close linger';
      else if (!conn.ready && now - conn.openedAt >= l.handshakeTimeoutMs) reason = 'handshake timeout';
      else if (conn.direction === 'inbound' && !conn.delivered && now - conn.openedAt >= l.firstMessageMs) reason = 'no message';
      else if (conn.messageStartedAt !== undefined && now - conn.messageStartedAt >= l.messageDeadlineMs) reason = 'message deadline';
      else if (now - conn.lastActivity >= (conn.pinned || conn.direction === 'outbound' ? l.idleConnectionMs : l.unpinnedIdleMs)) reason = 'idle';
      if (reason) out.push({ conn, reason });
    }
    return out;
  }
}

/** Closing connections go first, then the one idle longest. */
function evictBefore(a: TrackedConnection, b: TrackedConnection): boolean {
  if ((a.closingAt !== undefined) !== (b.closingAt !== undefined)) return a.closingAt !== undefined;
  return a.lastActivity < b.lastActivity;
}

function remoteKey(protocol: string, address: string, port: number): string {
  return `${protocol}|${address}|${port}`;
}
