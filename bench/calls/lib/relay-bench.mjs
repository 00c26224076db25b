// One step of the relay capacity benchmark: N simultaneous two-way G.711 calls (2 streams each,
// 50 packets/s per stream, 160-byte payloads) through a relay, for a warm-up and a measuring
// window, with the relay's CPU and memory sampled meanwhile. Three ways to set the calls up:
//   - rtpengine over its ng protocol (offer/answer per call, delete after),
//   - any SIP server that relays media (the PBX; or Kamailio + rtpengine) through SIPp: the SDP
//     names the generator's sockets, the server's answer says where to send,
//   - no relay at all (each call's two legs aimed at each other): the generator's own baseline.
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { memoryBytes, Sampler } from '../../lib/proc-stats.mjs';
import { callersCsv, calleesCsv } from './data.mjs';
import { pcmuSdp, sdpAudio } from './ng-client.mjs';
import { RtpLoad } from './rtp-load.mjs';
import { parseLegLog, startSipp } from './sipp-calls.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(load, relayPids, o) {
  const sampler = new Sampler({ relay: { pids: relayPids } }, 500);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  sampler.start();
  const r = await load.run({ warmupMs: o.warmupMs, measureMs: o.measureMs });
  const usage = sampler.stop();
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  return {
    ...r,
    relayCpuPct: usage.groups.relay.cpuPct,
    relayPss: usage.groups.relay.pss,
    generatorCpuPct: (cpu.user + cpu.system) / 1e4 / seconds,
    otherCpuPct: Math.max(0, usage.otherCpuPct - (cpu.user + cpu.system) / 1e4 / seconds),
  };
}

/** The generator alone: legs of each call aimed at each other. */
export async function baselineStep({ calls, threads, warmupMs, measureMs }) {
  const load = await RtpLoad.create({ calls, threads });
  try {
    const t = [];
    for (let c = 0; c < calls; c++) {
      t[2 * c] = { host: '127.0.0.1', port: load.ports[2 * c + 1] };
      t[2 * c + 1] = { host: '127.0.0.1', port: load.ports[2 * c] };
    }
    await load.setTargets(t);
    return await measure(load, () => [], { warmupMs, measureMs });
  } finally {
    await load.close();
  }
}

/** rtpengine driven over ng: offer with the caller leg's socket, answer with the callee leg's. */
export async function rtpengineStep({ rtpengine, calls, threads, warmupMs, measureMs, tag }) {
  const ng = rtpengine.ng;
  const load = await RtpLoad.create({ calls, threads });
  const ids = [];
  try {
    await sleep(500);
    const before = memoryBytes(rtpengine.pids());
    const targets = [];
    // a few requests in flight at once: set-up speed is not what is measured here
    for (let c0 = 0; c0 < calls; c0 += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, calls - c0) }, async (_, k) => {
          const c = c0 + k;
          const callId = `${tag}-${c}`;
          ids.push(callId);
          const offer = await ng.request({ command: 'offer', 'call-id': callId, 'from-tag': `a${c}`, sdp: pcmuSdp('127.0.0.1', load.ports[2 * c], c), flags: ['trust-address'], replace: ['origin', 'session-connection'] });
          const answer = await ng.request({ command: 'answer', 'call-id': callId, 'from-tag': `a${c}`, 'to-tag': `b${c}`, sdp: pcmuSdp('127.0.0.1', load.ports[2 * c + 1], c), flags: ['trust-address'], replace: ['origin', 'session-connection'] });
          // the offer's answer-side SDP is where the callee sends; the answer's is where the caller sends
          targets[2 * c + 1] = sdpAudio(offer.sdp);
          targets[2 * c] = sdpAudio(answer.sdp);
        }),
      );
    }
    if (targets.filter(Boolean).length !== 2 * calls) throw new Error('rtpengine returned SDP without an audio address');
    await load.setTargets(targets);
    const r = await measure(load, () => rtpengine.pids(), { warmupMs, measureMs });
    const during = memoryBytes(rtpengine.pids());
    return { ...r, setupFailures: 0, memBefore: before.pss, memDuring: during.pss, perCallPss: (during.pss - before.pss) / calls };
  } finally {
    for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => ng.request({ command: 'delete', 'call-id': id }).catch(() => undefined)));
    await load.close();
  }
}

/**
 * A SIP server that relays media (the PBX): SIPp callees registered on a relay-uas.xml process,
 * SIPp callers on relay-uac.xml; the SDP of each leg names a generator socket, and SIPp's logs
 * tell which server address each socket must send to. The calls last just long enough for the
 * measurement, then end with a BYE.
 */
export async function sipRelayStep({ server, pairs, calls, threads, warmupMs, measureMs, dir, tag, ports, setupRate = 100, log }) {
  const target = `${server.host}:${server.port}`;
  const use = pairs.slice(0, calls);
  const load = await RtpLoad.create({ calls, threads });
  const stepDir = join(dir, tag);
  const procs = [];
  try {
    mkdirSync(dir, { recursive: true });
    const callersFile = join(dir, `${tag}-callers.csv`);
    writeFileSync(callersFile, callersCsv(use, (_, i) => [load.ports[2 * i]]));
    const uasFile = join(dir, `${tag}-uas.csv`);
    writeFileSync(uasFile, 'SEQUENTIAL\n' + use.map((_, i) => load.ports[2 * i + 1]).join('\n') + '\n');
    const regFile = join(dir, `${tag}-callees.csv`);
    writeFileSync(regFile, calleesCsv(use, `127.0.0.1:${ports.uas}`, 600));
    await sleep(500);
    const before = memoryBytes(server.pids());
    const holdMs = Math.ceil((calls / setupRate) * 1000) + warmupMs + measureMs + 8000;
    // the callee waits for the BYE for the whole call: its receive timeout must outlast it
    const uas = startSipp({ dir: stepDir, tag: 'uas', target, scenario: ports.uasScenario, csv: uasFile, localPort: ports.uas, calls, timeoutSeconds: 600, recvTimeoutMs: holdMs + 30_000, logs: true, maxCalls: calls + 100 });
    procs.push(uas);
    const reg = startSipp({ dir: stepDir, tag: 'reg', target, scenario: ports.registerScenario, csv: regFile, localPort: ports.register, calls, rate: 500, timeoutSeconds: Math.ceil(calls / 500) + 20 });
    const regDone = await reg.done;
    if ((regDone.summary?.successful ?? 0) < calls) throw new Error(`only ${regDone.summary?.successful ?? 0} of ${calls} callees registered`);
    const uac = startSipp({ dir: stepDir, tag: 'uac', target, scenario: ports.uacScenario, csv: callersFile, localPort: ports.caller, calls, rate: setupRate, pauseMs: holdMs, timeoutSeconds: Math.ceil(holdMs / 1000) + Math.ceil(calls / setupRate) + 30, logs: true });
    procs.push(uac);
    const deadline = Date.now() + (calls / setupRate) * 1000 + 15_000;
    let a = new Map();
    let b = new Map();
    while (Date.now() < deadline) {
      a = parseLegLog(uac.logText());
      b = parseLegLog(uas.logText());
      if (a.size >= calls && b.size >= calls) break;
      await sleep(250);
    }
    const targets = load.ports.map((p) => a.get(p) ?? b.get(p));
    const missing = targets.filter((t) => !t).length;
    if (missing > 0) log?.(`${tag}: ${missing} of ${2 * calls} legs were not set up; they count as lost`);
    await load.setTargets(targets.map((t) => t ?? { host: '127.0.0.1', port: 9 }));
    const r = await measure(load, () => server.pids(), { warmupMs, measureMs });
    const during = memoryBytes(server.pids());
    const uacDone = await uac.done;
    await uas.stop();
    return { ...r, setupFailures: missing / 2, callsOk: uacDone.summary?.successful ?? 0, memBefore: before.pss, memDuring: during.pss, perCallPss: (during.pss - before.pss) / calls };
  } finally {
    for (const p of procs) await p.stop();
    await load.close();
  }
}
