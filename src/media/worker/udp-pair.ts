import { createSocket, type Socket } from 'node:dgram';
import { ipLiteralLookup } from './ip-literal-lookup.js';

/**
 * Kernel receive and send buffer of an RTP socket: room for the bursts of many calls' packets
 * arriving in one tick (the default 208 KiB drops some from a few hundred calls on one worker),
 * as the bare relay bench/media compares against has. A limit, charged only while packets wait
 * (the kernel caps it at net.core.rmem_max / wmem_max).
 */
export const RTP_SOCKET_BUFFER_BYTES = 1 << 20;

/**
 * Bind one UDP socket; rejects with the bind error (its `code` says EADDRINUSE and the like).
 * Its sends take IP literals only (ip-literal-lookup.ts): no DNS step, no deferral per datagram.
 */
export function bindUdp(address: string, port: number, family: 4 | 6, onError: (err: Error) => void, bufferBytes?: number): Promise<Socket> {
  const type = family === 6 ? 'udp6' : 'udp4';
  const socket = createSocket(bufferBytes ? { type, lookup: ipLiteralLookup, recvBufferSize: bufferBytes, sendBufferSize: bufferBytes } : { type, lookup: ipLiteralLookup });
  return new Promise<Socket>((resolve, reject) => {
    const onBindError = (err: Error) => {
      try {
        socket.close();
      } catch {
        // never bound
      }
      reject(err);
    };
    socket.once('error', onBindError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onBindError);
      // After binding, errors come only from sends (an unreachable target): never fatal.
      socket.on('error', onError);
      resolve(socket);
    });
  });
}

export interface RtpSockets {
  rtp: Socket;
  rtcp: Socket;
}

/** The RTP socket on an even port and the RTCP socket on the next (RFC 3550 §11); both or neither. */
export async function bindRtpPair(address: string, rtpPort: number, family: 4 | 6, onError: (err: Error) => void): Promise<RtpSockets> {
  const rtp = await bindUdp(address, rtpPort, family, onError, RTP_SOCKET_BUFFER_BYTES);
  try {
    const rtcp = await bindUdp(address, rtpPort + 1, family, onError);
    return { rtp, rtcp };
  } catch (err) {
    rtp.close();
    throw err;
  }
}
