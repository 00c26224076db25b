// Which of N SO_REUSEPORT sockets on host:port would receive the datagrams of each source port?
// Linux picks the socket of a reuseport group by a hash of the source and destination address
// and port (fixed until reboot), so two SIPp processes may well land on the same thread of a
// multi-threaded server. Asked empirically, with the server's port still free: bind N sockets
// as the server will (one per thread, in one group), send one datagram from each source port,
// see which socket gets it. Only whether the sources land on DIFFERENT sockets carries over to
// the server (which socket is which thread depends on the order the threads bind).
import { createSocket } from 'node:dgram';

const bind = (sock, port, host) =>
  new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: host, port, exclusive: true }, () => {
      sock.off('error', reject);
      resolve();
    });
  });

/**
 * @returns {Promise<number[]|undefined>} for each source port the index of the socket that got
 * its datagram, or undefined when a port was busy or a datagram did not arrive within 1 s
 */
export async function reuseportSpread(host, port, sockets, sourcePorts) {
  const group = Array.from({ length: sockets }, () => createSocket({ type: 'udp4', reusePort: true }));
  const sources = sourcePorts.map(() => createSocket('udp4'));
  try {
    for (const s of group) await bind(s, port, host);
    for (const [i, s] of sources.entries()) await bind(s, sourcePorts[i], host);
    const got = new Array(sourcePorts.length).fill(undefined);
    const all = new Promise((resolve) => {
      let left = sourcePorts.length;
      group.forEach((s, k) =>
        s.on('message', (msg) => {
          const i = Number(msg.toString());
          if (got[i] === undefined) {
            got[i] = k;
            if (--left === 0) resolve();
          }
        }),
      );
    });
    sources.forEach((s, i) => s.send(String(i), port, host));
    let timer;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    return got.includes(undefined) ? undefined : got;
  } catch {
    return undefined;
  } finally {
    for (const s of [...group, ...sources]) {
      try {
        s.close();
      } catch {
        /* never bound */
      }
    }
  }
}

/** One line for the results: how the SIPp source ports spread over a server's threads. */
export function spreadNote(spread, threads, sourcePorts) {
  if (!spread) return `SO_REUSEPORT check before the run: could not be made (a port was busy)`;
  const used = new Set(spread).size;
  const verdict =
    sourcePorts.length < threads
      ? `fewer SIPp processes than threads: at most ${sourcePorts.length} of ${threads} threads get load`
      : used === Math.min(threads, sourcePorts.length)
        ? 'every thread gets load'
        : `only ${used} of ${threads} threads get load: the kernel hashes these SIPp ports onto the same socket, so this is not a ${threads}-thread figure (change --sipp-procs)`;
  return `SO_REUSEPORT check before the run: SIPp source ports ${sourcePorts.join(', ')} land on sockets ${spread.join(', ')} of ${threads}; ${verdict}`;
}
