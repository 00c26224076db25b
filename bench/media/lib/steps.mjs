// One measured step of bench/media: N simultaneous two-way calls through one media engine
// (the PBX's media worker, or rtpengine), the generator sending real codec frames on both legs
// of each call, the engine's CPU (utime + stime of its process tree, /proc) and memory (PSS)
// sampled over the measuring window.
import { cpuSeconds, memoryBytes, Sampler } from '../../lib/proc-stats.mjs';
import { CodecLoad } from './codec-load.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The codecs a call's legs carry: RTP payload type and timestamp step, the PBX's LegCodec, rtpengine's SDP. */
export const CODECS = {
  PCMU: { pt: 0, tsStep: 160, leg: { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 }, rtpmap: 'PCMU/8000', ng: 'PCMU' },
  G722: { pt: 9, tsStep: 160, leg: { payloadType: 9, name: 'G722', clockRate: 8000, channels: 1 }, rtpmap: 'G722/8000', ng: 'G722' },
  opus: { pt: 96, tsStep: 960, leg: { payloadType: 96, name: 'opus', clockRate: 48000, channels: 2 }, rtpmap: 'opus/48000/2', ng: 'opus' },
};

export function sdp(port, codec, id) {
  const c = CODECS[codec];
  return ['v=0', `o=- ${id} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP ${c.pt}`, `a=rtpmap:${c.pt} ${c.rtpmap}`, 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
}

function sdpAudio(text) {
  const m = /^m=audio (\d+) /m.exec(text);
  return m ? { host: '127.0.0.1', port: Number(m[1]) } : undefined;
}

export async function measure(load, pids, o) {
  const sampler = new Sampler({ engine: { pids } }, 500);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  sampler.start();
  // Arrivals are counted in the send window itself: in steady state (after the warm-up) as many
  // arrive in it as were sent in it, whatever delay the engine adds.
  const r = await load.run({ warmupMs: o.warmupMs, measureMs: o.measureMs, delayMs: 0 });
  const usage = sampler.stop();
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  return { ...r, engineCpuPct: usage.groups.engine.cpuPct, enginePss: usage.groups.engine.pss, generatorCpuPct: (cpu.user + cpu.system) / 1e4 / seconds, otherCpuPct: usage.otherCpuPct };
}

/**
 * The PBX's media worker: sessions made as the B2BUA makes them; `transcode` false = plain relay.
 * srtp: leg a is SDES-SRTP (the generator protects with `key`, the worker opens it and protects back with `pbxKey`).
 * webrtc: leg a is a browser leg ({ certPem, keyPem, fingerprint }: the generator's certificate):
 * the worker gets the leg's ICE-lite/DTLS config, the generator checks with the ufrag/pwd the
 * worker's side made and shakes hands as DTLS client (staggered: `handshakes`), then the measured
 * window is the steady state of SRTP on leg a, RTP on leg b. The handshake phase is reported apart.
 */
export async function pbxStep({ host, calls, a, b, transcode, threads, warmupMs, measureMs, payloads, srtp, webrtc, handshakes = { concurrency: 4, gapMs: 5 } }) {
  const load = await CodecLoad.create({ calls, threads, a: { pt: CODECS[a].pt, tsStep: CODECS[a].tsStep, payloads: payloads[a] }, b: { pt: CODECS[b].pt, tsStep: CODECS[b].tsStep, payloads: payloads[b] }, ...(srtp ? { srtp: { suite: srtp.suite, key: srtp.key } } : {}), ...(webrtc ? { webrtc: { certPem: webrtc.certPem, keyPem: webrtc.keyPem } } : {}) });
  try {
    await sleep(300);
    const before = memoryBytes(host.pids());
    const remoteUfrags = Array.from({ length: calls }, (_, c) => `brw${c}`);
    const { ports, ice } = await host.request({ op: 'setup', calls, a: CODECS[a].leg, b: CODECS[b].leg, transcode, targets: load.ports.map((port) => ({ host: '127.0.0.1', port })), ...(srtp ? { srtp: { suite: srtp.suite, recvKey: srtp.key, sendKey: srtp.pbxKey } } : {}), ...(webrtc ? { webrtc: { fingerprint: webrtc.fingerprint, remoteUfrags } } : {}) });
    await load.setTargets(ports.map((port) => ({ host: '127.0.0.1', port })));
    let handshake;
    if (webrtc) {
      // ice by leg id: leg a of call c is leg 2c.
      const byLeg = [];
      ice.forEach((x, c) => (byLeg[2 * c] = { ufrag: x.ufrag, pwd: x.pwd, remoteUfrag: remoteUfrags[c] }));
      const pids = host.pids();
      const cpu0 = cpuSeconds(pids);
      const gen0 = process.cpuUsage();
      const r = await load.connect(byLeg, handshakes);
      const gen = process.cpuUsage(gen0);
      const sorted = (xs) => [...xs].sort((x, y) => x - y);
      const dtls = sorted(r.dtlsMs);
      handshake = {
        connected: r.connected,
        failed: r.failed,
        failures: r.failures,
        wallMs: r.wallMs,
        engineCpuMs: 1000 * (cpuSeconds(pids) - cpu0),
        generatorCpuMs: (gen.user + gen.system) / 1000,
        dtlsMsMedian: dtls[Math.floor(dtls.length / 2)],
        dtlsMsMax: dtls[dtls.length - 1],
        iceMsMax: Math.max(...r.iceMs),
        ...handshakes,
      };
    }
    const l0 = (await host.request({ op: 'load' })).load;
    const r = await measure(load, () => host.pids(), { warmupMs, measureMs });
    const l1 = (await host.request({ op: 'load' })).load;
    const during = memoryBytes(host.pids());
    const paced = (l1.framesPaced ?? 0) - (l0.framesPaced ?? 0);
    const late = (l1.framesLate ?? 0) - (l0.framesLate ?? 0);
    return {
      ...r,
      framesPaced: paced,
      framesLate: late,
      // The bare relay paces no frames: no late-frame figure.
      lateFramesPct: l1.framesPaced === undefined ? undefined : paced > 0 ? (100 * late) / paced : 0,
      workerCpuPct: l1.cpuMs !== undefined && l0.cpuMs !== undefined ? (100 * (l1.cpuMs - l0.cpuMs)) / (warmupMs + measureMs + 400) : undefined,
      transcoding: l1.transcoding,
      perCallPss: (during.pss - before.pss) / calls,
      ...(handshake ? { handshake } : {}),
    };
  } finally {
    await host.request({ op: 'teardown' }).catch(() => undefined);
    await load.close();
  }
}

/** rtpengine over ng: the caller offers `a`, rtpengine is told to add `b` (codec-transcode), the callee answers `b` only. */
export async function rtpengineStep({ rtpengine, calls, a, b, threads, warmupMs, measureMs, payloads, tag }) {
  const ng = rtpengine.ng;
  const load = await CodecLoad.create({ calls, threads, a: { pt: CODECS[a].pt, tsStep: CODECS[a].tsStep, payloads: payloads[a] }, b: { pt: CODECS[b].pt, tsStep: CODECS[b].tsStep, payloads: payloads[b] } });
  const ids = [];
  try {
    await sleep(300);
    const before = memoryBytes(rtpengine.pids());
    const targets = [];
    for (let c0 = 0; c0 < calls; c0 += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, calls - c0) }, async (_, k) => {
          const c = c0 + k;
          const callId = `${tag}-${c}`;
          ids.push(callId);
          const transcode = a === b ? {} : { codec: { transcode: [CODECS[b].ng] } };
          const offer = await ng.request({ command: 'offer', 'call-id': callId, 'from-tag': `a${c}`, sdp: sdp(load.ports[2 * c], a, c), flags: ['trust-address'], replace: ['origin', 'session-connection'], ...transcode });
          const answer = await ng.request({ command: 'answer', 'call-id': callId, 'from-tag': `a${c}`, 'to-tag': `b${c}`, sdp: sdp(load.ports[2 * c + 1], b, c), flags: ['trust-address'], replace: ['origin', 'session-connection'] });
          targets[2 * c + 1] = sdpAudio(offer.sdp);
          targets[2 * c] = sdpAudio(answer.sdp);
          if (a !== b && !new RegExp(`rtpmap:${CODECS[a].pt} `).test(answer.sdp)) throw new Error(`rtpengine answered the caller without ${a}: ${answer.sdp}`);
        }),
      );
    }
    await load.setTargets(targets);
    const r = await measure(load, () => rtpengine.pids(), { warmupMs, measureMs });
    const during = memoryBytes(rtpengine.pids());
    return { ...r, lateFramesPct: undefined, perCallPss: (during.pss - before.pss) / calls };
  } finally {
    for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => ng.request({ command: 'delete', 'call-id': id }).catch(() => undefined)));
    await load.close();
  }
}
