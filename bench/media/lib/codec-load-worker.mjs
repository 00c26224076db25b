// One thread of bench/media's RTP load generator: owns the UDP sockets of its legs and sends,
// every 20 ms on each leg, one RTP packet of that leg's codec (real encoded audio: a 1 s loop
// of a tone, so that the transcoder decodes real frames), with the leg's payload type and RTP
// clock step. It counts what arrives on each leg inside the measuring window, and how late its
// own sends were (then the figures are the generator's, not the engine's).
import { createSocket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * legs: [{ id, pt, tsStep, payloads: base64[] }]; srtp: leg a of each call sends SRTP with this key;
 * webrtc: leg a of each call is a browser leg (browser-leg.mjs: ICE check, DTLS-SRTP as client,
 * then SRTP and SRTCP on one port) with this certificate, connected by the 'connect' command.
 */
const { legs, ptimeMs = 20, slotMs = 1, srtp, webrtc } = workerData;
// The PBX's own SRTP code (src/media/srtp) as the generator's protect: this thread runs with tsx then.
const SrtpOutbound = srtp ? (await import('../../../src/media/srtp/srtp-context.ts')).SrtpOutbound : undefined;
const browserLeg = webrtc ? await import('./browser-leg.mjs') : undefined;
/** A browser leg opens one SRTP packet from the PBX in this many (a check that the keys agree). */
const CHECK_EVERY = 50;
/** A browser leg sends an SRTCP receiver report once a second (every 50 frames), rtcp-mux. */
const RTCP_EVERY = 50;
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
    if (browserLeg && leg.id % 2 === 0) x.browser = new browserLeg.BrowserLeg(s, webrtc);
    let seen = 0;
    s.on('message', (msg) => {
      if (x.browser) {
        if (x.browser.demux(msg)) return;
        // rtcp-mux (RFC 5761 §4): payload types 192-223 in the second octet are RTCP, not counted as RTP.
        if (msg.length > 1 && msg[1] >= 192 && msg[1] <= 223) return;
        if (seen++ % CHECK_EVERY === 0) x.browser.check(msg);
      }
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
  const out = x.srtp ?? x.browser?.out;
  if (x.browser && !out) return; // not connected: a browser sends no media before DTLS-SRTP
  const b = Buffer.allocUnsafe(12 + p.length + (out ? 16 : 0));
  b[0] = 0x80;
  b[1] = x.leg.pt;
  b.writeUInt16BE(x.seq & 0xffff, 2);
  b.writeUInt32BE(x.ts >>> 0, 4);
  b.writeUInt32BE(x.ssrc, 8);
  p.copy(b, 12);
  x.seq++;
  x.ts = (x.ts + x.leg.tsStep) >>> 0;
  try {
    if (out) x.sock.send(b, 0, out.protectRtp(b, 12 + p.length));
    else x.sock.send(b);
    if (x.browser && x.seq % RTCP_EVERY === 0) {
      const rr = browserLeg.rtcpReceiverReport(x.ssrc);
      x.sock.send(rr, 0, out.protectRtcp(rr, 8));
    }
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

/**
 * Connect this thread's browser legs (ice[i]: the PBX's ufrag/pwd for leg i of this thread, and
 * ours; null for a plain leg), staggered: at most `concurrency` handshakes at a time, a new one
 * started `gapMs` after the previous start, so that the handshakes' CPU (here and in the PBX)
 * does not all land at once. Returns the count and the wall time of each step.
 */
async function connectBrowsers(ice, concurrency = 4, gapMs = 5) {
  const todo = socks.map((x, i) => ({ x, ice: ice[i] })).filter((t) => t.x.browser && t.ice);
  const times = [];
  const failures = [];
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < todo.length) {
      const t = todo[next++];
      await new Promise((r) => setTimeout(r, gapMs));
      try {
        times.push(await t.x.browser.connect(t.ice));
      } catch (err) {
        // werift rejects with an Error, a string or nothing (a flight out of retransmissions): say which.
        failures.push((err instanceof Error ? err.message || err.name : String(err ?? '')) || 'handshake failed without a reason');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return { connected: times.length, failed: failures.length, failures: failures.slice(0, 3), wallMs: performance.now() - t0, iceMs: times.map((t) => t.iceMs), dtlsMs: times.map((t) => t.dtlsMs) };
}

parentPort.on('message', async (m) => {
  try {
    if (m.cmd === 'bind') parentPort.postMessage({ type: 'bound', ports: await bindAll() });
    else if (m.cmd === 'targets') {
      await setTargets(m.targets);
      parentPort.postMessage({ type: 'targets-set' });
    } else if (m.cmd === 'connect') {
      parentPort.postMessage({ type: 'connected', ...(await connectBrowsers(m.ice, m.concurrency, m.gapMs)) });
    } else if (m.cmd === 'run') {
      stats = fresh();
      window = { from: m.start + m.warmupMs, to: m.start + m.warmupMs + m.measureMs };
      rxWindow = { from: window.from + m.delayMs, to: window.to + m.delayMs };
      await run(m.start, window.to);
      await new Promise((r) => setTimeout(r, (m.delayMs ?? 0) + 300));
      const s = stats;
      window = { from: Infinity, to: -Infinity };
      rxWindow = window;
      // Browser legs: SRTP packets from the PBX opened with the DTLS-exported keys (a sample), and those that failed.
      s.srtpOpened = socks.reduce((n, x) => n + (x.browser?.opened ?? 0), 0);
      s.srtpOpenFailed = socks.reduce((n, x) => n + (x.browser?.openFailed ?? 0), 0);
      parentPort.postMessage({ type: 'result', stats: s });
    } else if (m.cmd === 'close') {
      for (const x of socks) {
        x.browser?.close();
        x.sock.close();
      }
      parentPort.postMessage({ type: 'closed' });
    }
  } catch (err) {
    parentPort.postMessage({ type: 'error', error: String(err?.stack ?? err) });
  }
});
