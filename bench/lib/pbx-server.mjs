// Starts this repository's PBX: `node bin/pbx serve --config <tmp>/pbx.yaml`, building dist/
// first when dist/cli/main.js is missing. Ready when it answers OPTIONS; stopped with SIGTERM.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopTracked } from './children.mjs';
import { writePbxConfig } from './tenant-data.mjs';
import { processTree } from './proc-stats.mjs';
import { waitForSip } from './probe.mjs';

/** Newest modification time (ms) of the .ts files under dir, tests excluded; bounded walk. */
function newestMtime(dir) {
  let newest = 0;
  const stack = [dir];
  let seen = 0;
  while (stack.length > 0 && seen < 20_000) {
    const d = stack.pop();
    let entries = [];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      seen++;
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

export class PbxServer {
  /** @param {{ dir: string, host: string, port: number, users: object[], repoRoot: string, bin?: string, sipExtra?: string[], log: (s: string) => void }} o */
  constructor(o) {
    this.o = o;
    this.name = 'pbx';
    this.host = o.host;
    this.port = o.port;
    this.bin = o.bin ?? join(o.repoRoot, 'bin', 'pbx');
    this.child = undefined;
  }

  /** Writes the config; returns undefined when ready to start, or why the PBX cannot run yet. */
  prepare() {
    this.configFile = writePbxConfig(this.o.dir, this.o.users, { host: this.host, port: this.port, sipExtra: this.o.sipExtra ?? [] });
    if (!existsSync(this.bin)) return `${this.bin} does not exist yet`;
    const main = join(this.o.repoRoot, 'dist', 'cli', 'main.js');
    // Build when dist/ is missing or older than the sources: never measure yesterday's code.
    if (!existsSync(main) || newestMtime(join(this.o.repoRoot, 'src')) > statSync(main).mtimeMs) {
      this.o.log(existsSync(main) ? 'dist/ is older than src/: npm run build ...' : 'dist/cli/main.js missing: npm run build ...');
      let failure = '';
      try {
        execFileSync('npm', ['run', 'build'], { cwd: this.o.repoRoot, stdio: 'pipe', timeout: 300_000 });
      } catch (err) {
        const out = String(err.stdout ?? '') + String(err.stderr ?? '');
        failure = out.trim().split('\n').slice(-5).join(' | ') || err.message;
      }
      if (!existsSync(main)) return `npm run build did not produce dist/cli/main.js${failure ? `: ${failure}` : ' (no src/cli/main.ts yet?)'}`;
      // tsc still emits when it reports type errors: run it, but say so in the results.
      if (failure) this.buildWarning = `npm run build reported errors (dist/ was emitted anyway): ${failure}`;
    }
    return undefined;
  }

  describe() {
    return [
      ...(this.buildWarning ? [this.buildWarning] : []),
      `this repository's PBX, \`node bin/pbx serve\` (Node ${process.version}), one process, UDP on ${this.host}:${this.port}`,
      `config: 100 tenant YAML files (one domain and 100 extensions each), \`auth.algorithms: [MD5]\`, \`security.trusted: [127.0.0.0/8]\`, \`floodRate: 0\`, \`log.level: warn\`${(this.o.sipExtra ?? []).map((l) => `, \`sip.${l}\``).join('')}`,
    ];
  }

  async start() {
    const logFile = join(this.o.dir, 'pbx.log');
    // --expose-gc lets the PBX collect garbage before it reports (SIGUSR2), so the memory
    // measured is what it keeps, not garbage a lazy collector has not reclaimed yet.
    this.logFile = logFile;
    this.child = spawnTracked(process.execPath, ['--expose-gc', this.bin, 'serve', '--config', this.configFile], {
      cwd: this.o.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = createWriteStream(logFile);
    this.child.stdout.pipe(out);
    this.child.stderr.pipe(out);
    let alive = true;
    void this.child.exited.then(() => (alive = false));
    // Applying 100 tenant files may take a while on first start.
    const answer = await waitForSip(this.host, this.port, { timeoutMs: 60_000, domain: 't000.bench', isAlive: () => alive });
    if (!answer) throw new Error(`PBX did not answer OPTIONS on ${this.host}:${this.port} (log: ${logFile})`);
    this.o.log(`pbx up (pid ${this.child.pid}): ${answer}`);
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

  /**
   * Before a memory reading: SIGUSR2 makes the PBX run a full GC and log a stats line
   * (contacts, transactions, heap); wait for that line.
   */
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
        this.lastStats = { contacts: num('contacts'), heapUsed: num('heapUsedBytes'), serverTransactions: num('serverTransactions') };
        await new Promise((r) => setTimeout(r, 500)); // let the freed pages settle
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  statsLines() {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').filter((l) => / stats /.test(l));
    } catch {
      return [];
    }
  }

  async stop() {
    if (this.child) await stopTracked(this.child, 10_000);
    this.child = undefined;
  }
}
