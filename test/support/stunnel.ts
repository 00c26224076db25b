import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { findTool } from './tools.js';

/**
 * A TLS client tunnel (Debian's stunnel4): plain TCP in on 127.0.0.1:<port>, TLS out to
 * the server. Debian's SIPp is built without OpenSSL, so SIPp speaks TCP into this and
 * the PBX sees a real TLS connection.
 */
export class StunnelClient {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(tlsPort: number): Promise<StunnelClient> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'stunnel-'));
    const conf = join(dir, 'stunnel.conf');
    writeFileSync(
      conf,
      ['foreground = yes', 'pid =', 'debug = 4', '[sip]', 'client = yes', `accept = 127.0.0.1:${port}`, `connect = 127.0.0.1:${tlsPort}`, 'verifyChain = no', ''].join('\n'),
    );
    const bin = findTool('stunnel4') ?? findTool('stunnel') ?? 'stunnel4';
    const child = spawn(bin, [conf], { stdio: ['ignore', 'ignore', 'ignore'] });
    const tunnel = new StunnelClient(port, child, dir);
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (Date.now() > deadline || child.exitCode !== null) {
        tunnel.stop();
        throw new Error('stunnel did not start');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return tunnel;
  }

  stop(): void {
    this.child.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
