// The calls run as a Markdown section for bench/RESULTS.md (inserted at the top with the register
// bench's prependSection): call setup rate without and with media, relay capacity, the ratios.
const mib = (b) => (Number.isFinite(b) ? (b / 2 ** 20).toFixed(1) : '–');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const ms = (us) => (Number.isFinite(us) ? (us / 1000).toFixed(2) : '–');

function cpsTable(ramp) {
  const rows = [
    '| offered /s | achieved /s | completed /s | failed % | retrans % | mean call ms | server CPU % | server PSS MiB | SIPp CPU % | UDP drops server / SIPp | rest of machine CPU % | result |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  const steps = ramp.steps.flatMap((s) => (s.disturbedAttempt ? [{ ...s.disturbedAttempt, rate: s.rate, disturbed: true }, s] : [s]));
  for (const s of steps) {
    const why = [];
    if (s.disturbed) why.push('machine busy: repeated below');
    if (s.failurePct >= 1) why.push('failures');
    if (s.achieved < 0.97 * s.rate) why.push('offered rate not reached');
    if (s.problems?.length) why.push('SIPp error');
    const kinds = Object.entries(s.failureKinds ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
    rows.push(
      `| ${s.rate} | ${f0(s.achieved)} | ${f0(s.okPerSec)} | ${f2(s.failurePct)} | ${f1(s.retransPct)} | ${f0(s.callLengthMs)} | ${f0(s.serverCpuPct)} | ${mib(s.serverPss)} | ${f0(s.sippCpuPct)} | ${s.serverUdpDrops ?? '–'} / ${s.sippUdpDrops ?? '–'} | ${f0(s.otherCpuPct)} | ${s.pass ? 'pass' : 'fail'}${why.length ? ` (${why.join(', ')}${kinds ? `: ${kinds}` : ''})` : ''} |`,
    );
  }
  return rows.join('\n');
}

function relayTable(ramp) {
  const rows = [
    '| calls | packets/s offered | sent | received | loss % | delay p50 / p99 ms | relay CPU % | generator CPU % | generator late % | relay PSS MiB | per call PSS bytes | result |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const s of ramp.steps) {
    rows.push(
      `| ${s.rate} | ${f0(s.pps)} | ${s.sent ?? '–'} | ${s.received ?? '–'} | ${f3(s.lossPct)} | ${ms(s.p50Us)} / ${ms(s.p99Us)} | ${f0(s.relayCpuPct)} | ${f0(s.generatorCpuPct)} | ${f1(s.latePct)} | ${mib(s.memDuring)} | ${f0(s.perCallPss)} | ${s.pass ? 'pass' : s.generatorBound ? 'stop (load generator behind schedule)' : s.error ? `error: ${s.error}` : 'fail (loss)'} |`,
    );
  }
  return rows.join('\n');
}

/** Calls per core at the best passing step: N / (relay CPU share of one core). */
export function callsPerCore(ramp) {
  const best = ramp.steps.find((s) => s.rate === ramp.best && s.pass);
  if (!best || !(best.relayCpuPct > 0)) return undefined;
  return { calls: best.rate, cpuPct: best.relayCpuPct, perCore: (best.rate * 100) / best.relayCpuPct, step: best };
}

function side(out, s, kind) {
  out.push(`#### ${s.title}`, '');
  for (const l of s.config ?? []) out.push(`- ${l}`);
  out.push('');
  if (s.skipped) {
    out.push(`Not measured: ${s.skipped}`, '');
    return;
  }
  const r = s.result;
  if (kind === 'cps') {
    out.push(cpsTable(r.ramp), '');
    const b = r.ramp.steps.find((x) => x.rate === r.ramp.best);
    out.push(
      `**Highest passing rate: ${r.ramp.best} calls/s**` +
        (b ? ` (server CPU ${f0(b.serverCpuPct)} % of one core, mean call ${f0(b.callLengthMs)} ms)` : '') +
        (r.ramp.firstFail !== undefined ? `; first failing rate ${r.ramp.firstFail}/s` : '') +
        (r.ramp.stoppedBy === 'budget' ? ' (search stopped by its budget)' : r.ramp.stoppedBy === 'max' ? ' (ramp maximum reached without failing)' : '') +
        '.',
      '',
    );
  } else {
    out.push(relayTable(r.ramp), '');
    const c = callsPerCore(r.ramp);
    out.push(
      `**Highest passing load: ${r.ramp.best} simultaneous two-way calls** (${2 * r.ramp.best} streams, loss under 0.1 %)` +
        (r.ramp.generatorBound ? `; the search stopped at ${r.ramp.generatorBound} calls because the load generator could not keep its schedule, so the relay's own limit is higher` : r.ramp.firstFail !== undefined ? `; first failing load ${r.ramp.firstFail} calls` : '') +
        '.',
      '',
    );
    if (c) out.push(`- relay CPU at ${c.calls} calls: ${f0(c.cpuPct)} % of one core → **${f0(c.perCore)} calls per core** (extrapolated linearly)`);
    if (r.baseline) out.push(`- added delay at ${r.ramp.best} calls: p50 ${ms(c?.step.p50Us - r.baseline.p50Us)} ms, p99 ${ms(c?.step.p99Us - r.baseline.p99Us)} ms (relay p50/p99 ${ms(c?.step.p50Us)} / ${ms(c?.step.p99Us)} ms minus the generator's own ${ms(r.baseline.p50Us)} / ${ms(r.baseline.p99Us)} ms with the legs aimed at each other)`);
    if (c) out.push(`- memory per call: ${f0(c.step.perCallPss)} bytes (PSS with ${c.calls} calls up minus PSS before the first relay step, divided by ${c.calls})`);
    out.push('');
  }
  for (const n of r.notes ?? []) out.push(`- note: ${n}`);
  if (r.notes?.length) out.push('');
}

export function callsSection(run) {
  const m = run.machine;
  const out = [];
  out.push(`## ${run.date}: calls: setup rate and media relay${run.quick ? ' (quick smoke run, not a figure)' : ''}`, '');
  out.push(
    `Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memGiB.toFixed(1)} GiB RAM, Linux ${m.kernel}, Node ${m.node}, Kamailio ${m.kamailio}, rtpengine ${run.rtpengineVersion}, SIPp ${m.sipp}; load average before the run ${m.loadavg}. Repository at ${m.revision ?? 'unknown'}.`,
    '',
  );
  const o = run.options;
  out.push(
    `Call load: ${run.pairs} caller/callee pairs in ${o.tenants} tenants (domains t000.bench..; caller i calls callee i of its tenant); every callee is registered (digest auth) with a Contact on one answering SIPp (\`test/sipp/call-uas.xml\`: 180, 200 with SDP at once, waits for the BYE). ` +
      `The caller (one SIPp) sends INVITE with SDP, answers the 407 challenge (MD5, qop=auth), ACKs the 200, holds ${o.callMs} ms, sends BYE. Steps of ${o.stepSeconds} s from ${o.cpsStart}/s by ${o.cpsStep}/s, then bisection to ${o.cpsResolution}/s; a step passes when under 1 % of its calls fail and SIPp really offered 97 % of the rate. ` +
      `With media: \`test/sipp/call-uac.xml\` plays PCMU (50 packets/s, 160-byte payloads) for the call and the callee SIPp echoes it (\`-rtp_echo\`).`,
    '',
    `Relay load: N calls at once, two streams each (caller → callee, callee → caller), 50 packets/s per stream, 12-byte RTP header + 160 bytes, from a Node load generator (\`bench/calls/lib/rtp-load.mjs\`, ${o.genThreads} worker threads) that stamps each packet with its send time; ${o.relayWarmupSeconds} s warm-up, then ${o.relaySeconds} s measured. A step passes with under 0.1 % loss; steps from ${o.relayStart} calls by ${o.relayStep}, bisection to ${o.relayResolution}.`,
    '',
  );
  const groups = [
    ['Call setup rate, 1 s calls, no media', 'cps', run.cps],
    ['Call setup rate, 1 s calls, G.711 both ways', 'cps', run.cpsMedia],
    ['Relay capacity: simultaneous two-way G.711 calls', 'relay', run.relay],
  ];
  for (const [title, kind, sides] of groups) {
    if (!sides?.length) continue;
    out.push(`### ${title}`, '');
    for (const s of sides) side(out, s, kind);
  }
  out.push('### Summary', '');
  for (const l of run.summary) out.push(`- ${l}`);
  out.push('');
  if (run.caveats.length) {
    out.push('### Caveats', '');
    for (const c of run.caveats) out.push(`- ${c}`);
    out.push('');
  }
  return out.join('\n');
}
