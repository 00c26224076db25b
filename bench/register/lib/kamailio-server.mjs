// Starts the generated Kamailio in the foreground (-DD: no daemon, -E: log to stderr) with its
// own pid file and runtime dir; never the system service. Stats through kamcmd over the ctl
// socket in that runtime dir.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopTracked } from './children.mjs';
import { kamailioCfg, writeSubscriberDb } from './kamailio-config.mjs';
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

  prepare() {
    const { dir, users, repoRoot } = this.o;
    mkdirSync(join(dir, 'run'), { recursive: true });
    this.dbFile = join(dir, 'subscriber.sqlite');
    writeSubscriberDb(this.dbFile, users, repoRoot);
    this.cfgFile = join(dir, 'kamailio.cfg');
    writeFileSync(
      this.cfgFile,
      kamailioCfg({ host: this.host, port: this.port, children: this.o.children, dbFile: this.dbFile, ctlSocket: this.ctlSocket }),
    );
    // kamailio -c parses the config and loads the modules without starting anything.
    execFileSync('kamailio', ['-c', '-f', this.cfgFile], { stdio: 'pipe', timeout: 30_000 });
  }

  describe() {
    return [
      `Kamailio ${kamailioVersion()}, \`children=${this.o.children}\` (UDP workers on 127.0.0.1:${this.port}), shm ${this.o.shmMB} MB, pkg ${this.o.pkgMB} MB per process, \`-x ${this.o.memManager}\``,
      'modules: sl, tm, tmx, pv, maxfwd, textops, siputils, xlog, kex, corex, ctl, usrloc, registrar, auth, auth_db, db_sqlite',
      'auth_db over db_sqlite: 10,000 subscribers (username, domain, password; `calculate_ha1=1`, `use_domain=1`, unique index on username+domain); `www_authorize("$td", "subscriber")`, realm = To domain, challenge with qop=auth',
      'usrloc `db_mode=0` (contacts in shared memory only), `use_domain=1`; `save("location")`; stateless replies (sl), no transaction kept',
    ];
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
