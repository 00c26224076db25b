import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TestExtension {
  ext: string;
  password: string;
  name?: string;
  /** Issue 4: what the extension may dial outside (the server's default: national). */
  classOfService?: 'internal' | 'local' | 'national' | 'international' | 'premium';
  /** Issue 4: E.164 outbound caller ID. */
  callerId?: string;
  /** More keys of the extension's flow mapping, as YAML (e.g. 'voicemail: { mwi: unsolicited }'). */
  extraKeys?: string;
}

export interface TestTenant {
  id: string;
  domains: string[];
  extensions: TestExtension[];
  limits?: Record<string, number>;
  /**
   * YAML appended to the tenant file as written (top-level keys: countryCode, dids, trunks,
   * ringGroups, inboundRoutes, outboundRoutes, ...).
   */
  extraYaml?: string;
}

export interface PbxProcessOptions {
  tenants: TestTenant[];
  /** Which listeners to open; udp, tcp and tls by default (ws and wss, RFC 7118, only when named). */
  transports?: Array<'udp' | 'tcp' | 'tls' | 'ws' | 'wss'>;
  /** YAML lines appended to pbx.yaml (security, registrar, ...). */
  extraYaml?: string;
  /** YAML lines added inside the `sip:` block, indented by two spaces (e.g. `tcp: { maxConnections: 50 }`). */
  sipYaml?: string[];
  /** Keep using this directory (for restarts with the same data). */
  dir?: string;
  /** api.adminToken in pbx.yaml (issue 5); none by default. */
  adminToken?: string;
  /** Environment variables given to the server on top of the test's own. */
  env?: Record<string, string>;
}

export function tenantYaml(t: TestTenant): string {
  const lines = [`id: ${t.id}`, `name: ${t.id} test tenant`, `domains: [ ${t.domains.join(', ')} ]`];
  if (t.limits) lines.push(`limits: { ${Object.entries(t.limits).map(([k, v]) => `${k}: ${v}`).join(', ')} }`);
  lines.push('extensions:');
  for (const e of t.extensions) {
    const more = [e.classOfService ? `, classOfService: ${e.classOfService}` : '', e.callerId ? `, callerId: "${e.callerId}"` : '', e.extraKeys ? `, ${e.extraKeys}` : ''].join('');
    lines.push(`  - { ext: "${e.ext}", name: "${e.name ?? e.ext}", password: "${e.password}"${more} }`);
  }
  if (t.extraYaml) lines.push(t.extraYaml.replace(/\n+$/, ''));
  return lines.join('\n') + '\n';
}

/**
 * The real server, started as `pbx serve` in a child process on loopback ports with a
 * config written to a temp directory. Tests talk to it only over the network.
 */
export class PbxProcess {
  readonly logs: string[] = [];
  private child: ChildProcess | undefined;
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;

  private constructor(
    readonly dir: string,
    readonly ports: { udp: number; tcp: number; tls: number; ws?: number; wss?: number },
    readonly configFile: string,
    /** The admin API's port (api.listen is always written, on a free port, unless extraYaml has its own `api:`). */
    readonly apiPort: number,
    private readonly env: Record<string, string> = {},
  ) {}

  /** `http://127.0.0.1:<apiPort>/api/v1`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}/api/v1`;
  }

  static async create(opts: PbxProcessOptions): Promise<PbxProcess> {
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'pbx-it-'));
    mkdirSync(join(dir, 'tenants'), { recursive: true });
    const sipPort = await freePort();
    const tlsPort = await freePort();
    const apiPort = await freePort();
    const ownApi = /^api:/m.test(opts.extraYaml ?? '');
    const transports = opts.transports ?? ['udp', 'tcp', 'tls'];
    const listen: string[] = [];
    if (transports.includes('udp')) listen.push(`"udp://127.0.0.1:${sipPort}"`);
    if (transports.includes('tcp')) listen.push(`"tcp://127.0.0.1:${sipPort}"`);
    if (transports.includes('tls')) listen.push(`"tls://127.0.0.1:${tlsPort}"`);
    const wsPort = transports.includes('ws') ? await freePort() : undefined;
    const wssPort = transports.includes('wss') ? await freePort() : undefined;
    if (wsPort !== undefined) listen.push(`"ws://127.0.0.1:${wsPort}"`);
    if (wssPort !== undefined) listen.push(`"wss://127.0.0.1:${wssPort}"`);
    const yaml = [
      'dataDir: data',
      'tenantsDir: tenants',
      'sip:',
      `  listen: [ ${listen.join(', ')} ]`,
      '  publicAddress: 127.0.0.1',
      `  tls: { cert: ${join(REPO, 'test/fixtures/tls/test.crt')}, key: ${join(REPO, 'test/fixtures/tls/test.key')} }`,
      ...(opts.sipYaml ?? []).map((l) => `  ${l}`),
      'log: { level: debug }',
      ...(ownApi ? [] : ['api:', `  listen: "127.0.0.1:${apiPort}"`, ...(opts.adminToken !== undefined ? [`  adminToken: "${opts.adminToken}"`] : [])]),
      opts.extraYaml ?? '',
    ].join('\n');
    const configFile = join(dir, 'pbx.yaml');
    writeFileSync(configFile, yaml + '\n');
    for (const t of opts.tenants) writeFileSync(join(dir, 'tenants', `${t.id}.yaml`), tenantYaml(t));
    const wsPorts = { ...(wsPort !== undefined ? { ws: wsPort } : {}), ...(wssPort !== undefined ? { wss: wssPort } : {}) };
    return new PbxProcess(dir, { udp: sipPort, tcp: sipPort, tls: tlsPort, ...wsPorts }, configFile, apiPort, opts.env);
  }

  static async start(opts: PbxProcessOptions): Promise<PbxProcess> {
    const p = await PbxProcess.create(opts);
    await p.start();
    return p;
  }

  writeTenantFile(id: string, text: string): void {
    writeFileSync(join(this.dir, 'tenants', `${id}.yaml`), text);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const fromLine = this.logs.length; // after a restart, wait for this run's "ready", not the last one's
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'serve', '--config', this.configFile], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.env, NO_COLOR: '1' },
    });
    this.child = child;
    const onData = (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n')) if (line.trim()) this.logs.push(line);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // 60 s: a start under tsx compiles the whole server, which takes long on a loaded machine;
    // a server that is not ready by then is killed, so a failed start never leaves a child
    // that keeps the test process alive.
    let ready: boolean;
    try {
      ready = await Promise.race([this.waitForLog(/ ready listen=/, 60_000, fromLine).then(() => true), this.exit.then(() => false)]);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
    if (!ready) throw new Error(`pbx exited during start:\n${this.logs.join('\n')}`);
  }

  /** Resolves with the first log line (already seen or to come) that matches. */
  async waitForLog(re: RegExp, timeoutMs = 10_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.logs.slice(from).find((l) => re.test(l));
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`timed out waiting for log ${re}; last lines:\n${this.logs.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  signal(sig: NodeJS.Signals): void {
    this.child?.kill(sig);
  }

  /** Stop with a signal and wait for the exit. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.child || !this.exit) return { code: null, signal: null };
    if (!this.running) return this.exit;
    this.child.kill(sig);
    const t = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    const r = await this.exit;
    clearTimeout(t);
    return r;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stop (if running) and delete the temp directory. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
