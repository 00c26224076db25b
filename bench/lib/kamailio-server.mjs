// The Kamailio references of the benches (register: bench/register/lib/kamailio-registrar.mjs;
// calls: bench/calls/lib/kamailio-proxy-server.mjs). Starts the generated Kamailio in the foreground (-DD: no daemon, -E: log to stderr) with its
// own pid file and runtime dir; never the system service. Stats through kamcmd over the ctl
// socket in that runtime dir.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopTracked } from './children.mjs';
import { writeSubscriberDb } from './kamailio-config.mjs';
import { processTree } from './proc-stats.mjs';
import { waitForSip } from './probe.mjs';

export class KamailioServer {
  /**
   * memManager: Kamailio's shared/private memory allocator (-x); tlsf by default for every bench
   * that measures Kamailio (register and calls), the allocator its packagers recommend under load.
   * @param {{ dir: string, host: string, port: number, children: number, users: object[], repoRoot: string, shmMB?: number, pkgMB?: number, memManager?: 'qm' | 'tlsf', log: (s: string) => void }} o
   */
  constructor(o) {
    this.o = { shmMB: 64, pkgMB: 8, memManager: 'tlsf', ...o };
    this.name = 'kamailio';
    this.host = o.host;
    this.port = o.port;
    this.child = undefined;
    this.ctlSocket = join(o.dir, 'run', 'kamailio_ctl');
  }

  /**
   * Writes the subscriber database and the config (configText(), the subclass's: registrar or
   * proxy) into the run's directory and has Kamailio check it.
   */
  prepare() {
    const { dir, users, repoRoot } = this.o;
    mkdirSync(join(dir, 'run'), { recursive: true });
    this.dbFile = join(dir, 'subscriber.sqlite');
    rmSync(this.dbFile, { force: true });
    writeSubscriberDb(this.dbFile, users, repoRoot);
    this.cfgFile = join(dir, 'kamailio.cfg');
    writeFileSync(this.cfgFile, this.configText({ host: this.host, port: this.port, children: this.o.children, dbFile: this.dbFile, ctlSocket: this.ctlSocket }));
    // kamailio -c parses the config and loads the modules without starting anything.
    execFileSync('kamailio', ['-c', '-f', this.cfgFile], { stdio: 'pipe', timeout: 30_000 });
  }

  /** @returns {string} the kamailio.cfg text (a subclass's: KamailioRegistrar, KamailioProxyServer) */
  configText(_o) {
    throw new Error('KamailioServer: a subclass gives configText()');
  }

  /** @returns {string[]} the lines that describe this reference in RESULTS.md */
  describe() {
    return [`Kamailio ${kamailioVersion()}`];
  }

  async start() {
    const logFile = join(this.o.dir, 'kamailio.log');
    const args = ['-f', this.cfgFile, '-P', join(this.o.dir, 'run', 'kamailio.pid'), '-Y', join(this.o.dir, 'run'), '-DD', '-E', '-m', String(this.o.shmMB), '-M', String(this.o.pkgMB), '-x', this.o.memManager];
    this.child = spawnTracked('kamailio', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const out = createWriteStream(logFile);
    this.child.stderr.pipe(out);
    let alive = true;
    void this.child.exited.then(() => (alive = false));
    const answer = await waitForSip(this.host, this.port, { timeoutMs: 30_000, domain: 't000.bench', isAlive: () => alive });
    if (!answer) throw new Error(`Kamailio did not answer OPTIONS on ${this.host}:${this.port} (log: ${logFile})`);
    this.o.log(`kamailio up (pid ${this.child.pid}, -x ${this.o.memManager}): ${answer}`);
  }

  pids() {
    return this.child ? processTree(this.child.pid) : [];
  }

  kamcmd(...cmd) {
    try {
      return execFileSync('kamcmd', ['-s', `unix:${this.ctlSocket}`, ...cmd], { encoding: 'utf8', timeout: 10_000 });
    } catch {
      return '';
    }
  }

  /** Kamailio's own view of shared memory (bytes handed out by its allocator, headers included). */
  shmUsed() {
    const m = /real_used:\s*(\d+)/.exec(this.kamcmd('core.shmmem'));
    return m ? Number(m[1]) : undefined;
  }

  /** Contacts in usrloc, from its statistics (the group query; a single name prints nothing). */
  registeredContacts() {
    const m = /usrloc:location_contacts\s*=\s*(\d+)/.exec(this.kamcmd('stats.get_statistics', 'usrloc:'));
    return m ? Number(m[1]) : undefined;
  }

  async stop() {
    if (this.child) await stopTracked(this.child, 5000);
    this.child = undefined;
  }
}

export function kamailioVersion() {
  try {
    return /version:\s*kamailio\s+(\S+)/.exec(execFileSync('kamailio', ['-v'], { encoding: 'utf8', timeout: 10_000 }))?.[1] ?? '?';
  } catch {
    return 'not installed';
  }
}
