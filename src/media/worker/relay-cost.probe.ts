/**
 * One-off cost probe of the relay path (not a test, not the benchmark: bench/media owns that):
 * CPU per relayed packet of the RelayEngine beside a bare Node dgram relay (what
 * bench/media/lib/bare-relay-worker.mjs does: receive, send on, nothing else), both in this
 * thread, fed by N two-way G.711 calls (50 packets/s per stream) from a generator in a worker
 * thread. CPU is this thread's own (/proc/thread-self/stat), so the generator does not count.
 * The two relays alternate `rounds` times and the medians are compared: on a shared machine one
 * round can be disturbed. Run with --cpu-prof (only=pbx) to see where the PBX relay's time goes.
 *
 *   node --import tsx src/media/worker/relay-cost.probe.ts [calls=200] [seconds=5] [rounds=3] [only=both|pbx|bare]
 */
import { createSocket, type Socket } from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { RelayEngine } from './relay-engine.js';
import { threadCpuMs } from './thread-cpu.js';

const calls = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 5);
const rounds = Number(process.argv[4] ?? 3);
const only = process.argv[5] ?? 'both';
const HOST = '127.0.0.1';

/** The generator: 2 sockets per call, each sending a 172-byte RTP packet every 20 ms to its target, counting what comes back. */
const GENERATOR = `
const { createSocket } = require('node:dgram');
const { parentPort, workerData } = require('node:worker_threads');
const n = workerData.streams;
const socks = [];
let targets = [];
let received = 0;
let timer;
(async () => {
  for (let i = 0; i < n; i++) {
    const s = createSocket('udp4');
    await new Promise((r) => s.bind(0, '127.0.0.1', r));
    s.on('message', () => received++);
    socks.push(s);
  }
  parentPort.postMessage({ ports: socks.map((s) => s.address().port) });
})();
parentPort.on('message', (m) => {
  if (m.targets) {
    targets = m.targets;
    received = 0;
    const seq = new Array(n).fill(0);
    const pkt = socks.map((_, i) => { const b = Buffer.alloc(172, 0xff); b[0] = 0x80; b[1] = 0; b.writeUInt32BE(0x1000 + i, 8); return b; });
    timer = setInterval(() => {
      for (let i = 0; i < n; i++) {
        const b = pkt[i];
        const q = seq[i]++;
        b.writeUInt16BE(q & 0xffff, 2);
        b.writeUInt32BE((q * 160) >>> 0, 4);
        socks[i].send(b, targets[i], '127.0.0.1');
      }
    }, 20);
  } else if (m.stop) {
    clearInterval(timer);
    setTimeout(() => parentPort.postMessage({ received }), 200);
  } else if (m.quit) {
    for (const s of socks) s.close();
    parentPort.close();
  }
});
`;

function bind(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, HOST, () => resolve(s)));
}

interface Relay {
  /** The relay's port for each generator stream. */
  ports: number[];
  close(): void;
}

async function bareRelay(gen: number[]): Promise<Relay> {
  const socks: Socket[] = [];
  const ports: number[] = [];
  for (let c = 0; c < calls; c++) {
    const sa = await bind();
    const sb = await bind();
    const pa = gen[2 * c]!;
    const pb = gen[2 * c + 1]!;
    sa.on('message', (msg) => sb.send(msg, pb, HOST));
    sb.on('message', (msg) => sa.send(msg, pa, HOST));
    socks.push(sa, sb);
    ports.push(sa.address().port, sb.address().port);
  }
  return { ports, close: () => socks.forEach((s) => s.close()) };
}

async function pbxRelay(gen: number[]): Promise<Relay> {
  const engine = new RelayEngine({ address: HOST, portMin: 21000, portMax: 21000 + 8 * calls + 64, rtpTimeoutMs: 0, emit: () => undefined });
  const ports: number[] = [];
  for (let c = 0; c < calls; c++) {
    const id = `c${c}`;
    const p = await engine.allocate(id);
    engine.setRemote(id, 'a', { address: HOST, port: gen[2 * c]!, allowedSources: [HOST] });
    engine.setRemote(id, 'b', { address: HOST, port: gen[2 * c + 1]!, allowedSources: [HOST] });
    ports.push(p.a.rtpPort, p.b.rtpPort);
  }
  return { ports, close: () => engine.close() };
}

function ask<T>(w: Worker, msg: object): Promise<T> {
  return new Promise((resolve) => {
    w.once('message', resolve);
    w.postMessage(msg);
  });
}

async function round(kind: 'pbx' | 'bare', gen: Worker, genPorts: number[]): Promise<number> {
  const relay = kind === 'pbx' ? await pbxRelay(genPorts) : await bareRelay(genPorts);
  gen.postMessage({ targets: relay.ports });
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  const r0 = (await ask<{ received: number }>(gen, { stop: true })).received;
  const c0 = threadCpuMs()!;
  gen.postMessage({ targets: relay.ports });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const { received } = await ask<{ received: number }>(gen, { stop: true });
  const cpu = threadCpuMs()! - c0;
  relay.close();
  const expected = 2 * calls * 50 * seconds;
  const us = (cpu * 1000) / received;
  console.log(`${kind}: ${received} packets relayed (${((100 * received) / expected).toFixed(1)} % of ~${expected}; warm-up ${r0}), ${cpu} ms CPU: ${us.toFixed(2)} µs/packet, ${Math.round(1e6 / (us * 100))} calls per core`);
  return us;
}

const gen = new Worker(GENERATOR, { eval: true, workerData: { streams: 2 * calls } });
const { ports: genPorts } = await new Promise<{ ports: number[] }>((r) => gen.once('message', r));
const res: Record<'pbx' | 'bare', number[]> = { pbx: [], bare: [] };
for (let i = 0; i < rounds; i++) {
  for (const kind of ['bare', 'pbx'] as const) if (only === 'both' || only === kind) res[kind].push(await round(kind, gen, genPorts));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const [p, b] = [median(res.pbx), median(res.bare)];
console.log(`median µs/packet: PBX ${p.toFixed(2)}, bare ${b.toFixed(2)}; PBX / bare calls per core = ${(b / p).toFixed(2)}`);
gen.postMessage({ quit: true });
await gen.terminate();
