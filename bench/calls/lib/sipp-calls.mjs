// SIPp processes of the call benches: a caller that runs a fixed number of calls (foreground) and
// callees and registrations (background), each with its own working directory under the bench's
// temp dir (SIPp writes its logs into the cwd; the caller scenarios play ./pcmu-tone.raw).
// Every process is tracked (children.mjs), bounded by SIPp's -timeout and a hard kill.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopTracked } from '../../lib/children.mjs';
import { parseStatCsv, summarise } from '../../lib/sipp-stats.mjs';
import { SIPP_BUFFER_BYTES } from '../../lib/sipp-run.mjs';

/** One second of a 440 Hz tone in raw mu-law (ITU-T G.711), looped by rtp_stream. */
export function pcmuTone() {
  const b = Buffer.alloc(8000);
  for (let n = 0; n < b.length; n++) {
    let s = Math.round(8000 * Math.sin((2 * Math.PI * 440 * n) / 8000));
    const sign = s < 0 ? 0x80 : 0;
    s = Math.min(32635, Math.abs(s)) + 0x84;
    let exp = 7;
    for (let mask = 0x4000; (s & mask) === 0 && exp > 0; exp--, mask >>= 1);
    b[n] = ~(sign | (exp << 4) | ((s >> (exp + 3)) & 0x0f)) & 0xff;
  }
  return b;
}

/**
 * @param {{ dir: string, tag: string, target: string, scenario: string, csv?: string, localPort: number,
 *   rate?: number, calls?: number, pauseMs?: number, mediaPort?: number, rtpEcho?: boolean,
 *   timeoutSeconds: number, recvTimeoutMs?: number, logs?: boolean, maxCalls?: number, localIp?: string }} o
 *   localIp: the loopback address SIPp binds for signalling and media (default 127.0.0.1), e.g. a
 *   tenant trunk's own address (127.0.0.2) so the server knows the calls as that trunk's
 */
export function startSipp(o) {
  const cwd = join(o.dir, o.tag);
  rmSync(cwd, { recursive: true, force: true });
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, 'pcmu-tone.raw'), pcmuTone());
  const stf = join(cwd, 'stat.csv');
  const ip = o.localIp ?? '127.0.0.1';
  const args = [o.target, '-sf', o.scenario, '-i', ip, '-p', String(o.localPort), '-t', 'u1', '-nostdin'];
  if (o.csv) args.push('-inf', o.csv);
  if (o.rate !== undefined) args.push('-r', String(o.rate), '-rp', '1000');
  if (o.calls !== undefined) args.push('-m', String(o.calls));
  if (o.pauseMs !== undefined) args.push('-d', String(o.pauseMs));
  args.push('-mi', ip);
  if (o.mediaPort !== undefined) args.push('-mp', String(o.mediaPort));
  if (o.rtpEcho) args.push('-rtp_echo');
  args.push('-recv_timeout', String(o.recvTimeoutMs ?? 5000), '-buff_size', String(SIPP_BUFFER_BYTES));
  args.push('-timeout', `${o.timeoutSeconds}s`, '-trace_stat', '-stf', stf, '-fd', '1');
  if (o.logs) args.push('-trace_logs', '-log_file', join(cwd, 'logs.log'));
  // the first errors of a run say what went wrong; the file is capped
  args.push('-trace_err', '-error_file', join(cwd, 'errors.log'), '-max_log_size', '2000000');
  // SIPp keeps at most -l calls open; the default (3 x rate x duration) is fine for callers, and
  // a callee must accept whatever comes.
  if (o.maxCalls) args.push('-l', String(o.maxCalls));
  const child = spawnTracked('sipp', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    if (stderr.length < 4000) stderr += d;
  });
  const hard = setTimeout(() => void stopTracked(child, 2000), (o.timeoutSeconds + 15) * 1000);
  const done = child.exited.then((e) => {
    clearTimeout(hard);
    const summary = existsSync(stf) ? summarise(parseStatCsv(readFileSync(stf, 'utf8'))) : undefined;
    const problems = [];
    if (e.error || (e.code !== 0 && e.code !== 1 && e.signal === null)) problems.push(`sipp ${o.tag} exit ${e.code ?? e.error}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    if (!summary && !e.signal) problems.push(`sipp ${o.tag} wrote no statistics`);
    return { summary, problems, exit: e };
  });
  return {
    child,
    cwd,
    done,
    pid: () => child.pid,
    logText: () => {
      try {
        return readFileSync(join(cwd, 'logs.log'), 'utf8');
      } catch {
        return '';
      }
    },
    stop: async () => {
      await stopTracked(child, 3000);
      return done;
    },
  };
}

/** "leg <our port> <host> <port>" lines of relay-uac.xml / relay-uas.xml logs -> Map(our port -> { host, port }). */
export function parseLegLog(text) {
  const legs = new Map();
  for (const m of text.matchAll(/^leg (\d+) (\d+\.\d+\.\d+\.\d+) (\d+)\s*$/gm)) legs.set(Number(m[1]), { host: m[2], port: Number(m[3]) });
  return legs;
}
