// The call-flows run as a Markdown section for bench/RESULTS.md (put at the top with the register
// bench's prependSection): the voicemail deposits and the IVR ramp.
const mib = (b) => (Number.isFinite(b) ? (b / 2 ** 20).toFixed(0) : '–');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const sec = (ms) => (Number.isFinite(ms) ? (ms / 1000).toFixed(1) : '–');
const kinds = (k) => Object.entries(k ?? {}).map(([a, b]) => `${a} ${b}`).join(', ');

function voicemailLines(v, o) {
  if (!v) return ['Not run.'];
  if (v.error) return [`**Error:** ${v.error}`];
  const p = v.pacer;
  return [
    `| | target | measured | |`,
    `|---|---|---|---|`,
    `| deposits completed (200 to INVITE and BYE) | ${v.deposits} | ${v.successful} (failed ${v.failed}${kinds(v.failureKinds) ? `: ${kinds(v.failureKinds)}` : ''}) | ${v.failed === 0 ? 'met' : 'missed'} |`,
    `| messages stored (API list of box 2000) | ${v.deposits} | ${v.stored} | ${v.stored === v.deposits ? 'met' : 'missed'} |`,
    `| messages that are the callers' 440 Hz tone (each downloaded through the API, energy share at 440 Hz ≥ 80 %) | ${v.deposits} | ${v.tone ? `${v.tone.checked - v.tone.notTone} of ${v.tone.checked} (share min ${f1(100 * v.tone.minShare)} %, median ${f1(100 * v.tone.medianShare)} %)` : '–'} | ${v.tone && v.tone.notTone === 0 && v.tone.checked === v.deposits ? 'met' : 'missed'} |`,
    `| message length min / median / max | ~${v.messageSeconds} s | ${sec(v.durationMinMs)} / ${sec(v.durationMedianMs)} / ${sec(v.durationMaxMs)} s (${v.shortMessages} under ${v.messageSeconds - 1} s) | |`,
    `| late pacer frames (all workers, delta over the run) | < 0.1 % | ${p.late} of ${p.paced} = **${f3(p.latePct)} %** | ${p.paced > 0 && p.latePct < 0.1 ? 'met' : 'missed'} |`,
    '',
    `- per worker: ${p.workers.map((w) => `worker ${w.worker}: ${w.late}/${w.paced}`).join('; ') || 'no counters'}`,
    `- ${v.deposits} calls set up at ${v.rate}/s, each held ${sec(v.holdMs)} s: ${sec(v.preludeMs)} s of greeting and beep (measured by a calibration call), then ${v.messageSeconds} s of message; run ${f0(v.seconds)} s`,
    `- PBX process (main thread + media workers): CPU ${f0(v.pbxCpuPct)} % of one core over the run, peak RSS ${mib(v.pbxRss)} MiB, peak PSS ${mib(v.pbxPss)} MiB, UDP receive drops ${v.pbxUdpDrops}; stored ${mib(v.storedBytes)} MiB of WAV`,
    `- the PBX's threads ran ${f1(v.sched?.runSeconds)} s and, runnable, waited ${f1(v.sched?.waitSeconds)} s for a CPU (Linux schedstat, all threads): a long wait means the other processes of the machine delayed the pacer`,
    `- SIPp (signalling and the 440 Hz rtp_stream of every call) used ${f0(v.sippCpuPct)} % of a core, the rest of the machine (other people's work) ${f0(v.otherCpuPct)} % meanwhile; SIPp retransmissions ${v.retransmissions}`,
    ...(v.problems?.length ? [`- SIPp: ${v.problems.join('; ')}`] : []),
    ...(v.profile ? [`- profile: ${v.profile}`] : []),
  ];
}

function ivrLines(ramp, o) {
  if (!ramp) return ['Not run.'];
  if (ramp.error) return [`**Error:** ${ramp.error}`];
  const rows = [
    `**Highest rate with under 1 % failures: ${ramp.best} IVR calls/s** (first failing: ${ramp.firstFail ?? 'none up to the maximum'}; search ended: ${ramp.stoppedBy}).`,
    '',
    '| offered /s | calls | achieved /s | mean call s | failed % | retrans % | PBX CPU % | PBX RSS MiB | late frames | PBX ran / waited for a CPU s | UDP drops | SIPp CPU % | rest of machine CPU % | result |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  const steps = ramp.steps.flatMap((s) => (s.disturbedAttempt ? [{ ...s.disturbedAttempt, rate: s.rate, disturbed: true }, s] : [s]));
  for (const s of steps) {
    const why = [];
    if (s.disturbed) why.push('machine busy: repeated below');
    if (s.failurePct >= 1) why.push('failures');
    if (s.achieved < 0.97 * s.rate) why.push('offered rate not reached');
    if (s.problems?.length) why.push('SIPp error');
    const k = kinds(s.failureKinds);
    rows.push(
      `| ${s.rate} | ${s.calls} | ${f1(s.achieved)} | ${sec(s.callLengthMs)} | ${f2(s.failurePct)} | ${f1(s.retransPct)} | ${f0(s.pbxCpuPct)} | ${mib(s.pbxRss)} | ${s.pacer.late}/${s.pacer.paced} (${f3(s.pacer.latePct)} %) | ${f1(s.sched?.runSeconds)} / ${f1(s.sched?.waitSeconds)} | ${s.pbxUdpDrops} | ${f0(s.sippCpuPct)} | ${f0(s.otherCpuPct)} | ${s.pass ? 'pass' : 'fail'}${why.length ? ` (${why.join(', ')}${k ? `: ${k}` : ''})` : ''} |`,
    );
  }
  const m = ramp.memory;
  if (m) {
    const calls = ramp.steps.reduce((a, s) => a + s.calls + (s.disturbedAttempt?.calls ?? 0), 0);
    rows.push(
      '',
      `- the PBX's own report after a full GC (SIGUSR2), before the ramp and ${m.settleSeconds} s after its ${calls} calls: main-thread heap ${mib(m.before.heapUsed)} → ${mib(m.after.heapUsed)} MiB, process RSS ${mib(m.before.rss)} → ${mib(m.after.rss)} MiB; calls up ${m.after.calls}, transactions left ${m.after.serverTransactions} server / ${m.after.clientTransactions} client`,
    );
  }
  return rows;
}

export function flowsSection(run) {
  const o = run.options;
  const m = run.machine;
  return [
    `## Call flows: voicemail deposits and IVR menus (${run.date})${run.quick ? ' (quick run)' : ''}`,
    '',
    `Machine: ${m.nproc} × ${m.cpuModel}, ${m.memGiB.toFixed(1)} GiB, Linux ${m.kernel}, ${m.node}, SIPp ${m.sipp}; commit ${m.revision}; load average at the start ${m.loadavg}, at the end ${run.loadEnd} (the machine is shared with other work).`,
    `Server: this repository's PBX, \`node bin/pbx serve\`, one process, UDP on 127.0.0.1, \`rtp.workers: ${o.rtpWorkers}\`; one tenant with an IP trunk on ${o.trunkHost} (SIPp binds it), DIDs routed to \`{ voicemail: "2000" }\` and \`{ ivr: main }\`. Bench: \`node bench/flows/run.mjs${run.argv ? ` ${run.argv}` : ''}\`.`,
    '',
    `### ${o.deposits} simultaneous voicemail deposits (G.711 PCMU, a 440 Hz tone, ${o.messageSeconds} s of message each)`,
    '',
    ...voicemailLines(run.voicemail, o),
    '',
    o.ivrMode === 'key'
      ? `### IVR menus answered per second (each call answered by the menu, key 2 pressed as SIP INFO ${sec(o.ivrKeyDelayMs)} s after the answer, routed by the menu to hangup: passes when the server's BYE comes; ${o.stepSeconds} s per step)`
      : `### IVR menus answered per second (each call answered by the menu, hears the greeting for ${sec(o.ivrHoldMs)} s, hangs up; ${o.stepSeconds} s per step)`,
    '',
    ...ivrLines(run.ivr, o),
    ...(run.caveats.length ? ['', ...run.caveats.map((c) => `- ${c}`)] : []),
    '',
  ].join('\n');
}
