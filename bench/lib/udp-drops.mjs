// Datagrams the kernel dropped because a socket's receive buffer was full, per local UDP port,
// from the "drops" column of /proc/net/udp. Tells whether a step lost packets at the server or
// at SIPp (a load generator that drops replies makes the server look worse than it is).
import { readFileSync } from 'node:fs';

/** @returns {Map<number, number>} local port -> drops, summed over the sockets bound to it */
export function udpDropsByPort(text) {
  const out = new Map();
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const port = parseInt(f[1].split(':')[1] ?? '', 16);
    const drops = Number(f[f.length - 1]);
    if (!Number.isFinite(port) || !Number.isFinite(drops)) continue;
    out.set(port, (out.get(port) ?? 0) + drops);
  }
  return out;
}

export function readUdpDrops() {
  try {
    return udpDropsByPort(readFileSync('/proc/net/udp', 'utf8'));
  } catch {
    return new Map();
  }
}
