import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { REPO } from './pbx-process.js';

export interface SippProcessOptions {
  /** A file in test/sipp/ or an absolute path. */
  scenario: string;
  /** host:port of the server. */
  remote: string;
  /** Injection file rows (fields separated by ';'), read in order. */
  inject?: string[][];
  /** -m: calls to make (UAC) or to answer (UAS) before exiting. */
  calls?: number;
  /** -r: calls per second (UAC). */
  rate?: number;
  localIp?: string;
  /** -p: SIP port; SIPp picks one when left out. */
  localPort?: number;
  /** -mi / -mp: where RTP is sent from and expected ([media_ip], [media_port]). */
  mediaIp?: string;
  mediaPort?: number;
  /** -rtp_echo: send every RTP packet received on the media port back to where it came from. */
  rtpEcho?: boolean;
  /** -d: length of the scenario's <pause/> (call length, or a callee's answer delay). */
  pauseMs?: number;
  /** -timeout: SIPp gives up after this; a hard kill follows 15 s later. */
  timeoutSeconds?: number;
  /** -trace_msg: keep every message, to read the SDP that was exchanged. */
  traceMessages?: boolean;
  extra?: string[];
}

export interface SippOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Counters from the last statistics row. */
  successful: number;
  failed: number;
  /** stdout/stderr and the errors log, for assertion messages. */
  output: string;
}

/** Raw 8-bit mu-law (ITU-T G.711), for the tone file call-uac*.xml play. */
function muLaw(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exp = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exp > 0; exp--, mask >>= 1);
  return ~(sign | (exp << 4) | ((s >> (exp + 3)) & 0x0f)) & 0xff;
}

/** One second of a 440 Hz tone as raw PCMU: the scenarios loop it (rtp_stream="pcmu-tone.raw,-1,0"). */
export function pcmuTone(seconds = 1, hz = 440): Buffer {
  const b = Buffer.alloc(8000 * seconds);
  for (let n = 0; n < b.length; n++) b[n] = muLaw(8000 * Math.sin((2 * Math.PI * hz * n) / 8000));
  return b;
}

/**
 * SIPp (Debian's sip-tester) running one of our scenarios in the background, in its own temp
 * working directory (which holds the tone file the caller scenarios play, the injection file,
 * statistics and traces). Bounded by SIPp's -timeout and a hard kill; stop() ends it early.
 */
export class SippProcess {
  readonly done: Promise<SippOutcome>;
  private readonly child: ChildProcess;
  private out = '';

  private constructor(
    readonly dir: string,
    args: string[],
    timeoutSeconds: number,
  ) {
    this.child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      if (this.out.length < 20_000) this.out += d.toString('utf8');
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    const killer = setTimeout(() => this.child.kill('SIGKILL'), (timeoutSeconds + 15) * 1000);
    killer.unref();
    this.done = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(killer);
        resolve(this.outcome(code, signal));
      };
      this.child.once('close', finish);
      this.child.once('error', (e) => {
        this.out += String(e);
        finish(null, null);
      });
    });
  }

  static start(o: SippProcessOptions): SippProcess {
    const dir = mkdtempSync(join(tmpdir(), 'sipp-call-'));
    writeFileSync(join(dir, 'pcmu-tone.raw'), pcmuTone());
    const timeout = o.timeoutSeconds ?? 30;
    const scenario = isAbsolute(o.scenario) ? o.scenario : join(REPO, 'test/sipp', o.scenario);
    const args = [o.remote, '-sf', scenario, '-t', 'u1', '-m', String(o.calls ?? 1), '-r', String(o.rate ?? 10), '-nostdin'];
    args.push('-i', o.localIp ?? '127.0.0.1');
    if (o.localPort !== undefined) args.push('-p', String(o.localPort));
    args.push('-mi', o.mediaIp ?? o.localIp ?? '127.0.0.1');
    if (o.mediaPort !== undefined) args.push('-mp', String(o.mediaPort));
    if (o.rtpEcho) args.push('-rtp_echo');
    if (o.pauseMs !== undefined) args.push('-d', String(o.pauseMs));
    args.push('-timeout', `${timeout}s`, '-timeout_error', '-max_recv_loops', '1000');
    args.push('-trace_err', '-error_file', join(dir, 'errors.log'), '-trace_stat', '-stf', join(dir, 'stat.csv'), '-fd', '1');
    if (o.traceMessages) args.push('-trace_msg', '-message_file', join(dir, 'messages.log'));
    if (o.inject) {
      const file = join(dir, 'inject.csv');
      writeFileSync(file, 'SEQUENTIAL\n' + o.inject.map((row) => row.join(';')).join('\n') + '\n');
      args.push('-inf', file);
    }
    if (o.extra) args.push(...o.extra);
    return new SippProcess(dir, args, timeout);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The message trace so far (empty without traceMessages). */
  messages(): string {
    try {
      return readFileSync(join(this.dir, 'messages.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Ends SIPp now (SIGUSR1 asks it to quit like the 'q' key; SIGKILL after 3 s). */
  async stop(): Promise<SippOutcome> {
    if (this.running) {
      this.child.kill('SIGUSR1');
      const hard = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.done;
      clearTimeout(hard);
    }
    return this.done;
  }

  /** Stops if needed and removes the working directory. */
  async dispose(): Promise<SippOutcome> {
    const r = await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
    return r;
  }

  private outcome(code: number | null, signal: NodeJS.Signals | null): SippOutcome {
    let successful = 0;
    let failed = 0;
    try {
      const csv = readFileSync(join(this.dir, 'stat.csv'), 'utf8').trim().split('\n');
      const head = csv[0]!.split(';');
      const last = csv[csv.length - 1]!.split(';');
      successful = Number(last[head.indexOf('SuccessfulCall(C)')] ?? 0);
      failed = Number(last[head.indexOf('FailedCall(C)')] ?? 0);
    } catch {
      /* no statistics: SIPp failed to start */
    }
    let errors = '';
    try {
      for (const f of readdirSync(this.dir)) if (f.endsWith('errors.log')) errors += readFileSync(join(this.dir, f), 'utf8').slice(0, 20_000);
    } catch {
      /* none */
    }
    return { code, signal, successful, failed, output: this.out + (errors ? '\n--- errors log ---\n' + errors : '') };
  }
}

export interface SdpMedia {
  host: string;
  port: number;
}

/**
 * The audio address of the SDP in the first message of a SIPp trace whose start line matches
 * (e.g. /^SIP\/2\.0 200/ for the answer a caller received, /^INVITE / for the offer a callee
 * received). Session-level c= unless the media section has its own.
 */
export function sdpInTrace(trace: string, startLine: RegExp, direction: 'received' | 'sent' = 'received'): SdpMedia | undefined {
  // SIPp -trace_msg blocks: "----- date\nUDP message received [N] bytes :\n\n<message>"
  const blocks = trace.split(/^-{10,}.*$/m);
  for (const b of blocks) {
    const m = /^(?:UDP|TCP|TLS) message (received|sent)[^\n]*\n+([\s\S]*)$/m.exec(b.trimStart());
    if (!m || m[1] !== direction) continue;
    const msg = m[2]!;
    const first = msg.split(/\r?\n/, 1)[0] ?? '';
    if (!startLine.test(first)) continue;
    const media = /^m=audio (\d+) /m.exec(msg);
    if (!media) continue;
    const after = msg.slice(media.index);
    const c = /^c=IN IP4 (\S+)/m.exec(after) ?? /^c=IN IP4 (\S+)/m.exec(msg);
    if (!c) continue;
    return { host: c[1]!, port: Number(media[1]) };
  }
  return undefined;
}

export function sippInstalled(): boolean {
  return existsSync('/usr/bin/sipp') || existsSync('/usr/local/bin/sipp');
}
