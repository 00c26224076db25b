// What the numbers were measured on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, loadavg } from 'node:os';
import { kamailioVersion } from './kamailio-server.mjs';

function sippVersion() {
  try {
    const out = execFileSync('sipp', ['-v'], { encoding: 'utf8', timeout: 10_000 });
    return /SIPp\s+(v[\w.-]+)/.exec(out)?.[1]?.replace(/\.$/, '') ?? '?';
  } catch (err) {
    // sipp -v exits non-zero on some builds but still prints.
    return /SIPp\s+(v[\w.-]+)/.exec(String(err.stdout ?? ''))?.[1]?.replace(/\.$/, '') ?? 'not installed';
  }
}

/** The commit measured, and whether the work tree differed from it (read-only git calls). */
function repoRevision(repoRoot) {
  try {
    const opts = { cwd: repoRoot, encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] };
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim() !== '';
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(repoRoot) {
  let model = cpus()[0]?.model ?? '?';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    /* not Linux */
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    /* keep os.cpus() */
  }
  return {
    nproc,
    cpuModel: model,
    memGiB: totalmem() / 2 ** 30,
    kernel: release(),
    node: process.version,
    kamailio: kamailioVersion(),
    sipp: sippVersion(),
    loadavg: loadavg().map((x) => x.toFixed(2)).join(' '),
    revision: repoRoot ? repoRevision(repoRoot) : 'unknown',
  };
}
