// A registrar somebody else started (--target host:port [--target-pid PID]): loaded and
// measured, never started or stopped by the bench.
import { processTree } from './proc-stats.mjs';
import { waitForSip } from './probe.mjs';

export class ExternalServer {
  constructor({ name, host, port, pid }) {
    this.name = name;
    this.host = host;
    this.port = port;
    this.pid = pid;
  }
  prepare() {
    return undefined;
  }
  describe() {
    return [`an already running registrar at ${this.host}:${this.port}${this.pid ? ` (pid ${this.pid} and its children sampled)` : ' (no pid given: CPU and memory not sampled)'}`];
  }
  async start() {
    const answer = await waitForSip(this.host, this.port, { timeoutMs: 10_000, domain: 't000.bench' });
    if (!answer) throw new Error(`nothing answers OPTIONS on ${this.host}:${this.port}`);
  }
  pids() {
    return this.pid ? processTree(this.pid) : [];
  }
  shmUsed() {
    return undefined;
  }
  registeredContacts() {
    return undefined;
  }
  async stop() {}
}
