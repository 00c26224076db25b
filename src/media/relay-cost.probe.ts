/**
 * One-off cost probe of the relay path (not a test, not the benchmark: bench/media owns that):
 * CPU per relayed packet of the RelayEngine beside a bare Node dgram relay (what
 * bench/media/lib/bare-relay-worker.mjs does: receive, send on, nothing else), both in this
 * thread, fed by N two-way G.711 calls (50 packets/s per stream) from a generator in a worker
 * thread. CPU is this thread's own (/proc/thread-self/stat), so the generator does not count.
 * The two relays alternate `rounds` times and the medians are compared: on a shared machine one
 * round can be disturbed. Run with --cpu-prof (only=pbx) to see where the PBX relay's time goes.
 * only=js: no sockets carry anything; each relay's 'message' handler is called in a loop with the
 * send stubbed, so what is left is the relay's own JavaScript per packet (latching, counters,
 * stream stats) beside the bare relay's.
 *
 * only=threads: each relay in a worker thread of its own as bench/media runs them (the PBX's
 * MediaController with one media worker; bench/media/lib/bare-relay-worker.mjs), CPU of the whole
 * process but the generator's thread (the bench reads the engine process's CPU).
 *
 *   node --import tsx src/media/relay-cost.probe.ts [calls=200] [seconds=5] [rounds=3] [only=both|pbx|bare|js|threads]
 */
import { createSocket, type Socket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { memoryLogger } from '../util/logger.js';
import { MediaController } from './controller.js';
import { RelayEngine } from './worker/relay-engine.js';
import { threadCpuMs } from './worker/thread-cpu.js';

const calls = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 5);
const rounds = Number(process.argv[4] ?? 3);
const only = process.argv[5] ?? 'both';
const HOST = '127.0.0.1';

/** The generator: 2 sockets per call, each sending a 172-byte RTP packet every 20 ms to its target, counting what comes back. */
const GENERATOR = `
const { createSocket } = require('node:dgram');
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const threadMs = () => { const f = readFileSync('/proc/thread-self/stat', 'latin1'); const x = f.slice(f.lastIndexOf(')') + 2).split(' '); return (Number(x[11]) + Number(x[12])) * 10; };
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
    setTimeout(() => parentPort.postMessage({ received, cpuMs: threadMs() }), 200);
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

/** CPU ms of each thread of this process by tid, with its name (/proc/self/task). */
function threadTimes(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const st = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      out.set(`${tid} ${st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'))}`, (Number(f[11]) + Number(f[12])) * 10);
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** The PBX's relay as the bench runs it: a MediaController and one media worker thread. */
async function pbxWorker(gen: number[]): Promise<Relay> {
  const controller = new MediaController({ workers: 1, address: HOST, portMin: 21000, portMax: 21000 + 8 * calls + 64, rtpTimeoutMs: 0, logger: memoryLogger('warn') });
  await controller.start();
  const ports: number[] = [];
  for (let c = 0; c < calls; c++) {
    const s = await controller.createSession(`c${c}`);
    await s.setRemote('a', { address: HOST, port: gen[2 * c]!, allowedSources: [HOST] });
    await s.setRemote('b', { address: HOST, port: gen[2 * c + 1]!, allowedSources: [HOST] });
    ports.push(s.legA.rtpPort, s.legB.rtpPort);
  }
  return { ports, close: () => void controller.stop() };
}

/** bench/media's bare relay thread. */
async function bareWorker(gen: number[]): Promise<Relay> {
  const w = new Worker(new URL('../../bench/media/lib/bare-relay-worker.mjs', import.meta.url));
  const list = Array.from({ length: calls }, (_, c) => ({ a: { host: HOST, port: gen[2 * c]! }, b: { host: HOST, port: gen[2 * c + 1]! } }));
  const r = await ask<{ ports: number[] }>(w, { cmd: 'setup', calls: list, address: HOST });
  return { ports: r.ports, close: () => void w.terminate() };
}

async function round(kind: 'pbx' | 'bare', gen: Worker, genPorts: number[]): Promise<number> {
  const threads = only === 'threads';
  const relay = kind === 'pbx' ? await (threads ? pbxWorker : pbxRelay)(genPorts) : await (threads ? bareWorker : bareRelay)(genPorts);
  gen.postMessage({ targets: relay.ports });
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  const w = await ask<{ received: number; cpuMs: number }>(gen, { stop: true });
  const r0 = w.received;
  const c0 = threadCpuMs()!;
  const p0 = process.cpuUsage();
  const t0 = threadTimes();
  gen.postMessage({ targets: relay.ports });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const { received, cpuMs: g1 } = await ask<{ received: number; cpuMs: number }>(gen, { stop: true });
  const cpu = threadCpuMs()! - c0;
  const p = process.cpuUsage(p0);
  if (process.env.THREAD_TIMES) {
    const busy = [...threadTimes()].map(([k, v]) => [k, v - (t0.get(k) ?? 0)] as const).filter(([, v]) => v > 0);
    console.log(`  threads: ${busy.map(([k, v]) => `${k}=${v}ms`).join(', ')}`);
  }
  // The whole process but the generator's thread: the relay's thread and V8's helper threads (GC).
  const proc = (p.user + p.system) / 1000 - (g1 - w.cpuMs);
  relay.close();
  const expected = 2 * calls * 50 * seconds;
  await new Promise((r) => setTimeout(r, 500)); // the relay's thread closed before the next round
  const us = ((threads ? proc : cpu) * 1000) / received;
  console.log(`${kind}: ${received} packets relayed (${((100 * received) / expected).toFixed(1)} % of ~${expected}; warm-up ${r0}), ${cpu} ms CPU: ${us.toFixed(2)} µs/packet, ${Math.round(1e6 / (us * 100))} calls per core; process without the generator ${proc.toFixed(0)} ms: ${((proc * 1000) / received).toFixed(2)} µs/packet`);
  return us;
}

/** ns of CPU per packet through one relay's 'message' handler, send stubbed (only=js). */
async function jsOnly(kind: 'pbx' | 'bare', n: number): Promise<number> {
  const pkt = Buffer.alloc(172, 0xff);
  pkt[0] = 0x80;
  pkt[1] = 0;
  pkt.writeUInt32BE(0x1234, 8);
  let sent = 0;
  const stub = (() => void sent++) as unknown as Socket['send'];
  let recv: Socket;
  let close: () => void;
  if (kind === 'pbx') {
    const engine = new RelayEngine({ address: HOST, portMin: 21000, portMax: 21099, rtpTimeoutMs: 0, emit: () => undefined });
    await engine.allocate('s');
    engine.setRemote('s', 'a', { address: HOST, port: 9000, allowedSources: [HOST] });
    engine.setRemote('s', 'b', { address: HOST, port: 9002, allowedSources: [HOST] });
    const legs = (engine as unknown as { sessions: Map<string, { a: { rtp: Socket }; b: { rtp: Socket } }> }).sessions.get('s')!;
    legs.b.rtp.send = stub;
    recv = legs.a.rtp;
    close = () => engine.close();
  } else {
    const sa = await bind();
    const sb = await bind();
    sb.send = stub;
    sa.on('message', (msg) => sb.send(msg, 9002, HOST));
    recv = sa;
    close = () => (sa.close(), sb.close());
  }
  const rinfo = { address: HOST, family: 'IPv4', port: 9000, size: pkt.length };
  const one = (i: number) => {
    pkt[2] = (i >> 8) & 0xff;
    pkt[3] = i & 0xff;
    pkt.writeUInt32BE((i * 160) >>> 0, 4);
    // dgram makes a new rinfo per datagram: so does this loop.
    recv.emit('message', pkt, { ...rinfo });
  };
  for (let i = 0; i < 20_000; i++) one(i);
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) one(i);
  const c = process.cpuUsage(c0);
  close();
  if (sent < n) throw new Error(`${kind}: only ${sent} of ${n} sent`);
  const ns = ((c.user + c.system) * 1000) / n;
  console.log(`${kind} handler: ${ns.toFixed(0)} ns/packet`);
  return ns;
}

if (only === 'js') {
  const r: Record<'pbx' | 'bare', number[]> = { pbx: [], bare: [] };
  for (let i = 0; i < rounds; i++) for (const kind of ['bare', 'pbx'] as const) r[kind].push(await jsOnly(kind, 1_000_000));
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`median ns/packet of the handler: PBX ${med(r.pbx).toFixed(0)}, bare ${med(r.bare).toFixed(0)}: the PBX's own work is ${(med(r.pbx) - med(r.bare)).toFixed(0)} ns per packet`);
  process.exit(0);
}

const gen = new Worker(GENERATOR, { eval: true, workerData: { streams: 2 * calls } });
const { ports: genPorts } = await new Promise<{ ports: number[] }>((r) => gen.once('message', r));
const res: Record<'pbx' | 'bare', number[]> = { pbx: [], bare: [] };
for (let i = 0; i < rounds; i++) {
  for (const kind of ['bare', 'pbx'] as const) if (only === 'both' || only === 'threads' || only === kind) res[kind].push(await round(kind, gen, genPorts));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const [p, b] = [median(res.pbx), median(res.bare)];
console.log(`median µs/packet: PBX ${p.toFixed(2)}, bare ${b.toFixed(2)}; PBX / bare calls per core = ${(b / p).toFixed(2)}`);
gen.postMessage({ quit: true });
await gen.terminate();
