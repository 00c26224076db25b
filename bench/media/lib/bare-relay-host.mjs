// The bare Node dgram relay as a child process of bench/media, spoken to over IPC with the same
// requests as pbx-media-host.ts ('setup', 'teardown', 'load', 'quit'), so that the same step and
// search measure it beside the PBX's worker: THREADS worker threads (bare-relay-worker.mjs), the
// calls spread round-robin, its CPU read from /proc like any engine's. The main thread only relays
// the requests.
import { Worker } from 'node:worker_threads';

const threads = Math.max(1, Number(process.env.THREADS ?? 1));
const workers = Array.from({ length: threads }, () => new Worker(new URL('./bare-relay-worker.mjs', import.meta.url)));

function ask(w, msg, type) {
  return new Promise((resolve, reject) => {
    const on = (m) => {
      if (m.type !== type && m.type !== 'error') return;
      w.off('message', on);
      if (m.type === 'error') reject(new Error(m.error));
      else resolve(m);
    };
    w.on('message', on);
    w.postMessage(msg);
  });
}

async function handle(m) {
  switch (m.op) {
    case 'setup': {
      if (m.transcode || m.srtp || m.webrtc) throw new Error('the bare relay only relays');
      const perThread = workers.map(() => []);
      for (let c = 0; c < m.calls; c++) perThread[c % threads].push({ c, a: m.targets[2 * c], b: m.targets[2 * c + 1] });
      const answers = await Promise.all(workers.map((w, t) => ask(w, { cmd: 'setup', address: '127.0.0.1', calls: perThread[t] }, 'ports')));
      const ports = new Array(2 * m.calls);
      perThread.forEach((calls, t) => calls.forEach((call, i) => ((ports[2 * call.c] = answers[t].ports[2 * i]), (ports[2 * call.c + 1] = answers[t].ports[2 * i + 1]))));
      return { ports };
    }
    case 'teardown':
      await Promise.all(workers.map((w) => ask(w, { cmd: 'teardown' }, 'done')));
      return {};
    case 'load': {
      const rs = await Promise.all(workers.map((w) => ask(w, { cmd: 'load' }, 'load')));
      return { load: { packets: rs.reduce((n, r) => n + r.packets, 0) }, memory: process.memoryUsage() };
    }
    case 'quit':
      await Promise.all(workers.map((w) => w.terminate()));
      setImmediate(() => process.exit(0));
      return {};
    default:
      throw new Error(`bare relay: no op ${m.op}`);
  }
}

process.on('message', (m) => {
  handle(m).then(
    (r) => process.send({ id: m.id, ok: true, ...r }),
    (err) => process.send({ id: m.id, ok: false, error: String(err?.stack ?? err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send({ id: 0, ok: true, ready: true, pid: process.pid, node: process.version });
