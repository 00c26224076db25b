// How long a process tree's threads were runnable but waited for a CPU (Linux schedstat, field 2
// of /proc/<pid>/task/<tid>/schedstat, in ns). On a shared machine this tells a server that is
// slow from a server that is starved: late media frames with a low CPU figure and a long run-queue
// wait come from the other processes, not from the server's own work.
import { readdirSync, readFileSync } from 'node:fs';

/** Per thread name: { runSeconds, waitSeconds } summed over the pids' threads alive now. */
export function schedTimes(pids) {
  const out = new Map();
  for (const pid of pids) {
    let tids = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        const key = `${pid}/${tid} ${name}`;
        out.set(key, { name, runSeconds: run / 1e9, waitSeconds: wait / 1e9 });
      } catch {
        /* the thread ended */
      }
    }
  }
  return out;
}

/** after − before of the threads alive at both readings, summed: { runSeconds, waitSeconds, threads }. */
export function schedDelta(before, after) {
  let runSeconds = 0;
  let waitSeconds = 0;
  let threads = 0;
  for (const [k, a] of after) {
    const b = before.get(k);
    if (!b) continue;
    runSeconds += a.runSeconds - b.runSeconds;
    waitSeconds += a.waitSeconds - b.waitSeconds;
    threads++;
  }
  return { runSeconds, waitSeconds, threads };
}
