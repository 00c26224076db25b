import type { SipMessage } from '../message/types.js';

/** RFC 7118: 'ws' and 'wss' are SIP over WebSocket; they only accept, never dial. */
export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** A remote or local socket address. IPv6 addresses are bare (no brackets). */
export interface Endpoint {
  protocol: TransportProtocol;
  address: string;
  port: number;
}

/** A message as it came off the wire, with where it came from. */
export interface Inbound {
  message: SipMessage;
  /** The remote peer: the datagram's or the connection's source. */
  source: Endpoint;
  /** The local listener it arrived on. */
  local: Endpoint;
  /** Set for stream transports: the connection it came in on. */
  connectionId?: string;
  /**
   * The client that sent the request when a trusted proxy in front of us relayed it
   * (src/edge/trusted-edge.ts); `source` stays the proxy, where responses go.
   */
  client?: Endpoint;
  /** clock.now() when it was read. */
  receivedAt: number;
}

/**
 * Where to send a message. When connectionId is set and that connection is still open,
 * it is used (RFC 3261 §18.2.2: responses go back over the connection the request came
 * in on); otherwise the transport sends to address:port, opening a connection if needed.
 */
export interface Target {
  protocol: TransportProtocol;
  address: string;
  port: number;
  connectionId?: string;
  /**
   * The local listener to send from, when it matters: a UDP response leaves from the
   * socket its request arrived on (RFC 3581 §4). Set by TransportLayer.responseTarget.
   */
  local?: Endpoint;
  /**
   * For a TLS connection this send may open: the name the server's certificate must be
   * for, sent as SNI (RFC 5922 §7.3: the domain of the URI, not the IP it resolved to),
   * and the CAs to trust for it instead of the transport's (PEM).
   */
  tls?: { serverName?: string; ca?: string };
}

/** What the transaction layer and the services see of the transports. */
export interface MessageSender {
  /** Serialize and send. Resolves when handed to the socket; rejects on a transport error (RFC 3261 §18.4). */
  send(msg: SipMessage, target: Target): Promise<void>;
  /** Reliable transports have no retransmissions (RFC 3261 §17.1.1.2, §17.2.1). */
  isReliable(protocol: TransportProtocol): boolean;
}

export function isReliable(protocol: TransportProtocol): boolean {
  return protocol !== 'udp';
}

/** Who sent a request: the client a trusted edge named, else the packet's source. */
export function clientOf(inbound: Inbound): Endpoint {
  return inbound.client ?? inbound.source;
}
