// Does the music reach the waiting callers? tcpdump counts the RTP packets the PBX sends to the
// callers' media address for a few seconds (loopback, root, no payload kept); at 20 ms per packet
// each waiting caller should get about 50 a second. Skipped (undefined) when tcpdump cannot run.
import { spawn } from 'node:child_process';

/** "N packets captured" / "received by filter" / "dropped by kernel" lines of tcpdump's stderr. */
export function parseTcpdumpCounts(text) {
  const n = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  return { captured: n(/(\d+) packets? captured/), received: n(/(\d+) packets? received by filter/), dropped: n(/(\d+) packets? dropped by kernel/) };
}

/** Packets per second to host:port over `seconds`, or undefined when tcpdump is not usable. */
export function captureRate({ host, port, seconds }) {
  return new Promise((resolve) => {
    let err = '';
    let child;
    try {
      child = spawn('tcpdump', ['-i', 'lo', '-n', '-q', '-B', '16384', '-w', '/dev/null', `udp and dst host ${host} and dst port ${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch {
      return resolve(undefined);
    }
    child.stderr.on('data', (d) => (err += d));
    child.on('error', () => resolve(undefined));
    const t0 = Date.now();
    const timer = setTimeout(() => child.kill('SIGINT'), seconds * 1000);
    child.on('exit', () => {
      clearTimeout(timer);
      const c = parseTcpdumpCounts(err);
      if (c.captured === undefined) return resolve(undefined);
      // tcpdump needs a moment to start; the rate is over the time it ran
      const s = Math.max(0.001, (Date.now() - t0) / 1000);
      resolve({ ...c, seconds: s, perSecond: c.captured / s });
    });
  });
}
