// Runs one load step: N SIPp processes side by side, each with its own slice of the users, its
// own local port and rate/N, for a fixed number of calls. Bounded by SIPp's own -timeout and by a
// hard kill a little later.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopTracked } from './children.mjs';
import { combine, parseStatCsv, summarise } from './sipp-stats.mjs';

export const SIPP_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * @param {{ target: string, scenario: string, csvFiles: string[], rate: number, calls: number,
 *           localPortBase: number, localIp?: string, outDir: string, tag: string, recvTimeoutMs?: number,
 *           timeoutSeconds: number, onStart?: (pids: number[]) => void }} o
 */
export async function runSipp(o) {
  const n = o.csvFiles.length;
  const procs = [];
  for (let i = 0; i < n; i++) {
    const stf = join(o.outDir, `${o.tag}-sipp${i}.csv`);
    const errFile = join(o.outDir, `${o.tag}-sipp${i}-errors.log`);
    rmSync(stf, { force: true });
    rmSync(errFile, { force: true });
    // Split rate and calls so the sum is exact.
    const rate = Math.floor(o.rate / n) + (i < o.rate % n ? 1 : 0);
    const calls = Math.floor(o.calls / n) + (i < o.calls % n ? 1 : 0);
    const args = [
      o.target,
      '-sf', o.scenario,
      '-inf', o.csvFiles[i],
      '-i', o.localIp ?? '127.0.0.1',
      '-p', String(o.localPortBase + i),
      '-t', 'u1',
      '-r', String(rate),
      '-rp', '1000',
      '-m', String(calls),
      '-recv_timeout', String(o.recvTimeoutMs ?? 5000),
      // SIPp's default socket buffers are 64 KB: at 8,000 calls/s it then drops thousands of
      // replies itself and the server takes the blame. The kernel caps this at net.core.rmem_max.
      '-buff_size', String(o.buffSize ?? SIPP_BUFFER_BYTES),
      '-timeout', `${o.timeoutSeconds}s`,
      '-trace_stat', '-stf', stf, '-fd', '1',
      '-trace_err', '-error_file', errFile,
      '-nostdin',
    ];
    const child = spawnTracked('sipp', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      if (stderr.length < 4000) stderr += d;
    });
    procs.push({ child, stf, errFile, stderrText: () => stderr });
  }
  o.onStart?.(procs.map((p) => p.child.pid));
  const hardMs = (o.timeoutSeconds + 15) * 1000;
  const hard = setTimeout(() => procs.forEach((p) => void stopTracked(p.child, 2000)), hardMs);
  const exits = await Promise.all(procs.map((p) => p.child.exited));
  clearTimeout(hard);
  const summaries = procs.map((p) => (existsSync(p.stf) ? summarise(parseStatCsv(readFileSync(p.stf, 'utf8'))) : undefined));
  const problems = [];
  procs.forEach((p, i) => {
    const e = exits[i];
    // SIPp exits 0 when all calls succeeded, 1 when some failed; anything else is SIPp trouble.
    if (e.error || (e.code !== 0 && e.code !== 1)) {
      problems.push(`sipp#${i} exit ${e.code ?? e.signal ?? e.error}: ${p.stderrText().trim().split('\n').slice(-3).join(' | ')}`);
    }
    if (!summaries[i]) problems.push(`sipp#${i} wrote no statistics (${p.stf})`);
  });
  return { summary: combine(summaries), problems, errorFiles: procs.map((p) => p.errFile) };
}

