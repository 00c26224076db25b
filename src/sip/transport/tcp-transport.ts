import { connect, type Socket } from 'node:net';
import { StreamTransport, type PreparedSocket } from './stream-transport.js';

/** SIP over TCP (RFC 3261 §18): listeners and outbound connections. */
export class TcpTransport extends StreamTransport {
  readonly protocol = 'tcp' as const;

  protected prepareAccepted(raw: Socket): PreparedSocket {
    return { socket: raw };
  }

  protected dial(address: string, port: number): PreparedSocket {
    return { socket: connect({ host: address, port, noDelay: true }), readyEvent: 'connect' };
  }
}
