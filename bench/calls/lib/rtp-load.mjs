// The RTP load generator of the relay benchmark: 2 legs per call (each a UDP socket on
// 127.0.0.1), 50 packets/s per leg, spread over worker threads (both legs of a call in the same
// worker). It measures what a relay loses and the delay it adds: each packet carries its send
// time, every received packet inside the measuring window is counted and its delay recorded.
// It also says when it could not keep its own schedule: then the figures are the generator's.
import { Worker } from 'node:worker_threads';
import { merge, newHistogram, percentile } from './histogram.mjs';

const WORKER = new URL('./rtp-load-worker.mjs', import.meta.url);

function ask(worker, msg, type, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.off('message', on);
      reject(new Error(`rtp load worker: no ${type} in ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (m) => {
      if (m.type === 'error') {
        clearTimeout(timer);
        worker.off('message', on);
        reject(new Error(m.error));
      } else if (m.type === type) {
        clearTimeout(timer);
        worker.off('message', on);
        resolve(m);
      }
    };
    worker.on('message', on);
    worker.postMessage(msg);
  });
}

export class RtpLoad {
  /**
   * @param {{ calls: number, threads?: number, localPorts?: number[] }} o localPorts: 2 per call
   *   (caller leg, callee leg), or ephemeral ports when left out
   */
  static async create(o) {
    const threads = Math.max(1, Math.min(o.threads ?? 1, o.calls));
    const perThread = Array.from({ length: threads }, () => []);
    for (let c = 0; c < o.calls; c++) {
      const legs = perThread[c % threads];
      legs.push({ id: 2 * c, call: c, localPort: o.localPorts?.[2 * c] ?? 0 });
      legs.push({ id: 2 * c + 1, call: c, localPort: o.localPorts?.[2 * c + 1] ?? 0 });
    }
    const workers = perThread.map((legs) => new Worker(WORKER, { workerData: { legs } }));
    const load = new RtpLoad(workers, perThread);
    try {
      const bound = await Promise.all(workers.map((w) => ask(w, { cmd: 'bind' }, 'bound')));
      // ports[2c] / ports[2c+1]: the caller and callee leg of call c
      load.ports = new Array(2 * o.calls);
      perThread.forEach((legs, t) => legs.forEach((leg, i) => (load.ports[leg.id] = bound[t].ports[i])));
    } catch (err) {
      await load.close();
      throw err;
    }
    return load;
  }

  constructor(workers, perThread) {
    this.workers = workers;
    this.perThread = perThread;
    this.ports = [];
  }

  /** targets[2c] / targets[2c+1]: where the caller / callee leg of call c sends ({ host, port }). */
  async setTargets(targets) {
    await Promise.all(this.workers.map((w, t) => ask(w, { cmd: 'targets', targets: this.perThread[t].map((leg) => targets[leg.id]) }, 'targets-set')));
  }

  /**
   * Sends on every leg for warmupMs + measureMs, counts over the measuring window only.
   * @returns {Promise<{ streams: number, sent: number, received: number, lossPct: number, p50Us?: number, p99Us?: number,
   *   maxLagMs: number, latePct: number, pps: number, receivedAny: number }>}
   */
  async run({ warmupMs = 2000, measureMs = 10_000, drainMs = 500 } = {}) {
    const start = performance.timeOrigin + performance.now() + 200;
    const results = await Promise.all(this.workers.map((w) => ask(w, { cmd: 'run', start, warmupMs, measureMs, drainMs }, 'result', warmupMs + measureMs + drainMs + 30_000)));
    const hist = newHistogram();
    let sent = 0;
    let received = 0;
    let late = 0;
    let maxLagMs = 0;
    let receivedAny = 0;
    for (const r of results) {
      sent += r.stats.sent;
      received += r.stats.received;
      late += r.stats.lateSends;
      receivedAny += r.stats.receivedAny;
      maxLagMs = Math.max(maxLagMs, r.stats.maxLagMs);
      merge(hist, r.stats.hist);
    }
    return {
      streams: this.ports.length,
      sent,
      received,
      lossPct: sent > 0 ? (100 * Math.max(0, sent - received)) / sent : 100,
      p50Us: percentile(hist, 0.5),
      p99Us: percentile(hist, 0.99),
      maxLagMs,
      latePct: sent > 0 ? (100 * late) / sent : 0,
      pps: sent / (measureMs / 1000),
      receivedAny,
    };
  }

  async close() {
    await Promise.all(this.workers.map((w) => ask(w, { cmd: 'close' }, 'closed', 5000).catch(() => undefined)));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
