/**
 * Test-only: fake phones that send and receive RTP/RTCP over real UDP sockets on the
 * loopback. Not part of the build (tsconfig excludes test-peers.ts).
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Endpoint } from './protocol.js';

export interface RtpFields {
  seq: number;
  ts: number;
  ssrc: number;
  pt?: number;
  marker?: boolean;
  payload?: Buffer;
}

/** An RTP packet (RFC 3550 §5.1) with a 12-byte header. */
export function rtpPacket(f: RtpFields): Buffer {
  const payload = f.payload ?? Buffer.alloc(160, 0xff);
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = ((f.marker ? 1 : 0) << 7) | ((f.pt ?? 0) & 0x7f);
  b.writeUInt16BE(f.seq & 0xffff, 2);
  b.writeUInt32BE(f.ts >>> 0, 4);
  b.writeUInt32BE(f.ssrc >>> 0, 8);
  payload.copy(b, 12);
  return b;
}

/** An empty RTCP receiver report (RFC 3550 §6.4.2): header and sender SSRC. */
export function rtcpReceiverReport(ssrc: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x80;
  b[1] = 201;
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  return b;
}

export interface Received {
  data: Buffer;
  from: Endpoint;
}

/** One UDP socket playing a phone's RTP (or RTCP) port. */
export class FakePhone {
  readonly received: Received[] = [];
  private waiters: Array<() => void> = [];
  /** Sees every datagram too (a DTLS client reading its records off this socket). */
  onMessage: ((data: Buffer) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (data, rinfo) => {
      this.received.push({ data, from: { address: rinfo.address, port: rinfo.port } });
      this.onMessage?.(data);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(address = '127.0.0.1', port = 0): Promise<FakePhone> {
    const socket = createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve(new FakePhone(socket));
      });
    });
  }

  get local(): Endpoint {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  send(to: Endpoint, data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(data, to.port, to.address, (err) => (err ? reject(err) : resolve())));
  }

  sendRtp(to: Endpoint, f: RtpFields): Promise<void> {
    return this.send(to, rtpPacket(f));
  }

  /** Resolves once `count` datagrams have arrived in all; rejects after timeoutMs (a bound, not a timing check). */
  async waitFor(count: number, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} datagrams on ${this.local.address}:${this.local.port}, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/** Ports: the RTP and RTCP endpoints of one PBX leg. */
export function legEndpoints(leg: { address: string; rtpPort: number; rtcpPort: number }): { rtp: Endpoint; rtcp: Endpoint } {
  return { rtp: { address: leg.address, port: leg.rtpPort }, rtcp: { address: leg.address, port: leg.rtcpPort } };
}
