// run.mjs's handle on pbx-media-host.ts: the child process (Node 24 from node_modules, tsx),
// requests over its IPC channel matched by id, bounded by a timeout.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { processTree } from '../../lib/proc-stats.mjs';

export class PbxMediaHost {
  /**
   * @param {{ repoRoot: string, portMin: number, portMax: number, cpuProf?: string, workers?: number, entry?: string, env?: Record<string, string> }} o
   *   workers: media worker threads (default 1); entry: another host speaking the same requests
   *   (bare-relay-host.mjs, the bare Node dgram relay), env: its settings
   */
  static async start(o) {
    const local = join(o.repoRoot, 'node_modules', '.bin', 'node');
    const node = existsSync(local) ? local : process.execPath;
    const args = ['--expose-gc', '--import', 'tsx', ...(o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProf}`] : []), o.entry ?? join(o.repoRoot, 'bench', 'media', 'lib', 'pbx-media-host.ts')];
    const child = spawn(node, args, { cwd: o.repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, PORT_MIN: String(o.portMin), PORT_MAX: String(o.portMax), WORKERS: String(o.workers ?? 1), ...(o.env ?? {}) } });
    const host = new PbxMediaHost(child);
    const ready = await host.wait(0, 30_000);
    host.nodeVersion = ready.node;
    return host;
  }

  constructor(child) {
    this.child = child;
    this.nextId = 1;
    this.pending = new Map();
    child.on('message', (m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m);
      else p.reject(new Error(m.error));
    });
    child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`pbx media host exited (${code})`));
      this.pending.clear();
    });
  }

  wait(id, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`pbx media host: no answer to request ${id} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  request(msg, timeoutMs = 120_000) {
    const id = this.nextId++;
    const p = this.wait(id, timeoutMs);
    this.child.send({ ...msg, id });
    return p;
  }

  pids() {
    return this.child.exitCode === null ? processTree(this.child.pid) : [];
  }

  async stop() {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.request({ op: 'quit' }, 10_000).catch(() => this.child.kill('SIGTERM'));
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
}
