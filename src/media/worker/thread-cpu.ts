import { readFileSync } from 'node:fs';

/** Linux reports times in clock ticks of 1/100 s (USER_HZ, fixed for the /proc ABI). */
const MS_PER_TICK = 10;

/**
 * CPU time (user + system) of the calling thread in ms, from /proc/thread-self/stat
 * (Linux); undefined elsewhere. Node 20 has no per-thread CPU clock of its own. Read
 * on request only, never per packet.
 */
export function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    // Fields after "pid (comm)": comm may hold spaces, so split after its closing paren.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(f[11]);
    const stime = Number(f[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) * MS_PER_TICK : undefined;
  } catch {
    return undefined;
  }
}
