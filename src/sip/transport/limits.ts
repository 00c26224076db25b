/** Caps and timeouts of the transport layer. Every one bounds what a peer can make us hold. */
export interface TransportLimits {
  /** One message, headers and body (datagram or framed). */
  maxMessageBytes: number;
  /** A pinned (or outbound) stream connection with no traffic either way for this long is closed. */
  idleConnectionMs: number;
  /**
   * An inbound connection that nobody pinned (no registration, no dialog over it) with no
   * traffic for this long is closed: an idle stranger must not hold a slot for an hour.
   */
  unpinnedIdleMs: number;
  /** A message must be read whole within this long of its first octet (a trickled header, a short body). */
  messageDeadlineMs: number;
  /** Open inbound connections from one source: an IPv4 address, or an IPv6 /64 (trusted sources exempt). */
  maxConnectionsPerSource: number;
  /** Open stream connections in total, inbound and outbound; at the cap, a new one evicts an idle unpinned one. */
  maxConnections: number;
  /** An inbound connection that has not delivered a complete message by then is closed. */
  firstMessageMs: number;
  /** TCP connect (outbound) and TLS handshake (both ways) must finish within this. */
  handshakeTimeoutMs: number;
  /** Octets queued for writing on one connection before it is given up as stuck. */
  maxWriteBufferBytes: number;
}

export type TransportLimitsInput = Partial<TransportLimits>;

export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = {
  maxMessageBytes: 65_535,
  // RFC 5626 §4.4.1 suggests keep-alives every 95–120 s on streams; stay above that.
  idleConnectionMs: 180_000,
  unpinnedIdleMs: 45_000,
  messageDeadlineMs: 30_000,
  maxConnectionsPerSource: 32,
  maxConnections: 10_000,
  firstMessageMs: 30_000,
  handshakeTimeoutMs: 10_000,
  maxWriteBufferBytes: 1_048_576,
};

/** Fill in defaults; the first-message grace and the unpinned idle timeout never exceed the idle timeout. */
export function resolveLimits(input: TransportLimitsInput = {}): TransportLimits {
  const l: TransportLimits = { ...DEFAULT_TRANSPORT_LIMITS };
  for (const key of Object.keys(l) as Array<keyof TransportLimits>) {
    const v = input[key];
    if (v !== undefined) {
      if (!Number.isFinite(v) || v <= 0) throw new RangeError(`transport limit ${key} must be a positive number, got ${v}`);
      l[key] = v;
    }
  }
  if (input.firstMessageMs === undefined) l.firstMessageMs = Math.min(l.firstMessageMs, l.idleConnectionMs);
  if (input.unpinnedIdleMs === undefined) l.unpinnedIdleMs = Math.min(l.unpinnedIdleMs, l.idleConnectionMs);
  return l;
}

/** How often the connection sweep runs: a quarter of the shortest deadline, between 50 ms and 1 s. */
export function sweepIntervalMs(l: TransportLimits): number {
  const shortest = Math.min(l.idleConnectionMs, l.unpinnedIdleMs, l.messageDeadlineMs, l.firstMessageMs, l.handshakeTimeoutMs);
  return Math.min(1000, Math.max(50, Math.floor(shortest / 4)));
}
