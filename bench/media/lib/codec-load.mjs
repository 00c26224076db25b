// bench/media's RTP load generator: 2 legs per call, each sending one packet of its own codec
// every 20 ms (see codec-load-worker.mjs), spread over worker threads.
import { Worker } from 'node:worker_threads';

const WORKER = new URL('./codec-load-worker.mjs', import.meta.url);

function ask(worker, msg, type, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.off('message', on);
      reject(new Error(`codec load worker: no ${type} in ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (m) => {
      if (m.type === 'error' || m.type === type) {
        clearTimeout(timer);
        worker.off('message', on);
        if (m.type === 'error') reject(new Error(m.error));
        else resolve(m);
      }
    };
    worker.on('message', on);
    worker.postMessage(msg);
  });
}

export class CodecLoad {
  /**
   * @param {{ calls: number, threads?: number, a: { pt: number, tsStep: number, payloads: string[] }, b: { pt: number, tsStep: number, payloads: string[] } }} o
   *   leg a of every call sends codec a, leg b codec b
   */
  static async create(o) {
    const threads = Math.max(1, Math.min(o.threads ?? 1, o.calls));
    const perThread = Array.from({ length: threads }, () => []);
    for (let c = 0; c < o.calls; c++) {
      perThread[c % threads].push({ id: 2 * c, ...o.a }, { id: 2 * c + 1, ...o.b });
    }
    // SRTP on leg a (o.srtp: { suite, key }): the thread imports the project's TypeScript through tsx.
    // Browser legs on leg a (o.webrtc: { certPem, keyPem }, browser-leg.mjs): the same, tsx for the project's STUN and SRTP code.
    const tsx = o.srtp || o.webrtc;
    const workers = perThread.map((legs) => new Worker(WORKER, { workerData: { legs, ...(o.srtp ? { srtp: o.srtp } : {}), ...(o.webrtc ? { webrtc: o.webrtc } : {}) }, ...(tsx ? { execArgv: [...process.execArgv, '--import', 'tsx'] } : {}) }));
    const load = new CodecLoad(workers, perThread);
    try {
      const bound = await Promise.all(workers.map((w) => ask(w, { cmd: 'bind' }, 'bound')));
      load.ports = new Array(2 * o.calls);
      perThread.forEach((legs, t) => legs.forEach((leg, i) => (load.ports[leg.id] = bound[t].ports[i])));
    } catch (err) {
      await load.close();
      throw err;
    }
    return load;
  }

  /**
   * Any set of legs, each one UDP socket with its own codec and payloads (bench/media's
   * conference mode: one leg per participant); legs are spread round-robin over the threads.
   * @param {Array<{ pt: number, tsStep: number, payloads: string[] }>} legs
   */
  static async fromLegs(legs, threads = 1) {
    const n = Math.max(1, Math.min(threads, legs.length));
    const perThread = Array.from({ length: n }, () => []);
    legs.forEach((leg, id) => perThread[id % n].push({ id, ...leg }));
    const workers = perThread.map((ls) => new Worker(WORKER, { workerData: { legs: ls } }));
    const load = new CodecLoad(workers, perThread);
    try {
      const bound = await Promise.all(workers.map((w) => ask(w, { cmd: 'bind' }, 'bound')));
      load.ports = new Array(legs.length);
      perThread.forEach((ls, t) => ls.forEach((leg, i) => (load.ports[leg.id] = bound[t].ports[i])));
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

  async setTargets(targets) {
    await Promise.all(this.workers.map((w, t) => ask(w, { cmd: 'targets', targets: this.perThread[t].map((leg) => targets[leg.id]) }, 'targets-set')));
  }

  /**
   * Connect the browser legs (ice[legId]: the PBX's ufrag/pwd and ours), staggered inside each
   * thread (`concurrency` handshakes at a time per thread). Legs that did not connect are counted
   * (with up to 3 reasons per thread), not thrown: the step then fails, as a browser's call would.
   */
  async connect(ice, { concurrency = 4, gapMs = 5 } = {}) {
    const rs = await Promise.all(this.workers.map((w, t) => ask(w, { cmd: 'connect', ice: this.perThread[t].map((leg) => ice[leg.id] ?? null), concurrency, gapMs }, 'connected', 600_000)));
    return { failed: rs.reduce((n, r) => n + r.failed, 0), failures: rs.flatMap((r) => r.failures), connected: rs.reduce((n, r) => n + r.connected, 0), wallMs: Math.max(...rs.map((r) => r.wallMs)), iceMs: rs.flatMap((r) => r.iceMs), dtlsMs: rs.flatMap((r) => r.dtlsMs) };
  }

  /** @returns {Promise<{ sent: number, received: number, lossPct: number, latePct: number, maxLagMs: number }>} */
  async run({ warmupMs = 2000, measureMs = 5000, delayMs = 150 } = {}) {
    const start = performance.timeOrigin + performance.now() + 200;
    const rs = await Promise.all(this.workers.map((w) => ask(w, { cmd: 'run', start, warmupMs, measureMs, delayMs }, 'result', warmupMs + measureMs + delayMs + 30_000)));
    const sum = (k) => rs.reduce((n, r) => n + r.stats[k], 0);
    const sent = sum('sent');
    const received = sum('received');
    return {
      sent,
      received,
      lossPct: sent > 0 ? (100 * Math.max(0, sent - received)) / sent : 100,
      latePct: sent > 0 ? (100 * sum('lateSends')) / sent : 0,
      maxLagMs: Math.max(...rs.map((r) => r.stats.maxLagMs)),
      /** Per direction: a→b arrives at leg b, b→a at leg a. */
      lossAtoBPct: sum('sentA') > 0 ? (100 * Math.max(0, sum('sentA') - sum('receivedB'))) / sum('sentA') : 100,
      srtpOpened: sum('srtpOpened'),
      srtpOpenFailed: sum('srtpOpenFailed'),
      lossBtoAPct: sum('sentB') > 0 ? (100 * Math.max(0, sum('sentB') - sum('receivedA'))) / sum('sentB') : 100,
    };
  }

  async close() {
    await Promise.all(this.workers.map((w) => ask(w, { cmd: 'close' }, 'closed', 5000).catch(() => undefined)));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
