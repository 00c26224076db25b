import { createSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';
import type { PbxConfig } from '../config/types.js';

/** A listener that cannot be opened: names the address and says why in words. */
export class ListenError extends Error {
  constructor(
    readonly address: string,
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(`cannot listen on ${address}: ${why(code, cause)}`, { cause });
    this.name = 'ListenError';
  }
}

function why(code: string | undefined, cause: unknown): string {
  switch (code) {
    case 'EADDRINUSE':
      return 'the address is in use (EADDRINUSE); another pbx serve or another program listens there';
    case 'EACCES':
      return 'permission denied (EACCES); ports below 1024 need privileges';
    case 'EADDRNOTAVAIL':
      return 'the address is not one of this machine (EADDRNOTAVAIL)';
    default:
      return (cause as Error)?.message ?? String(cause);
  }
}

export interface ListenTarget {
  protocol: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss' | 'http';
  host: string;
  port: number;
}

/** Every listener the config asks for: the SIP ones and the admin API. */
export function listenTargets(c: PbxConfig): ListenTarget[] {
  return [...c.sip.listen.map((l) => ({ protocol: l.protocol, host: l.host, port: l.port })), { protocol: 'http' as const, host: c.api.host, port: c.api.port }];
}

function label(t: ListenTarget): string {
  return `${t.protocol}://${isIPv6(t.host) ? `[${t.host}]` : t.host}:${t.port}`;
}

/**
 * Binds each listener for a moment and lets it go again, so that a server that could
 * not listen stops before it has touched the data directory (applied the tenant files,
 * migrated the stores of a server that runs there). Same options as the real bind
 * (exclusive), so what the probe gets, the server gets, unless someone takes the port
 * in between; the real bind still reports that. Port 0 (any free port) is not probed.
 */
export async function probeListeners(targets: readonly ListenTarget[]): Promise<void> {
  for (const t of targets) {
    if (t.port === 0) continue;
    try {
      await (t.protocol === 'udp' ? probeUdp(t.host, t.port) : probeStream(t.host, t.port));
    } catch (e) {
      throw new ListenError(label(t), (e as NodeJS.ErrnoException).code, e);
    }
  }
}

function probeUdp(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    socket.once('error', (e) => {
      try {
        socket.close();
      } catch {
        // never bound: nothing to close
      }
      reject(e);
    });
    socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => resolve()));
  });
}

function probeStream(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}
