/**
 * One-off throughput probe of the RTP relay (not a test, not the benchmark: bench/ owns
 * that). N two-way G.711 calls at 50 packets/s per stream through one media worker,
 * phones on the loopback in this process; reports relayed packets/s, the worker's
 * event-loop busy share, packets/s per busy core, loss, and the latency seen by the phones.
 *
 *   node --import tsx src/media/relay-load.probe.ts [calls=200] [seconds=10] [workers=1]
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../util/logger.js';
import { MediaController } from './controller.js';
import type { MediaSession } from './media-session.js';
import type { WorkerLoad } from './protocol.js';

const calls = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 10);
const workers = Number(process.argv[4] ?? 1);
const HOST = '127.0.0.1';
const PAYLOAD = 160; // 20 ms of G.711
const TICK_MS = 20;

function bind(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, HOST, () => resolve(s)));
}

interface Stream {
  socket: Socket;
  /** The PBX port this phone sends to. */
  target: number;
  seq: number;
  ssrc: number;
  sent: number;
  received: number;
}

const latencies: number[] = [];
let measuring = false;

function onPacket(stream: Stream, msg: Buffer): void {
  stream.received++;
  if (measuring && (stream.received & 15) === 0) latencies.push(performance.now() - msg.readDoubleBE(12));
}

function sendOne(s: Stream): void {
  const b = Buffer.allocUnsafe(12 + PAYLOAD);
  b[0] = 0x80;
  b[1] = 0;
  b.writeUInt16BE(s.seq & 0xffff, 2);
  b.writeUInt32BE((s.seq * 160) >>> 0, 4);
  b.writeUInt32BE(s.ssrc, 8);
  b.fill(0xff, 12);
  b.writeDoubleBE(performance.now(), 12);
  s.seq++;
  s.sent++;
  s.socket.send(b, s.target, HOST);
}

function sumLoads(loads: Array<WorkerLoad | null>): { active: number; idle: number; cpu: number } {
  let active = 0;
  let idle = 0;
  let cpu = 0;
  for (const l of loads) {
    active += l?.loopActiveMs ?? 0;
    idle += l?.loopIdleMs ?? 0;
    cpu += l?.cpuMs ?? NaN;
  }
  return { active, idle, cpu };
}

const controller = new MediaController({ workers, address: HOST, portMin: 30000, portMax: 39999, logger: createLogger({ level: 'warn' }), rtpTimeoutMs: 0 });
await controller.start();
const sessions: MediaSession[] = [];
const streams: Stream[] = [];
for (let i = 0; i < calls; i++) {
  const s = await controller.createSession(`load-${i}`);
  const a: Stream = { socket: await bind(), target: s.legA.rtpPort, seq: 1, ssrc: 2 * i + 1, sent: 0, received: 0 };
  const b: Stream = { socket: await bind(), target: s.legB.rtpPort, seq: 1, ssrc: 2 * i + 2, sent: 0, received: 0 };
  a.socket.on('message', (m) => onPacket(a, m));
  b.socket.on('message', (m) => onPacket(b, m));
  await s.setRemote('a', { address: HOST, port: a.socket.address().port, allowedSources: [HOST] });
  await s.setRemote('b', { address: HOST, port: b.socket.address().port, allowedSources: [HOST] });
  sessions.push(s);
  streams.push(a, b);
}

// Pace by the wall clock: each tick sends what is due, so a late timer catches up.
const started = performance.now();
let ticksSent = 0;
const warmupTicks = 50; // 1 s before measuring
let at0 = { sent: 0, received: 0, t: 0, active: 0, idle: 0, cpu: 0 };
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - started) / TICK_MS);
    while (ticksSent < due) {
      for (const s of streams) sendOne(s);
      ticksSent++;
    }
    if (ticksSent >= warmupTicks + (seconds * 1000) / TICK_MS) {
      clearInterval(timer);
      resolve();
    }
  }, TICK_MS / 2);
  setTimeout(
    async () => {
      const l = sumLoads(await controller.loads());
      at0 = { sent: streams.reduce((n, s) => n + s.sent, 0), received: streams.reduce((n, s) => n + s.received, 0), t: performance.now(), ...l };
      measuring = true;
    },
    warmupTicks * TICK_MS,
  );
});
const lEnd = sumLoads(await controller.loads());
const tEnd = performance.now();
await new Promise((r) => setTimeout(r, 300)); // let the last packets land
measuring = false;

// Loss over the whole run (every packet had time to land); rates over the measured window.
const sentAll = streams.reduce((n, s) => n + s.sent, 0);
const receivedAll = streams.reduce((n, s) => n + s.received, 0);
const sent = sentAll - at0.sent;
const received = receivedAll - at0.received;
const wall = (tEnd - at0.t) / 1000;
const busy = (lEnd.active - at0.active) / (lEnd.active - at0.active + lEnd.idle - at0.idle);
let relayed = 0;
for (const s of sessions) {
  const st = await s.release();
  relayed += st.a.packetsSent + st.b.packetsSent;
}
latencies.sort((x, y) => x - y);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(3);
const pps = sent / wall;
console.log(
  JSON.stringify(
    {
      calls,
      workers,
      seconds: Number(wall.toFixed(2)),
      offeredPps: Math.round(pps),
      relayedPpsMeasured: Math.round(received / wall),
      workerLoopBusy: Number(busy.toFixed(3)),
      workerCpuShare: Number(((lEnd.cpu - at0.cpu) / 1000 / wall).toFixed(3)),
      ppsPerWorkerCpuSecond: Math.round(received / ((lEnd.cpu - at0.cpu) / 1000)),
      lossPct: Number((((sentAll - receivedAll) / sentAll) * 100).toFixed(4)),
      relayedTotal: relayed,
      latencyMs: { p50: pct(50), p99: pct(99), samples: latencies.length },
    },
    null,
    2,
  ),
);
for (const s of streams) s.socket.close();
await controller.stop();
