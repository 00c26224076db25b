// N simultaneous voicemail deposits: a SIPp "carrier" on the tenant trunk's own loopback address
// calls the DID whose inbound route is { voicemail: "2000" } N times (no digest: a trunk is known
// by its address), plays a 440 Hz G.711 tone with rtp_stream for the whole call and hangs up
// `messageSeconds` after the recording started. What the caller hears before the beep (the
// system greeting "the person at extension 2 0 0 0 is not available, leave a message, beep")
// is measured first by one calibration call to another box: call length − stored duration.
// Measured: every message stored (API), their durations, the media workers' pacer counters
// over the run (/metrics delta), CPU and memory of the PBX, set-up failures.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Sampler } from '../../lib/proc-stats.mjs';
import { startSipp } from '../../calls/lib/sipp-calls.mjs';
import { pacerDelta } from './pbx-api.mjs';
import { schedDelta, schedTimes } from './sched-wait.mjs';
import { readWav, toneShareOf } from './tone-check.mjs';
import { CALIBRATION_BOX, CALIBRATION_DID, TENANT, VM_BOX, VM_DID } from './flows-config.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sec = (ms) => (Number.isFinite(ms) ? (ms / 1000).toFixed(1) : '–');

function carrierCsv(did, n, firstCaller) {
  return 'SEQUENTIAL\n' + Array.from({ length: n }, (_, i) => `${did};+4915${String(firstCaller + i).padStart(8, '0')}`).join('\n') + '\n';
}

/** Polls the box until it holds `want` messages or nothing changed for `quietMs`; bounded. */
async function settleMessages(api, box, want, quietMs, maxMs) {
  const end = Date.now() + maxMs;
  let last = -1;
  let since = Date.now();
  let items = [];
  while (Date.now() < end) {
    items = await api.messages(TENANT, box);
    if (items.length >= want) return items;
    if (items.length !== last) {
      last = items.length;
      since = Date.now();
    } else if (Date.now() - since > quietMs) return items;
    await sleep(500);
  }
  return items;
}

/** Downloads every message and measures its share of the 440 Hz tone the callers played. */
async function toneCheck(api, box, messages, log) {
  const shares = [];
  const bad = [];
  for (const m of messages) {
    try {
      const w = readWav(await api.audio(TENANT, box, m.id));
      const share = toneShareOf(w.samples, w.rate, 440);
      shares.push(share);
      if (share < 0.8) bad.push(`${m.id}: ${(100 * share).toFixed(0)} %`);
    } catch (err) {
      shares.push(0);
      bad.push(`${m.id}: ${err.message}`);
    }
  }
  shares.sort((a, b) => a - b);
  if (bad.length) log(`voicemail: ${bad.length} messages are not the 440 Hz tone: ${bad.slice(0, 5).join('; ')}`);
  return { checked: shares.length, minShare: shares[0], medianShare: shares[Math.floor(shares.length / 2)], notTone: bad.length, examples: bad.slice(0, 3) };
}

/** One deposit held `holdMs`: how long the caller heard prompts before the recording began. */
export async function calibrate({ server, api, dir, o, log }) {
  const file = join(dir, 'calibration.csv');
  writeFileSync(file, carrierCsv(CALIBRATION_DID, 1, 0));
  const holdMs = 15_000;
  const run = startSipp({ dir, tag: 'vm-calibration', target: `${server.host}:${server.port}`, scenario: o.carrierScenario, csv: file, localIp: o.trunkHost, localPort: o.callerPort, mediaPort: o.callerMediaPort, calls: 1, rate: 1, pauseMs: holdMs, timeoutSeconds: 60 });
  const done = await run.done;
  if ((done.summary?.successful ?? 0) !== 1) throw new Error(`the calibration deposit failed: ${JSON.stringify(done.summary?.failureKinds ?? {})} ${done.problems.join('; ')}`);
  const items = await settleMessages(api, CALIBRATION_BOX, 1, 5000, 20_000);
  const m = items.at(-1);
  if (!m) throw new Error(`the calibration deposit left no message in box ${CALIBRATION_BOX} (silence dropped? see ${server.logFile})`);
  const preludeMs = Math.max(0, holdMs - m.durationMs);
  log(`calibration: a ${holdMs} ms call left a ${m.durationMs} ms message: ${preludeMs} ms of greeting and beep before the recording`);
  return { preludeMs, calibrationMessageMs: m.durationMs };
}

/**
 * @returns {Promise<object>} the deposit run's figures (see results-md.mjs)
 */
export async function depositRun({ server, api, dir, o, log, preludeMs }) {
  const n = o.deposits;
  const file = join(dir, 'deposits.csv');
  writeFileSync(file, carrierCsv(VM_DID, n, 1000));
  const before = await api.messages(TENANT, VM_BOX);
  const holdMs = preludeMs + o.messageSeconds * 1000 + 1000;
  const sampler = new Sampler({ pbx: { pids: () => server.pids(), ports: () => [server.port] }, sipp: { pids: () => (sippPid ? [sippPid] : []) } }, 500);
  const pacer0 = await api.pacer();
  const sched0 = schedTimes(server.pids());
  let sippPid;
  sampler.start();
  const t0 = Date.now();
  log(`voicemail: ${n} deposits at ${o.depositRate}/s, each call ${(holdMs / 1000).toFixed(1)} s (${o.messageSeconds} s of message)`);
  const sipp = startSipp({
    dir,
    tag: 'vm-deposits',
    target: `${server.host}:${server.port}`,
    scenario: o.carrierScenario,
    csv: file,
    localIp: o.trunkHost,
    localPort: o.callerPort,
    mediaPort: o.callerMediaPort,
    calls: n,
    rate: o.depositRate,
    pauseMs: holdMs,
    maxCalls: n + 10,
    timeoutSeconds: Math.ceil(holdMs / 1000 + n / o.depositRate) + 60,
  });
  sippPid = sipp.pid();
  const done = await sipp.done;
  const pacer1 = await api.pacer();
  const sched = schedDelta(sched0, schedTimes(server.pids()));
  const usage = sampler.stop();
  const seconds = (Date.now() - t0) / 1000;
  const s = done.summary;
  const after = await settleMessages(api, VM_BOX, before.length + n, 5000, 30_000);
  const known = new Set(before.map((m) => m.id));
  const fresh = after.filter((m) => !known.has(m.id));
  const durations = fresh.map((m) => m.durationMs).sort((a, b) => a - b);
  const pacer = pacerDelta(pacer0, pacer1);
  const tone = await toneCheck(api, VM_BOX, fresh, log);
  const r = {
    deposits: n,
    rate: o.depositRate,
    holdMs,
    preludeMs,
    messageSeconds: o.messageSeconds,
    seconds,
    created: s?.created ?? 0,
    successful: s?.successful ?? 0,
    failed: Math.max(0, n - (s?.successful ?? 0)),
    failureKinds: s?.failureKinds ?? {},
    retransmissions: s?.retransmissions ?? 0,
    problems: done.problems,
    stored: fresh.length,
    storedBytes: fresh.reduce((a, m) => a + (m.bytes ?? 0), 0),
    durationMinMs: durations[0],
    durationMedianMs: durations[Math.floor(durations.length / 2)],
    durationMaxMs: durations.at(-1),
    shortMessages: durations.filter((d) => d < (o.messageSeconds - 1) * 1000).length,
    pacer,
    sched,
    tone,
    pbxCpuPct: usage.groups.pbx.cpuPct,
    pbxRss: usage.groups.pbx.rss,
    pbxPss: usage.groups.pbx.pss,
    pbxUdpDrops: usage.groups.pbx.udpDrops,
    sippCpuPct: usage.groups.sipp.cpuPct,
    otherCpuPct: usage.otherCpuPct,
  };
  r.pass = r.stored === n && r.failed === 0 && tone.notTone === 0 && pacer.paced > 0 && pacer.latePct < 0.1;
  log(
    `voicemail: ${r.successful}/${n} calls completed, ${r.stored}/${n} messages stored (${sec(r.durationMinMs)}-${sec(r.durationMaxMs)} s), ` +
      `late frames ${pacer.late}/${pacer.paced} (${pacer.latePct.toFixed(3)} %), PBX CPU ${r.pbxCpuPct.toFixed(0)} %, RSS ${(r.pbxRss / 2 ** 20).toFixed(0)} MiB, SIPp CPU ${r.sippCpuPct.toFixed(0)} %, PBX ran ${sched.runSeconds.toFixed(1)} s and waited ${sched.waitSeconds.toFixed(1)} s for a CPU, rest of machine ${r.otherCpuPct.toFixed(0)} % => ${r.pass ? 'pass' : 'FAIL'}`,
  );
  return r;
}
