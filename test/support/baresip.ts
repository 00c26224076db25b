// Debian's baresip (baresip-core 1.0, libre 1.1) as a real softphone for integration tests:
// each instance gets a temp config dir (`baresip -f DIR`) with no sound card: a WAV file is
// its microphone (aufile), what it hears is written to WAV files by the sndfile filter, and
// the test steers it through the ctrl_tcp module (netstring-framed JSON commands, responses
// and events on a loopback TCP port).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freePortRun } from './ports.js';

export interface BaresipOptions {
  user: string;
  domain: string;
  password: string;
  /** The server, used as outbound proxy over UDP: every request goes there. */
  proxy: { host: string; port: number };
  /** The WAV played as microphone; it must have the codec's sample rate and channels. */
  sourceWav: string;
  /** Audio codecs offered, as baresip names them: `PCMU/8000/1`, `opus/48000/2`. */
  codecs: string[];
  /** The transport to the server (default udp); tls uses the server's TLS port in `proxy`. */
  transport?: 'udp' | 'tls';
  /** SDES-SRTP (baresip's srtp module): `srtp` best effort (RTP/AVP + a=crypto), `srtp-mand` RTP/SAVP. */
  mediaenc?: 'srtp' | 'srtp-mand';
  /** baresip quits by itself after this long (`-t`), so a killed test leaves no phone behind; 240 s by default. */
  lifetimeSeconds?: number;
  /** Contacts whose presence the phone watches (baresip's presence module, `;presence=p2p`): URIs like `sip:1002@acme.example`. */
  watch?: string[];
}

/** A ctrl_tcp event, e.g. `{ type: 'CALL_INCOMING', class: 'call', param: 'sip:1001@…' }`. */
export interface BaresipEvent {
  type: string;
  class?: string;
  param?: string;
  id?: string;
  [k: string]: unknown;
}

export class BaresipError extends Error {}

/** The modules a headless phone needs, all from /usr/lib/baresip/modules. */
const MODULES = ['g711.so', 'opus.so', 'aufile.so', 'sndfile.so'];

export class Baresip {
  readonly events: BaresipEvent[] = [];
  readonly logs: string[] = [];
  private buf = Buffer.alloc(0);
  private pending = new Map<string, { resolve: (r: { ok: boolean; data: string }) => void }>();
  private nextToken = 1;
  private exit: Promise<void>;

  private constructor(
    readonly opts: BaresipOptions,
    readonly dir: string,
    private readonly child: ChildProcess,
    private sock: Socket | undefined,
  ) {
    this.exit = new Promise((resolve) => child.once('exit', () => resolve()));
    const onData = (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n')) if (line.trim()) this.logs.push(line.replace(/\x1b\[[0-9;]*m/g, ''));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  }

  /** The account's address of record. */
  get aor(): string {
    return `sip:${this.opts.user}@${this.opts.domain}`;
  }

  /** Where the sndfile filter writes `dump-<time>-dec.wav` (heard) and `-enc.wav` (sent). */
  get recordDir(): string {
    return join(this.dir, 'rec');
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  static async start(opts: BaresipOptions): Promise<Baresip> {
    const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
    mkdirSync(join(dir, 'rec'));
    // baresip 1.0 always opens UDP and TCP on the sip_listen port and TLS on the port above it.
    const [sipPort] = await freePortRun(2);
    const ctrlPort = await freePort();
    writeFileSync(join(dir, 'config'), configText({ sipPort: sipPort!, ctrlPort, sourceWav: opts.sourceWav, recordDir: join(dir, 'rec'), presence: (opts.watch?.length ?? 0) > 0, srtp: opts.mediaenc !== undefined }));
    if (opts.watch) writeFileSync(join(dir, 'contacts'), opts.watch.map((u) => `<${u}>;presence=p2p\n`).join(''));
    // Account parameters (baresip's accounts file): the server is the outbound proxy, the
    // phone answers only when told, and offers only the codecs the test asks for.
    writeFileSync(
      join(dir, 'accounts'),
      `<sip:${opts.user}@${opts.domain}${opts.transport === 'tls' ? ';transport=tls' : ''}>;auth_pass=${opts.password};outbound="sip:${opts.proxy.host}:${opts.proxy.port}${opts.transport === 'tls' ? ';transport=tls' : ''}";regint=300;answermode=manual;audio_codecs=${opts.codecs.join(',')}${opts.mediaenc ? `;mediaenc=${opts.mediaenc}` : ''}\n`,
    );
    const child = spawn('baresip', ['-f', dir, '-t', String(opts.lifetimeSeconds ?? 240)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } });
    const phone = new Baresip(opts, dir, child, undefined);
    try {
      phone.sock = await phone.connectCtrl(ctrlPort, 10_000);
    } catch (e) {
      await phone.stop();
      throw new BaresipError(`baresip ${phone.aor} did not open its control port: ${(e as Error).message}\n${phone.logs.slice(-20).join('\n')}`);
    }
    return phone;
  }

  private async connectCtrl(port: number, timeoutMs: number): Promise<Socket> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new BaresipError('baresip exited');
      const sock = await new Promise<Socket | undefined>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(undefined));
      });
      if (sock) {
        sock.on('data', (d: Buffer) => this.onCtrlData(d));
        sock.on('error', () => undefined);
        return sock;
      }
      if (Date.now() > deadline) throw new BaresipError(`no listener on 127.0.0.1:${port}`);
      await sleep(50);
    }
  }

  /** Netstrings: `<length>:<json>,` one after another. */
  private onCtrlData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(this.buf.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(len) || len < 0) throw new BaresipError(`bad netstring from baresip: ${this.buf.subarray(0, 40).toString()}`);
      if (this.buf.length < colon + 1 + len + 1) return;
      const body = this.buf.subarray(colon + 1, colon + 1 + len).toString('utf8');
      this.buf = this.buf.subarray(colon + 1 + len + 1);
      const msg = JSON.parse(body) as Record<string, unknown>;
      if (msg.response) {
        const p = this.pending.get(String(msg.token));
        this.pending.delete(String(msg.token));
        p?.resolve({ ok: msg.ok === true, data: String(msg.data ?? '').replace(/\x1b\[[0-9;]*m/g, '') });
      } else if (msg.event) {
        this.events.push(msg as BaresipEvent);
      }
    }
  }

  /** Runs one command (the menu module's long names: dial, accept, hangup, sndcode, ...). */
  async command(command: string, params = '', timeoutMs = 5000): Promise<{ ok: boolean; data: string }> {
    if (!this.sock) throw new BaresipError('not connected');
    const token = `t${this.nextToken++}`;
    const json = Buffer.from(JSON.stringify({ command, params, token }), 'utf8');
    const reply = new Promise<{ ok: boolean; data: string }>((resolve) => this.pending.set(token, { resolve }));
    this.sock.write(Buffer.concat([Buffer.from(`${json.length}:`), json, Buffer.from(',')]));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BaresipError(`baresip ${this.aor}: no answer to '${command}' in ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([reply, timeout]);
    } finally {
      clearTimeout(timer);
      this.pending.delete(token);
    }
  }

  /** Polls `reginfo` until the account is registered (200 OK from the registrar). */
  async waitRegistered(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      last = (await this.command('reginfo')).data;
      if (/\bOK\b.*Expires/.test(last)) return;
      if (Date.now() > deadline) throw new BaresipError(`baresip ${this.aor} not registered in ${timeoutMs} ms: ${last.trim()}\n${this.logs.slice(-15).join('\n')}`);
      await sleep(100);
    }
  }

  /** The first event (already seen or to come, from index `from`) that matches. */
  async waitEvent(type: string, timeoutMs = 10_000, from = 0, match: (e: BaresipEvent) => boolean = () => true): Promise<BaresipEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.slice(from).find((e) => e.type === type && match(e));
      if (hit) return hit;
      if (Date.now() > deadline) {
        throw new BaresipError(`baresip ${this.aor}: no ${type} in ${timeoutMs} ms; events: ${this.events.map((e) => e.type).join(' ')}\n${this.logs.slice(-15).join('\n')}`);
      }
      if (!this.running) throw new BaresipError(`baresip ${this.aor} exited while waiting for ${type}\n${this.logs.slice(-15).join('\n')}`);
      await sleep(20);
    }
  }

  async dial(uri: string): Promise<void> {
    const r = await this.command('dial', uri);
    if (!r.ok) throw new BaresipError(`dial ${uri} refused: ${r.data}`);
  }

  /** Waits for an incoming call and accepts it. */
  async answer(timeoutMs = 10_000): Promise<BaresipEvent> {
    const incoming = await this.waitEvent('CALL_INCOMING', timeoutMs);
    const r = await this.command('accept');
    if (!r.ok) throw new BaresipError(`accept refused: ${r.data}`);
    return incoming;
  }

  /** Sends digits as RFC 4733 telephone-events in the current call. */
  async sendDtmf(digits: string): Promise<void> {
    const r = await this.command('sndcode', digits);
    if (!r.ok) throw new BaresipError(`sndcode ${digits} refused: ${r.data}`);
  }

  /** The digits received so far (one per CALL_DTMF_START event). */
  dtmfReceived(): string {
    return this.events.filter((e) => e.type === 'CALL_DTMF_START').map((e) => e.param ?? '').join('');
  }

  async hangup(): Promise<void> {
    const r = await this.command('hangup');
    if (!r.ok) throw new BaresipError(`hangup refused: ${r.data}`);
  }

  /** The current call's audio stream as `audio_debug` prints it: codec and RTP addresses. */
  async audioStream(): Promise<{ encoder: string; local: string; remote: string }> {
    const data = (await this.command('audio_debug')).data;
    const enc = /encode:\s*(\S+)/.exec(data);
    const addrs = /local:\s*(\S+), remote:\s*([^/\s]+)\//.exec(data);
    if (!enc || !addrs) throw new BaresipError(`audio_debug not understood:\n${data}`);
    return { encoder: enc[1]!, local: addrs[1]!, remote: addrs[2]! };
  }

  /** Bytes of audio recorded so far in the newest recording of `kind` (0 if none yet). */
  recordedBytes(kind: 'dec' | 'enc' = 'dec'): number {
    const f = this.recordingPath(kind);
    return f ? Math.max(0, statSync(f).size - 44) : 0;
  }

  /** The newest recording: `dec` is what the phone heard, `enc` what it sent. */
  recording(kind: 'dec' | 'enc' = 'dec'): Buffer {
    const f = this.recordingPath(kind);
    if (!f) throw new BaresipError(`baresip ${this.aor}: no ${kind} recording in ${this.recordDir}`);
    return readFileSync(f);
  }

  private recordingPath(kind: 'dec' | 'enc'): string | undefined {
    if (!existsSync(this.recordDir)) return undefined;
    const files = readdirSync(this.recordDir).filter((f) => f.endsWith(`-${kind}.wav`)).sort();
    return files.length ? join(this.recordDir, files[files.length - 1]!) : undefined;
  }

  /** SIGTERM (baresip hangs up and unregisters), SIGKILL after `graceMs`; the temp dir stays until dispose(). */
  async stop(graceMs = 3000): Promise<void> {
    this.sock?.destroy();
    if (this.running) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exit;
      clearTimeout(t);
    }
  }

  async dispose(): Promise<void> {
    await this.stop(500);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function configText(c: { sipPort: number; ctrlPort: number; sourceWav: string; recordDir: string; presence?: boolean; srtp?: boolean }): string {
  return [
    'poll_method epoll',
    `sip_listen 127.0.0.1:${c.sipPort}`,
    'call_local_timeout 30',
    'call_max_calls 4',
    // No sound card: the microphone is a file; no audio_player at all, so nothing is played
    // (decoded audio still passes the sndfile filter, which records it).
    `audio_source aufile,${c.sourceWav}`,
    `audio_alert aufile,${c.sourceWav}`,
    'audio_level no',
    'ausrc_format s16',
    'auplay_format s16',
    'auenc_format s16',
    'audec_format s16',
    'audio_buffer 20-160',
    'rtp_tos 0',
    // Below the servers' RTP ranges in this repository's tests (20000 and up), so a phone
    // never takes a port a server is about to open.
    'rtp_ports 10000-19999',
    'rtcp_mux no',
    'jitter_buffer_delay 5-10',
    'rtp_stats no',
    'module_path /usr/lib/baresip/modules',
    ...MODULES.map((m) => `module ${m}`),
    ...(c.srtp ? ['module srtp.so'] : []),
    'module_tmp uuid.so',
    'module_tmp account.so',
    // Watching contacts' presence (SUBSCRIBE Event: presence, PIDF) when the test asks for it.
    ...(c.presence ? ['module_app contact.so', 'module_app presence.so'] : []),
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${c.ctrlPort}`,
    `snd_path ${c.recordDir}`,
    'opus_bitrate 28000',
    '',
  ].join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
