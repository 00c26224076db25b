import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './pbx-process.js';

export interface SippResult {
  code: number | null;
  output: string;
  /** Parsed from the final statistics screen: successful and failed calls. */
  successful: number;
  failed: number;
}

export interface SippRun {
  scenario: string;
  /** host:port of the server. */
  remote: string;
  transport?: 'u1' | 't1' | 'tn';
  /** Injection file rows (fields separated by ';'). */
  inject?: string[][];
  calls?: number;
  rate?: number;
  localIp?: string;
  localPort?: number;
  timeoutSeconds?: number;
  extra?: string[];
}

/**
 * Run SIPp (Debian's sip-tester) with one of our scenarios in test/sipp/, in the
 * foreground, bounded in time; returns its exit code and counts.
 */
export async function runSipp(r: SippRun): Promise<SippResult> {
  const work = mkdtempSync(join(tmpdir(), 'sipp-'));
  const args = ['-sf', join(REPO, 'test/sipp', r.scenario), r.remote, '-t', r.transport ?? 'u1', '-m', String(r.calls ?? 1), '-r', String(r.rate ?? 10), '-nostdin', '-trace_err', '-trace_stat', '-stf', join(work, 'stat.csv'), '-timeout', String(r.timeoutSeconds ?? 20), '-timeout_error', '-max_recv_loops', '1000'];
  args.push('-i', r.localIp ?? '127.0.0.1');
  if (r.localPort !== undefined) args.push('-p', String(r.localPort));
  if (r.inject) {
    const file = join(work, 'inject.csv');
    writeFileSync(file, 'SEQUENTIAL\n' + r.inject.map((row) => row.join(';')).join('\n') + '\n');
    args.push('-inf', file);
  }
  if (r.extra) args.push(...r.extra);
  const out = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('sipp', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), ((r.timeoutSeconds ?? 20) + 15) * 1000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    });
  });
  let successful = 0;
  let failed = 0;
  try {
    const csv = readFileSync(join(work, 'stat.csv'), 'utf8').trim().split('\n');
    const head = csv[0]!.split(';');
    const last = csv[csv.length - 1]!.split(';');
    successful = Number(last[head.indexOf('SuccessfulCall(C)')] ?? 0);
    failed = Number(last[head.indexOf('FailedCall(C)')] ?? 0);
  } catch {
    /* no stats: SIPp failed to start */
  }
  let errors = '';
  try {
    for (const f of readdirSync(work)) if (f.endsWith('_errors.log')) errors += readFileSync(join(work, f), 'utf8');
  } catch {
    /* none */
  }
  return { code: out.code, output: out.output + (errors ? '\n--- errors log ---\n' + errors : ''), successful, failed };
}

/** An injection row for our REGISTER scenarios: user, domain, password, and the auth keyword built from them. */
export function credentials(user: string, domain: string, password: string): string[] {
  return [user, domain, password, `[authentication username=${user} password=${password}]`];
}
