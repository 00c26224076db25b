// One thread of bench/media's RTP load generator: owns the UDP sockets of its legs and sends,
// every 20 ms on each leg, one RTP packet of that leg's codec (real encoded audio: a 1 s loop
// of a tone, so that the transcoder decodes real frames), with the leg's payload type and RTP
// clock step. It counts what arrives on each leg inside the measuring window, and how late its
// own sends were (then the figures are the generator's, not the engine's).
import { createSocket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';

/** legs: [{ id, pt, tsStep, payloads: base64[] }]; srtp: leg a of each call sends SRTP with this key (srtp-step.mjs). */
const { legs, ptimeMs = 20, slotMs = 1, srtp } = workerData;
// The PBX's own SRTP code (src/media/srtp) as the generator's protect: this thread runs with tsx then.
const SrtpOutbound = srtp ? (await import('../../../src/media/srtp/srtp-context.ts')).SrtpOutbound : undefined;
const nowMs = () => performance.timeOrigin + performance.now();
const socks = [];
/** Sends are counted in the send window, arrivals in the same window shifted by the delay the engine may add. */
let window = { from: Infinity, to: -Infinity };
let rxWindow = { from: Infinity, to: -Infinity };
let stats = fresh();
function fresh() {
  return { sent: 0, received: 0, sentA: 0, sentB: 0, receivedA: 0, receivedB: 0, receivedAny: 0, lateSends: 0, maxLagMs: 0, sendErrors: 0 };
}

async function bindAll() {
  for (const leg of legs) {
    const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
    const x = { sock: s, leg, seq: 0, ts: 0, ssrc: (0x10000 + leg.id) >>> 0, connected: false, frames: leg.payloads.map((p) => Buffer.from(p, 'base64')), i: 0 };
    if (SrtpOutbound && leg.id % 2 === 0) x.srtp = new SrtpOutbound({ suite: srtp.suite, keySalt: Buffer.from(srtp.key, 'base64') });
    s.on('message', () => {
      stats.receivedAny++;
      const t = nowMs();
      if (t >= rxWindow.from && t < rxWindow.to) {
        stats.received++;
        if (leg.id % 2 === 0) stats.receivedA++;
        else stats.receivedB++;
      }
    });
    s.on('error', () => stats.sendErrors++);
    await new Promise((resolve, reject) => {
      s.once('error', reject);
      s.bind(0, '127.0.0.1', resolve);
    });
    socks.push(x);
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
  const p = x.frames[x.i++ % x.frames.length];
  const b = Buffer.allocUnsafe(12 + p.length + (x.srtp ? 16 : 0));
  b[0] = 0x80;
  b[1] = x.leg.pt;
  b.writeUInt16BE(x.seq & 0xffff, 2);
  b.writeUInt32BE(x.ts >>> 0, 4);
  b.writeUInt32BE(x.ssrc, 8);
  p.copy(b, 12);
  x.seq++;
  x.ts = (x.ts + x.leg.tsStep) >>> 0;
  try {
    if (x.srtp) x.sock.send(b, 0, x.srtp.protectRtp(b, 12 + p.length));
    else x.sock.send(b);
    if (t >= window.from && t < window.to) {
      stats.sent++;
      if (x.leg.id % 2 === 0) stats.sentA++;
      else stats.sentB++;
    }
  } catch {
    stats.sendErrors++;
  }
}

function run(start, until) {
  const slots = Math.max(1, Math.floor(ptimeMs / slotMs));
  const bySlot = Array.from({ length: slots }, () => []);
  socks.forEach((x, i) => x.connected && bySlot[i % slots].push(x));
  let k = 0;
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
        for (const x of group) sendOne(x, due);
        k++;
      }
      if (start + Math.floor(k / slots) * ptimeMs >= until) return resolve();
      setTimeout(tick, slotMs);
    };
    setTimeout(tick, Math.max(0, start - nowMs()));
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
      rxWindow = { from: window.from + m.delayMs, to: window.to + m.delayMs };
      await run(m.start, window.to);
      await new Promise((r) => setTimeout(r, (m.delayMs ?? 0) + 300));
      const s = stats;
      window = { from: Infinity, to: -Infinity };
      rxWindow = window;
      parentPort.postMessage({ type: 'result', stats: s });
    } else if (m.cmd === 'close') {
      for (const x of socks) x.sock.close();
      parentPort.postMessage({ type: 'closed' });
    }
  } catch (err) {
    parentPort.postMessage({ type: 'error', error: String(err?.stack ?? err) });
  }
});
