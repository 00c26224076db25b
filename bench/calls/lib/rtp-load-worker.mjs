// One thread of the RTP load generator: owns the UDP sockets of its legs, sends a 172-byte RTP
// packet (12-byte header + 160 bytes of G.711 payload) every ptime on each leg, and counts what
// comes back with the delay since it was sent (the send time travels in the payload). Driven by
// rtp-load.mjs over the worker's message port.
import { createSocket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { newHistogram, record } from './histogram.mjs';

const { legs, ptimeMs = 20, slotMs = 1 } = workerData;
const PKT = 172;
const nowMs = () => performance.timeOrigin + performance.now();

const socks = [];
let window = { from: Infinity, to: -Infinity };
let stats = fresh();
function fresh() {
  return { sent: 0, received: 0, receivedAny: 0, strays: 0, hist: newHistogram(), maxLagMs: 0, lateSends: 0, sendErrors: 0 };
}

function onMessage(msg) {
  stats.receivedAny++;
  if (msg.length < 24) {
    stats.strays++;
    return;
  }
  const sentAt = msg.readDoubleLE(12);
  if (sentAt >= window.from && sentAt < window.to) {
    stats.received++;
    record(stats.hist, (nowMs() - sentAt) * 1000);
  }
}

async function bindAll() {
  for (const leg of legs) {
    const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
    s.on('message', onMessage);
    s.on('error', () => stats.sendErrors++);
    await new Promise((resolve, reject) => {
      s.once('error', reject);
      s.bind(leg.localPort ?? 0, '127.0.0.1', resolve);
    });
    socks.push({ sock: s, leg, seq: 0, ts: 0, ssrc: (leg.id ?? socks.length) >>> 0, connected: false });
  }
  return socks.map((x) => x.sock.address().port);
}

async function setTargets(targets) {
  await Promise.all(
    socks.map(
      (x, i) =>
        new Promise((resolve) => {
          const t = targets[i];
          if (!t) return resolve();
          if (x.connected) x.sock.disconnect();
          x.sock.connect(t.port, t.host, () => {
            x.connected = true;
            resolve();
          });
        }),
    ),
  );
}

function sendOne(x, t) {
  const b = Buffer.allocUnsafe(PKT);
  b[0] = 0x80;
  b[1] = 0; // PCMU
  b.writeUInt16BE(x.seq & 0xffff, 2);
  b.writeUInt32BE(x.ts >>> 0, 4);
  b.writeUInt32BE(x.ssrc, 8);
  b.writeDoubleLE(t, 12);
  b.writeUInt32BE(x.ssrc, 20);
  x.seq++;
  x.ts += 160;
  try {
    x.sock.send(b);
    if (t >= window.from && t < window.to) stats.sent++;
  } catch {
    stats.sendErrors++;
  }
}

/** Sends until `until` (absolute ms): leg i is due at start + (i mod slots) * slotMs + k * ptime. */
function run(start, until) {
  const slots = Math.max(1, Math.floor(ptimeMs / slotMs));
  const bySlot = Array.from({ length: slots }, () => []);
  socks.forEach((x, i) => x.connected && bySlot[i % slots].push(x));
  let k = 0; // next (period, slot) to send: k = period * slots + slot
  return new Promise((resolve) => {
    const tick = () => {
      const now = nowMs();
      for (;;) {
        const due = start + Math.floor(k / slots) * ptimeMs + (k % slots) * slotMs;
        if (due > now || due >= until) break;
        const lag = now - due;
        if (lag > stats.maxLagMs) stats.maxLagMs = lag;
        const group = bySlot[k % slots];
        if (lag > ptimeMs / 2 && due >= window.from && due < window.to) stats.lateSends += group.length;
        for (const x of group) sendOne(x, nowMs());
        k++;
      }
      if (start + Math.floor(k / slots) * ptimeMs >= until) return resolve();
      setTimeout(tick, slotMs);
    };
    const wait = Math.max(0, start - nowMs());
    setTimeout(tick, wait);
  });
}

parentPort.on('message', async (m) => {
  try {
    if (m.cmd === 'bind') parentPort.postMessage({ type: 'bound', ports: await bindAll() });
    else if (m.cmd === 'targets') {
      await setTargets(m.targets);
      parentPort.postMessage({ type: 'targets-set' });
    } else if (m.cmd === 'run') {
      stats = fresh();
      window = { from: m.start + m.warmupMs, to: m.start + m.warmupMs + m.measureMs };
      await run(m.start, window.to);
      await new Promise((r) => setTimeout(r, m.drainMs ?? 500));
      const s = stats;
      window = { from: Infinity, to: -Infinity };
      parentPort.postMessage({ type: 'result', stats: { ...s, hist: s.hist } });
    } else if (m.cmd === 'close') {
      for (const x of socks) x.sock.close();
      parentPort.postMessage({ type: 'closed' });
    }
  } catch (err) {
    parentPort.postMessage({ type: 'error', error: String(err?.stack ?? err) });
  }
});
