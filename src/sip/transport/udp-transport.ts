import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../../util/logger.js';
import { familyOf, normalizeAddress } from './address.js';
import { TransportError } from './transport-error.js';
import type { Endpoint } from './types.js';

export interface UdpTransportOptions {
  host: string;
  port: number;
  logger: Logger;
  /** SO_REUSEPORT: SIP front threads bind the same address and port (udp-front-pool.ts). */
  reusePort?: boolean;
  /** Every datagram read; called inside a guard, so a throw is logged, never raised. */
  onDatagram: (data: Buffer, source: Endpoint, via: UdpTransport) => void;
}

/** One bound UDP socket (RFC 3261 §18): reads datagrams, sends from the same address and port. */
/** Kernel buffer asked for on each UDP socket. */
const UDP_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export class UdpTransport {
  readonly family: 4 | 6;
  private socket: Socket | undefined;
  private bound: Endpoint | undefined;

  constructor(private readonly o: UdpTransportOptions) {
    this.family = isIPv6(normalizeAddress(o.host)) ? 6 : 4;
  }

  /** The bound address and port (the real port when 0 was asked for). */
  get local(): Endpoint {
    return this.bound ?? { protocol: 'udp', address: this.o.host, port: this.o.port };
  }

  async start(): Promise<void> {
    const socket = createSocket({ type: this.family === 6 ? 'udp6' : 'udp4', ...(this.o.reusePort ? { reusePort: true } : {}) });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      socket.once('error', onError);
      socket.bind({ address: this.o.host, port: this.o.port, exclusive: true }, () => {
        socket.off('error', onError);
        resolve();
      });
    }).catch((err: unknown) => {
      socket.close();
      throw err;
    });
    // Bursts arrive while the event loop is busy: a larger kernel buffer holds them
    // instead of dropping them (Linux caps the value at net.core.rmem_max/wmem_max).
    try {
      socket.setRecvBufferSize(UDP_SOCKET_BUFFER_BYTES);
      socket.setSendBufferSize(UDP_SOCKET_BUFFER_BYTES);
    } catch (err) {
      this.o.logger.debug('udp socket buffer size not set', { error: err });
    }
    socket.on('error', (err: Error) => this.o.logger.warn('udp socket error', { error: err }));
    socket.on('message', (data: Buffer, rinfo) => {
      try {
        this.o.onDatagram(data, { protocol: 'udp', address: normalizeAddress(rinfo.address), port: rinfo.port }, this);
      } catch (err) {
        this.o.logger.error('datagram handler failed', { error: err });
      }
    });
    const a = socket.address();
    this.bound = { protocol: 'udp', address: normalizeAddress(a.address), port: a.port };
    this.socket = socket;
  }

  async stop(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  send(data: Buffer, address: string, port: number): Promise<void> {
    const s = this.socket;
    if (!s) return Promise.reject(new TransportError('udp socket is closed'));
    let dest = normalizeAddress(address);
    if (this.family === 6 && familyOf(dest) === 4 && /^\d/.test(dest)) dest = '::ffff:' + dest; // dual-stack socket
    return new Promise<void>((resolve, reject) => {
      try {
        s.send(data, port, dest, (err) => (err ? reject(new TransportError(`udp send to ${address}:${port}: ${err.message}`, { cause: err })) : resolve()));
      } catch (err) {
        reject(new TransportError(`udp send to ${address}:${port} failed`, { cause: err }));
      }
    });
  }
}
