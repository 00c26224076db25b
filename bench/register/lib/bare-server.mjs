// Starts bench/register/bare-registrar.mjs (the bare Node registrar: the floor of Node's UDP path
// plus the digest's MD5s) as a child under the bench's Node, with the same users as the other
// servers. Ready when it answers OPTIONS; SIGUSR2 makes it GC and report its contacts and heap.
import { createWriteStream, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopTracked } from '../../lib/children.mjs';
import { processTree } from '../../lib/proc-stats.mjs';
import { waitForSip } from '../../lib/probe.mjs';

export class BareServer {
  /** @param {{ dir: string, host: string, port: number, threads: number, users: object[], repoRoot: string, log: (s: string) => void }} o */
  constructor(o) {
    this.o = o;
    this.name = `bare-t${o.threads}`;
    this.host = o.host;
    this.port = o.port;
    this.child = undefined;
  }

  prepare() {
    mkdirSync(this.o.dir, { recursive: true });
    this.usersFile = join(this.o.dir, 'users.csv');
    writeFileSync(this.usersFile, this.o.users.map((u) => `${u.ext};${u.domain};${u.password}`).join('\n') + '\n');
    return undefined;
  }

  describe() {
    const t = this.o.threads;
    return [
      `bench/register/bare-registrar.mjs (Node ${process.version}, plain JS, no project code), UDP on ${this.host}:${this.port}, ` +
        (t === 1 ? 'one thread (the main one)' : `${t} worker threads, each with its own socket bound with SO_REUSEPORT (the kernel picks the thread by source address and port)`),
      'per REGISTER: headers found with indexOf, 401 with a nonce = time stamp + md5(secret:stamp), on return the nonce hash and age checked and the MD5 qop=auth response checked against HA1 from a Map of the same users, contact kept in a Map (one per address of record), 200 with Contact;expires; no transactions, nothing logged',
    ];
  }

  async start() {
    const script = join(this.o.repoRoot, 'bench', 'register', 'bare-registrar.mjs');
    this.logFile = join(this.o.dir, 'bare.log');
    this.child = spawnTracked(process.execPath, ['--expose-gc', script, '--host', this.host, '--port', String(this.port), '--users', this.usersFile, '--threads', String(this.o.threads)], {
      cwd: this.o.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = createWriteStream(this.logFile);
    this.child.stdout.pipe(out);
    this.child.stderr.pipe(out);
    let alive = true;
    void this.child.exited.then(() => (alive = false));
    const answer = await waitForSip(this.host, this.port, { timeoutMs: 20_000, domain: 't000.bench', isAlive: () => alive });
    if (!answer) throw new Error(`bare registrar did not answer OPTIONS on ${this.host}:${this.port} (log: ${this.logFile})`);
    this.o.log(`bare registrar up (pid ${this.child.pid}, ${this.o.threads} thread${this.o.threads > 1 ? 's' : ''}): ${answer}`);
  }

  pids() {
    return this.child ? processTree(this.child.pid) : [];
  }

  shmUsed() {
    return undefined;
  }

  registeredContacts() {
    return this.lastStats?.contacts;
  }

  /** SIGUSR2: a full GC in every thread, then `stats contacts=N heapUsedBytes=H` on stdout. */
  async prepareMeasure() {
    if (!this.child) return;
    const before = this.statsLines().length;
    process.kill(this.child.pid, 'SIGUSR2');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const lines = this.statsLines();
      if (lines.length > before) {
        const line = lines[lines.length - 1];
        const num = (k) => Number(new RegExp(`\\b${k}=(\\d+)`).exec(line)?.[1]);
        this.lastStats = { contacts: num('contacts'), heapUsed: num('heapUsedBytes'), perThread: /datagramsPerThread=([\d/]+)/.exec(line)?.[1] };
        await new Promise((r) => setTimeout(r, 500));
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** After the ramp: how the datagrams were spread over the threads (SO_REUSEPORT hashes by source). */
  async rampNotes() {
    if (this.o.threads === 1) return [];
    await this.prepareMeasure();
    const counts = (this.lastStats?.perThread ?? '').split('/').map(Number);
    const total = counts.reduce((a, b) => a + b, 0);
    if (!total) return [];
    const shares = counts.map((c) => `${((100 * c) / total).toFixed(0)} %`).join(' / ');
    return [`datagrams received per thread over the whole run: ${counts.join(' / ')} (${shares})${Math.max(...counts) > 0.9 * total ? ': the kernel put (nearly) all the load on one thread, so this is a one-thread figure' : ''}`];
  }

  statsLines() {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').filter((l) => l.startsWith('stats '));
    } catch {
      return [];
    }
  }

  async stop() {
    if (this.child) await stopTracked(this.child, 5000);
    this.child = undefined;
  }
}
