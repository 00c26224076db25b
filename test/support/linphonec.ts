// Debian's linphonec (linphone-cli, liblinphone 5.1) as a real softphone for integration
// tests, driven through its standard input like a person at its prompt. No sound card:
// `soundcard use files` makes it play a WAV as its microphone (`play FILE`) and write what
// it hears to a WAV (`record FILE`).
//
// linphonec reads stdin on a thread into ONE line buffer that its main loop picks up between
// iterations, so a second line written before the first is taken would overwrite it: every
// command here waits for the next prompt (printed once the line was run) before the next.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freePortRun } from './ports.js';

export interface LinphonecOptions {
  user: string;
  domain: string;
  password: string;
  /** The server, used as the account's proxy over UDP. */
  proxy: { host: string; port: number };
  /** The WAV played as microphone (8 kHz mono 16-bit is safe). */
  sourceWav: string;
  /**
   * linphonec runs under coreutils' `timeout` for this long, so a killed test leaves no phone
   * behind (linphonec keeps running when its stdin closes); 240 s by default.
   */
  lifetimeSeconds?: number;
  /** Writes liblinphone's full log (every SIP message sent and received) to `<dir>/linphone.log`. */
  sipLog?: boolean;
}

export class LinphonecError extends Error {}

const PROMPT = 'linphonec> ';

export class Linphonec {
  /** Output lines, prompts stripped. */
  readonly lines: string[] = [];
  private prompts = 0;
  private partial = '';
  private queue: Promise<unknown> = Promise.resolve();
  private exit: Promise<void>;

  private constructor(
    readonly opts: LinphonecOptions,
    readonly dir: string,
    /** The local RTP port of its audio stream (RTCP on the next). */
    readonly rtpPort: number,
    private readonly child: ChildProcess,
  ) {
    this.exit = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout!.on('data', (d: Buffer) => this.onOutput(d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => this.onOutput(d.toString('utf8')));
  }

  get aor(): string {
    return `sip:${this.opts.user}@${this.opts.domain}`;
  }

  /** What the phone heard, written by linphone's file recorder (complete once the call ended). */
  get recordFile(): string {
    return join(this.dir, 'heard.wav');
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  static async start(opts: LinphonecOptions): Promise<Linphonec> {
    const dir = mkdtempSync(join(tmpdir(), 'linphonec-'));
    // liblinphone opens its databases under $HOME/.local/share/linphone; when that folder is
    // missing the core never creates its SIP sockets ("No listening point matching").
    mkdirSync(join(dir, '.local', 'share', 'linphone'), { recursive: true });
    const sipPort = await freePort();
    const [rtpPort] = await freePortRun(2); // RTP and RTCP
    const rc = join(dir, 'linphonerc');
    writeFileSync(rc, rcText({ ...opts, sipPort, rtpPort: rtpPort! }));
    const life = String(opts.lifetimeSeconds ?? 240);
    const logArgs = opts.sipLog ? ['-d', '6', '-l', join(dir, 'linphone.log')] : ['-d', '0'];
    const child = spawn('timeout', ['-k', '5', life, 'linphonec', '-c', rc, ...logArgs], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } });
    const phone = new Linphonec(opts, dir, rtpPort!, child);
    try {
      await phone.waitPrompt(0, 10_000);
      await phone.command('soundcard use files');
      await phone.command(`play ${opts.sourceWav}`);
      await phone.command(`record ${phone.recordFile}`);
    } catch (e) {
      await phone.stop();
      throw e;
    }
    return phone;
  }

  private onOutput(text: string): void {
    const all = this.partial + text;
    const parts = all.split('\n');
    this.partial = parts.pop() ?? '';
    for (let line of parts) {
      while (line.startsWith(PROMPT)) {
        this.prompts++;
        line = line.slice(PROMPT.length);
      }
      if (line.trim()) this.lines.push(line);
    }
    // The prompt is printed without a newline; count it as soon as it is complete.
    while (this.partial.startsWith(PROMPT)) {
      this.prompts++;
      this.partial = this.partial.slice(PROMPT.length);
    }
  }

  private async waitPrompt(after: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.prompts <= after) {
      if (!this.running) throw new LinphonecError(`linphonec ${this.aor} exited\n${this.lines.slice(-15).join('\n')}`);
      if (Date.now() > deadline) throw new LinphonecError(`linphonec ${this.aor}: no prompt in ${timeoutMs} ms\n${this.lines.slice(-15).join('\n')}`);
      await sleep(20);
    }
  }

  /** Types one line at the prompt and waits until linphonec has run it (the next prompt). */
  command(line: string, timeoutMs = 5000): Promise<void> {
    const run = async () => {
      const before = this.prompts;
      this.child.stdin!.write(line + '\n');
      await this.waitPrompt(before, timeoutMs);
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** The first output line (from index `from`) that matches. */
  async waitLine(re: RegExp, timeoutMs = 10_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find((l) => re.test(l));
      if (hit) return hit;
      if (!this.running) throw new LinphonecError(`linphonec ${this.aor} exited while waiting for ${re}\n${this.lines.slice(-15).join('\n')}`);
      if (Date.now() > deadline) throw new LinphonecError(`linphonec ${this.aor}: no ${re} in ${timeoutMs} ms\n${this.lines.slice(-15).join('\n')}`);
      await sleep(20);
    }
  }

  /** Polls `status register` until the default proxy says registered. */
  async waitRegistered(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const from = this.lines.length;
      await this.command('status register');
      if (this.lines.slice(from).some((l) => /^registered, identity=/.test(l))) return;
      if (Date.now() > deadline) throw new LinphonecError(`linphonec ${this.aor} not registered in ${timeoutMs} ms\n${this.lines.slice(-15).join('\n')}`);
      await sleep(200);
    }
  }

  async dial(uri: string): Promise<void> {
    await this.command(`call ${uri}`);
  }

  /** Waits for an incoming call (announced at or after output line `from`), answers it and waits for its media to run. */
  async answer(timeoutMs = 10_000, from = 0): Promise<string> {
    const incoming = await this.waitLine(/^Receiving new incoming call from /, timeoutMs, from);
    const after = this.lines.length;
    await this.command('answer');
    await this.waitLine(/^Media streams established with /, timeoutMs, after);
    return incoming;
  }

  /** Digits typed at the prompt are sent as DTMF in the current call. */
  async sendDtmf(digits: string): Promise<void> {
    if (!/^[0-9#*]+$/.test(digits)) throw new RangeError(`not DTMF digits: ${digits}`);
    await this.command(digits);
  }

  /** Digits received so far ("Receiving tone X from ..."). */
  dtmfReceived(): string {
    return this.lines.map((l) => /^Receiving tone (.) from /.exec(l)?.[1] ?? '').join('');
  }

  async hangup(): Promise<void> {
    await this.command('terminate');
  }

  /** liblinphone's log so far (with `sipLog`), or ''. */
  sipLogText(): string {
    const f = join(this.dir, 'linphone.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  recording(): Buffer {
    if (!existsSync(this.recordFile)) throw new LinphonecError(`linphonec ${this.aor}: no recording at ${this.recordFile}`);
    return readFileSync(this.recordFile);
  }

  /**
   * `quit` at the prompt; after `graceMs` SIGTERM (which `timeout` passes on to linphonec),
   * and SIGKILL 2 s later.
   */
  async stop(graceMs = 3000): Promise<void> {
    if (this.running) {
      this.child.stdin!.write('quit\n');
      const term = setTimeout(() => this.child.kill('SIGTERM'), graceMs);
      const kill = setTimeout(() => this.child.kill('SIGKILL'), graceMs + 2000);
      await this.exit;
      clearTimeout(term);
      clearTimeout(kill);
    }
  }

  async dispose(): Promise<void> {
    await this.stop(1000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function rcText(c: LinphonecOptions & { sipPort: number; rtpPort: number }): string {
  return [
    '[sip]',
    `sip_port=${c.sipPort}`,
    'sip_tcp_port=0',
    'sip_tls_port=0',
    'default_proxy=0',
    'register_only_when_network_is_up=0',
    '',
    '[rtp]',
    `audio_rtp_port=${c.rtpPort}`,
    '',
    '[sound]',
    'echocancellation=0',
    '',
    '[video]',
    'automatically_initiate=0',
    'automatically_accept=0',
    '',
    '[proxy_0]',
    `reg_proxy=<sip:${c.proxy.host}:${c.proxy.port}>`,
    `reg_identity=sip:${c.user}@${c.domain}`,
    'reg_expires=300',
    'reg_sendregister=1',
    '',
    '[auth_info_0]',
    `username=${c.user}`,
    `userid=${c.user}`,
    `passwd=${c.password}`,
    `realm=${c.domain}`,
    `domain=${c.domain}`,
    '',
  ].join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
