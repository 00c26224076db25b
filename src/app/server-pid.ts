import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * How a command finds out whether `pbx serve` runs on a data directory: serve claims
 * a pid file (`--pid-file`, default `<dataDir>/pbx.pid`) before it touches anything
 * else there, and removes it when it stops. A file naming a process that is gone (a
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

/** Another live server holds the pid file: this one must not touch its data directory. */
export class ServerRunningError extends Error {
  constructor(
    readonly file: string,
    readonly pid: number,
  ) {
    super(`another server (pid ${pid}) runs here: ${file} names it; stop it first, or give this one another dataDir (remove the file only if that process is not a pbx)`);
    this.name = 'ServerRunningError';
  }
}

/**
 * Makes this process the owner of the pid file, the lock of a data directory: created
 * exclusively, so that of two servers starting together one wins. A file left by a
 * process that is gone is taken over; one naming a live process raises
 * ServerRunningError and leaves the file as it is.
 */
export function claimPidFile(file: string, pid = process.pid): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o750 });
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(file, `${pid}\n`, { mode: 0o644, flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const other = runningServerPid(file);
    if (other !== undefined && other !== pid) throw new ServerRunningError(file, other);
    // Stale (its process is gone), empty, or ours: take it over. Moved aside and looked
    // at again, so that a taker that came second (the first already wrote its live pid
    // there) puts the winner's file back instead of removing it.
    const aside = `${file}.${pid}.stale`;
    try {
      renameSync(file, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const moved = runningServerPid(aside);
    if (moved !== undefined && moved !== pid) {
      renameSync(aside, file);
      throw new ServerRunningError(file, moved);
    }
    rmSync(aside, { force: true });
  }
  throw new Error(`cannot claim the pid file ${file}: it keeps coming back`);
}
