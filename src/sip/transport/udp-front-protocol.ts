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
  /**
   * What the thread needs to answer a first REGISTER's digest challenge itself
   * (front-challenge.ts): the server secret and epoch the main thread's nonces are made
   * with (src/sip/auth/nonce.ts). Absent: every REGISTER is forwarded.
   */
  nonce?: { secret: Uint8Array; epoch: number; ttlSeconds: number };
  /**
   * The main thread's clock as an offset from the system time, in shared memory
   * (src/util/shared-clock-offset.ts): the nonces this thread issues are dated by the
   * main thread's clock, which checks them, even when that clock is set apart from the
   * system's (a test's settable clock). Absent: the system clock.
   */
  clockOffset?: SharedArrayBuffer;
  /**
   * One Int32 shared with the main thread: non-zero while its overload control sheds new
   * work (src/edge/overload); the thread then forwards what it would have challenged, so
   * the main thread sheds it as it sheds its own.
   */
  overload?: SharedArrayBuffer;
}

/**
 * Who a front thread may challenge: a digest challenge is answered statelessly by a
 * front thread only for a domain listed here, and only as the main thread would answer
 * it (same realm, same algorithms in the same order, same headers). Plain data, built by
 * the main thread (src/edge/front-challenge-snapshot.ts), which lists only the domains
 * whose first REGISTER it would answer with that challenge, and sent at start, on SIGHUP
 * and whenever the domains served change.
 */
export interface ChallengeSnapshot {
  /** Lower-case domain (IPv6 without brackets) that may be challenged -> its realm and the algorithms its challenges offer, most preferred first. */
  domains: Record<string, { realm: string; algorithms: string[] }>;
  /** CIDRs of the trusted edges (pbx.yaml sip.trustedEdges): their requests are always forwarded. */
  trustedEdges: string[];
  /** The Server header the main thread adds (pbx.yaml sip.userAgent); absent: none. */
  serverHeader?: string;
}

/**
 * What the main thread's source guard decides that a front thread may apply itself
 * (src/edge/security/source-guard.ts frontRefusals()), by source key
 * (src/util/source-key.ts, IPv6 per ipv6Prefix bits).
 */
export interface SourceRefusals {
  ipv6Prefix: number;
  /** Every datagram from these the main thread refuses (banned, no exempt flow): dropped unread. */
  refused: string[];
  /**
   * The main thread decides these per datagram (a banned address's exempt flows, a flow
   * ban, a source over its flood rate): every datagram from them is forwarded, none answered here.
   */
  forwarded: string[];
  /** The main thread's admission gate sheds unknown sources: every datagram is forwarded, none answered here. */
  forwardAll: boolean;
}

export type ToFront =
  /** The source guard's view (SourceRefusals). */
  | { type: 'refusals'; refusals: SourceRefusals }
  /** Domains whose first REGISTER the thread may challenge itself (front-challenge.ts). */
  | { type: 'challenges'; snapshot: ChallengeSnapshot }
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
  /** REGISTERs without credentials answered 401 from this thread (front-challenge.ts). */
  challenged: number;
}

export function emptyFrontStats(): UdpFrontStats {
  return { read: 0, forwarded: 0, keepalives: 0, stunAnswered: 0, stunDropped: 0, banned: 0, rejected: 0, dropped: 0, queueFull: 0, challenged: 0 };
}
