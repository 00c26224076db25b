import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How a command finds out whether `pbx serve` runs on a data directory: serve writes
 * its process id to a pid file (`--pid-file`, default `<dataDir>/pbx.pid`) once it is
 * listening and removes it when it stops. A file naming a process that is gone (a
 * crash) counts as no server.
 */
export function defaultPidFile(dataDir: string): string {
  return join(dataDir, 'pbx.pid');
}

export function writePidFile(file: string, pid = process.pid): void {
  const tmp = `${file}.${pid}.tmp`;
  writeFileSync(tmp, `${pid}\n`, { mode: 0o644 });
  renameSync(tmp, file);
}

/** Removes the pid file if it still names this process (a newer server may have replaced it). */
export function removePidFile(file: string, pid = process.pid): void {
  if (readPid(file) === pid) rmSync(file, { force: true });
}

function readPid(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The pid of the server running on this pid file, or undefined when none runs. */
export function runningServerPid(file: string): number | undefined {
  const pid = readPid(file);
  if (pid === undefined || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    // EPERM: it exists but belongs to someone else; still a running process.
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
