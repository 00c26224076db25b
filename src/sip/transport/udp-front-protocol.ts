/**
 * The messages between the main thread and the SIP front threads (plain data, structured
 * clone). A front thread owns one UDP socket per UDP listener, bound with SO_REUSEPORT to
 * the same address and port as the main thread's, so the kernel spreads datagrams over
 * the threads by their source address and port. It answers what needs no state and hands
 * every well-formed message to the main thread, which owns all SIP state.
 */

export interface UdpFrontInit {
  /** 1..N-1; the main thread is thread 0. */
  index: number;
  /** The main thread's bound UDP listeners (real ports), in its order. */
  listeners: Array<{ host: string; port: number }>;
  maxMessageBytes: number;
  /** Product string for the Server header of stateless error responses. */
  serverHeader?: string;
  /**
   * One Int32 shared with the main thread: messages forwarded and not yet taken off the
   * port there. At `maxInFlight` a new one is dropped unread (the main thread is behind:
   * memory stays bounded, as its own receive queue's cap keeps it).
   */
  inFlight: SharedArrayBuffer;
  maxInFlight: number;
}

export type ToFront =
  /** Source keys whose every datagram the main thread would refuse (banned, no exempt flow). */
  | { type: 'bans'; keys: string[]; ipv6Prefix: number }
  /** Close the sockets and end the thread. */
  | { type: 'stop' };

export type FromFront =
  | { type: 'ready' }
  /** A well-formed message, as read: the main thread parses it (cheaper than a clone of the parsed form, see udp-front.ts). */
  | { type: 'datagram'; data: ArrayBuffer; address: string; port: number; listener: number }
  /** Sources whose datagrams this thread answered or dropped itself, [address, port] pairs flattened: the main thread counts them (flood guard). */
  | { type: 'seen'; sources: Array<string | number> }
  | { type: 'stats'; stats: UdpFrontStats }
  | { type: 'log'; level: 'warn' | 'error'; message: string; detail?: string };

/** A front thread's counters since it started. */
export interface UdpFrontStats {
  /** Datagrams read from its sockets. */
  read: number;
  /** Well-formed messages handed to the main thread. */
  forwarded: number;
  /** CRLF keep-alives (RFC 5626 §3.5.1) read and ignored. */
  keepalives: number;
  stunAnswered: number;
  stunDropped: number;
  /** Dropped unread: the source is banned. */
  banned: number;
  /** Malformed requests answered 400/505/513 from this thread. */
  rejected: number;
  /** Malformed and not answerable: dropped. */
  dropped: number;
  /** Well-formed, dropped because maxInFlight messages were waiting for the main thread. */
  queueFull: number;
}

export function emptyFrontStats(): UdpFrontStats {
  return { read: 0, forwarded: 0, keepalives: 0, stunAnswered: 0, stunDropped: 0, banned: 0, rejected: 0, dropped: 0, queueFull: 0 };
}
