// Kamailio 5.6 started as the call reference: the register bench's KamailioServer (foreground,
// own pid file and runtime dir, kamcmd over a ctl socket) with the proxy config of
// kamailio-proxy-config.mjs instead of the registrar-only one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KamailioServer, kamailioVersion } from '../../register/lib/kamailio-server.mjs';
import { kamailioProxyCfg, writeSubscriberDb } from './kamailio-proxy-config.mjs';

export class KamailioProxyServer extends KamailioServer {
  /** @param {{ dir: string, host: string, port: number, children: number, users: object[], repoRoot: string, rtpengine?: string, shmMB?: number, memManager?: 'qm' | 'tlsf', log: (s: string) => void }} o */
  constructor(o) {
    super({ memManager: 'tlsf', ...o });
    this.name = 'kamailio';
  }

  prepare() {
    const { dir, users, repoRoot } = this.o;
    mkdirSync(join(dir, 'run'), { recursive: true });
    this.dbFile = join(dir, 'subscriber.sqlite');
    rmSync(this.dbFile, { force: true });
    writeSubscriberDb(this.dbFile, users, repoRoot);
    this.cfgFile = join(dir, 'kamailio.cfg');
    writeFileSync(
      this.cfgFile,
      kamailioProxyCfg({ host: this.host, port: this.port, children: this.o.children, dbFile: this.dbFile, ctlSocket: this.ctlSocket, rtpengine: this.o.rtpengine }),
    );
    execFileSync('kamailio', ['-c', '-f', this.cfgFile], { stdio: 'pipe', timeout: 30_000 });
    return undefined;
  }

  describe() {
    return [
      `Kamailio ${kamailioVersion()}, \`children=${this.o.children}\` (UDP workers on ${this.host}:${this.port}), shm ${this.o.shmMB} MB (\`-x ${this.o.memManager}\`), pkg ${this.o.pkgMB} MB per process`,
      'stateful proxy: tm (`t_relay`), rr (`record_route`, `loose_route`), registrar + usrloc in memory (`lookup("location")`), REGISTER with `www_authorize`, INVITE with `proxy_authorize` (407, qop=auth) against auth_db over db_sqlite, `is_subscriber` for 404',
      this.o.rtpengine ? `media anchored on rtpengine via \`rtpengine_manage()\` (${this.o.rtpengine})` : 'no media anchoring: RTP goes end to end between the SIPp instances',
    ];
  }
}
