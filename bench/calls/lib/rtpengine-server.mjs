// rtpengine from Debian (package rtpengine-daemon) in userspace mode: no kernel module
// (--table=-1), media on 127.0.0.1, the ng control protocol on a UDP port of loopback; run in the
// foreground in its own process group with no config file, never as the system service.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopTracked } from '../../lib/children.mjs';
import { processTree } from '../../lib/proc-stats.mjs';
import { NgClient } from './ng-client.mjs';

export class RtpengineServer {
  /** @param {{ dir: string, ngPort: number, portMin?: number, portMax?: number, threads?: number, log?: (s: string) => void }} o */
  constructor(o) {
    this.o = { portMin: 30000, portMax: 39999, threads: 1, log: () => {}, ...o };
    this.name = 'rtpengine';
    this.child = undefined;
  }

  describe() {
    return [
      `rtpengine ${rtpengineVersion()} (Debian rtpengine-daemon), userspace only (\`--table=-1\`, no kernel forwarding), \`--num-threads=${this.o.threads}\`, media on 127.0.0.1 ports ${this.o.portMin}-${this.o.portMax}, ng protocol on udp 127.0.0.1:${this.o.ngPort}`,
    ];
  }

  async start() {
    mkdirSync(this.o.dir, { recursive: true });
    const args = [
      '--config-file=none',
      '--foreground',
      '--log-stderr',
      '--log-level=4',
      '--interface=127.0.0.1',
      `--listen-ng=127.0.0.1:${this.o.ngPort}`,
      `--port-min=${this.o.portMin}`,
      `--port-max=${this.o.portMax}`,
      `--num-threads=${this.o.threads}`,
      '--table=-1',
      '--delete-delay=0',
      '--timeout=60',
      `--pidfile=${join(this.o.dir, 'rtpengine.pid')}`,
    ];
    this.child = spawnTracked('rtpengine', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr.pipe(createWriteStream(join(this.o.dir, 'rtpengine.log')));
    let alive = true;
    void this.child.exited.then(() => (alive = false));
    this.ng = new NgClient({ host: '127.0.0.1', port: this.o.ngPort, timeoutMs: 500 });
    const end = Date.now() + 15_000;
    while (Date.now() < end && alive) {
      try {
        const r = await this.ng.ping();
        if (r.result === 'pong') {
          this.ng.close();
          this.ng = new NgClient({ host: '127.0.0.1', port: this.o.ngPort, timeoutMs: 3000 });
          this.o.log(`rtpengine up (pid ${this.child.pid})`);
          return;
        }
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`rtpengine did not answer ng ping on 127.0.0.1:${this.o.ngPort} (log: ${join(this.o.dir, 'rtpengine.log')})`);
  }

  pids() {
    return this.child ? processTree(this.child.pid) : [];
  }

  async stop() {
    this.ng?.close();
    this.ng = undefined;
    if (this.child) await stopTracked(this.child, 5000);
    this.child = undefined;
  }
}

export function rtpengineVersion() {
  // it prints its version on stderr
  const r = spawnSync('rtpengine', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return 'not installed';
  return /Version:\s*(\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? '?';
}
