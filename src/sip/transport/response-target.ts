import { parseUint, topVia } from '../message/headers.js';
import type { Via } from '../message/via.js';
import type { Inbound, Target, TransportProtocol } from './types.js';

/**
 * Where the response to a received request goes: RFC 3261 §18.2.2 with RFC 3581 §4.
 *
 * - Stream: back over the connection the request came in on while it is open. If it
 *   has closed, §18.2.2 opens a new one to the `received` address and the sent-by port
 *   (5060, or 5061 for TLS, when none). RFC 3581 §4 applies rport to unreliable
 *   transports only: the source port of a closed connection is nobody's listener.
 * - UDP: to the `received` address and the `rport` port when present (RFC 3581 §4),
 *   else the sent-by port (5060 when none), sent from the socket the request arrived
 *   on (`local`), so that it passes the client's NAT binding.
 *
 * The address is always the packet's source: stampTopVia has written it into
 * `received` whenever it differs from sent-by, so the two agree, and a `received` or
 * `maddr` written by the sender can never redirect the response elsewhere (maddr is
 * ignored on purpose: it would make us a reflector).
 */
export function responseTarget(inbound: Inbound, isOpen: (connectionId: string) => boolean): Target {
  const { source } = inbound;
  let via: Via | undefined;
  try {
    via = topVia(inbound.message);
  } catch {
    via = undefined; // unreachable for parsed messages; fall back to the source port below
  }
  if (source.protocol === 'udp') {
    const rport = parseUint(via?.params.rport ?? undefined, 65535);
    const port = rport || via?.port || (via ? 5060 : source.port);
    return { protocol: 'udp', address: source.address, port, local: inbound.local };
  }
  const port = via?.port ?? (via ? defaultPort(source.protocol) : source.port);
  const target: Target = { protocol: source.protocol, address: source.address, port, local: inbound.local };
  if (inbound.connectionId !== undefined && isOpen(inbound.connectionId)) target.connectionId = inbound.connectionId;
  return target;
}

/** RFC 3261 §18.2.2 / §19.1.2: the default port of a transport (RFC 7118 §5: WebSocket's are HTTP's). */
export function defaultPort(protocol: TransportProtocol): number {
  if (protocol === 'ws') return 80;
  if (protocol === 'wss') return 443;
  return protocol === 'tls' ? 5061 : 5060;
}
