// Kamailio 5.6 started as the call reference: bench/lib's KamailioServer (foreground,
// own pid file and runtime dir, kamcmd over a ctl socket) with the proxy config of
// kamailio-proxy-config.mjs instead of the registrar-only one.
import { KamailioServer, kamailioVersion } from '../../lib/kamailio-server.mjs';
import { kamailioProxyCfg } from './kamailio-proxy-config.mjs';

export class KamailioProxyServer extends KamailioServer {
  /** @param {{ dir: string, host: string, port: number, children: number, users: object[], repoRoot: string, rtpengine?: string, shmMB?: number, memManager?: 'qm' | 'tlsf', log: (s: string) => void }} o */
  constructor(o) {
    super({ memManager: 'tlsf', ...o });
    this.name = 'kamailio';
  }

  configText(o) {
    return kamailioProxyCfg({ ...o, rtpengine: this.o.rtpengine });
  }

  describe() {
    return [
      `Kamailio ${kamailioVersion()}, \`children=${this.o.children}\` (UDP workers on ${this.host}:${this.port}), shm ${this.o.shmMB} MB (\`-x ${this.o.memManager}\`), pkg ${this.o.pkgMB} MB per process`,
      'stateful proxy: tm (`t_relay`), rr (`record_route`, `loose_route`), registrar + usrloc in memory (`lookup("location")`), REGISTER with `www_authorize`, INVITE with `proxy_authorize` (407, qop=auth) against auth_db over db_sqlite, `is_subscriber` for 404',
      this.o.rtpengine ? `media anchored on rtpengine via \`rtpengine_manage()\` (${this.o.rtpengine})` : 'no media anchoring: RTP goes end to end between the SIPp instances',
    ];
  }
}
