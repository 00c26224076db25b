// The bench/media section of RESULTS.md: one table per scenario (PBX beside rtpengine), the
// ratio of calls per core, memory per call, and every step measured.
const f0 = (x) => (x === undefined || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-US'));
const f1 = (x) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(1));
const f3 = (x) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));
const kib = (b) => (b === undefined || !Number.isFinite(b) ? '–' : `${(b / 1024).toFixed(1)} KiB`);

/** Memory from the largest step measured (pass or not): the fixed noise of PSS shrinks with the calls. */
function memStep(s) {
  return [...(s?.steps ?? [])].sort((x, y) => y.calls - x.calls)[0];
}

/** The engines' CPU at the same number of calls (the largest both measured): the side-by-side ratio. */
function sameLoad(r) {
  if (!r.pbx || !r.rtpengine) return undefined;
  const theirs = new Map(r.rtpengine.steps.map((x) => [x.calls, x]));
  const both = r.pbx.steps.filter((x) => theirs.has(x.calls)).sort((x, y) => y.calls - x.calls)[0];
  if (!both) return undefined;
  const t = theirs.get(both.calls);
  return { calls: both.calls, pbxCpu: both.engineCpuPct, rtpCpu: t.engineCpuPct, ratio: t.engineCpuPct / both.engineCpuPct };
}

/** The largest step with under 0.1 % loss (rtpengine's only criterion; the PBX's without its late-frame rule). */
function lossOnly(s) {
  const ok = (s?.steps ?? []).filter((x) => x.lossPct < 0.1).sort((x, y) => y.calls - x.calls)[0];
  return ok ? `${ok.calls} (${f0(ok.engineCpuPct)} %)` : '–';
}

function row(label, s) {
  if (!s) return `| ${label} | not run | | | | | |`;
  const b = s.best;
  const mem = memStep(s);
  const limit = s.firstFail === undefined ? `≥ ${s.maxCalls} (no failing step)` : `${s.maxCalls} (fails at ${s.firstFail})`;
  return `| ${label} | ${limit} | ${b ? f0(b.engineCpuPct) + ' %' : '–'} | ${f0(s.callsPerCore)} | ${mem ? `${kib(mem.perCallPss)} (at ${mem.calls})` : '–'} | ${b ? `${f3(b.lossPct)} % / ${b.lateFramesPct === undefined ? '–' : f3(b.lateFramesPct) + ' %'}` : '–'} | ${lossOnly(s)} |`;
}

export function mediaSection(run) {
  const { date, machine: m, o } = run;
  const d = date.toISOString();
  const lines = [
    `## ${d.slice(0, 10)} ${d.slice(11, 16)} UTC: media: transcoding and relay per core${o.quick ? ' (quick)' : ''}`,
    '',
    `Machine: ${m.cpuModel}, ${m.nproc} cores, ${m.memGiB.toFixed(1)} GiB, Linux ${m.kernel}; load average before ${m.loadavg}; revision ${m.revision}.`,
    `PBX: one media worker thread (the project's MediaController, steered as the B2BUA steers it, no SIP), Node ${run.pbxNode ?? '?'}, Opus through ${run.opusBackend ?? '?'}. Reference: rtpengine ${run.rtpengineVersion} (Debian), userspace, \`--num-threads=${o.rtpengineThreads}\`, transcoding with ng \`codec: { transcode: [...] }\`.`,
    `Load: ${o.genThreads} generator thread(s) in the bench process on the same 2 cores, real encoded frames (a 1 kHz tone) every 20 ms on both legs of each call; steps of ${o.measureMs / 1000} s after ${o.warmupMs / 1000} s of warm-up, calls doubled from ${o.start} until a step fails, then bisected. A step passes with under 0.1 % of packets lost (arrivals in the window against sends in it) and, for the PBX, under 0.1 % of the worker's 20 ms frames late (framesLate / framesPaced). Calls per core = calls / engine CPU (utime + stime of its process tree from /proc, sampled the same way for both) at the highest passing step. Memory per call = PSS growth of the engine's processes / calls.`,
    '',
    '| engine, calls | highest passing | engine CPU there | calls per core | memory per call | loss / late frames | largest step with < 0.1 % loss alone (CPU) |',
    '|---|---|---|---|---|---|---|',
  ];
  const ratios = [];
  for (const [key, label] of [['g722', 'PCMU↔G.722'], ['opus', 'PCMU↔Opus'], ['relay', 'PCMU relay (no transcoding)'], ['srtp', 'PCMU SRTP↔RTP (SDES AES_CM_128_HMAC_SHA1_80 on one leg)']]) {
    const r = run.results[key];
    if (!r) continue;
    lines.push(row(`PBX ${label}`, r.pbx));
    if (key !== 'relay' && key !== 'srtp') lines.push(row(`rtpengine ${label}`, r.rtpengine));
    if (r.pbx?.callsPerCore && r.rtpengine?.callsPerCore) ratios.push(`${label}: PBX / rtpengine calls per core at each one's highest passing step = ${(r.pbx.callsPerCore / r.rtpengine.callsPerCore).toFixed(2)} (target ≥ 1.0)`);
    const same = sameLoad(r);
    if (same) ratios.push(`${label}, side by side at ${same.calls} calls each: PBX ${f0(same.pbxCpu)} % of a core, rtpengine ${f0(same.rtpCpu)} %: PBX / rtpengine per core = ${same.ratio.toFixed(2)}`);
  }
  const relay = run.results.relay?.pbx;
  const srtp = run.results.srtp?.pbx;
  if (relay?.callsPerCore && srtp?.callsPerCore) {
    ratios.push(`SRTP↔RTP / plain relay calls per core, same run: ${f0(srtp.callsPerCore)} / ${f0(relay.callsPerCore)} = ${(srtp.callsPerCore / relay.callsPerCore).toFixed(2)} (highest passing: ${srtp.maxCalls} vs ${relay.maxCalls} calls)`);
  }
  lines.push('');
  for (const x of ratios) lines.push(`- ${x}`);
  for (const [key, label] of [['g722', 'PCMU↔G.722'], ['opus', 'PCMU↔Opus']]) {
    const t = run.results[key]?.transcoderMemory;
    if (t) lines.push(`- PBX ${label} transcoder state per call (both directions, ${t.calls} calls made in one thread, after GC): ${kib(t.rssPerCall)} RSS, of which ${kib(t.heapPerCall)} JS heap and ${kib(t.externalPerCall)} Buffers; libopus's native state shows in RSS only. The PSS column above is the whole engine during the load (sockets, GC slack), noisy at these call counts.`);
  }
  lines.push('- Conference participants per core: measured by bench/media/conference.mjs (its own section).');
  lines.push('', '<details><summary>every step</summary>', '', '| engine | calls | pass | loss | late frames | engine CPU | generator CPU | generator lag max | PSS/call |', '|---|---|---|---|---|---|---|---|---|');
  for (const [key, r] of Object.entries(run.results)) {
    for (const who of ['pbx', 'rtpengine']) {
      for (const s of r[who]?.steps ?? []) lines.push(`| ${who} ${key} | ${s.calls} | ${s.ok ? 'yes' : 'no'} | ${f3(s.lossPct)} % | ${s.lateFramesPct === undefined ? '–' : f3(s.lateFramesPct) + ' %'} | ${f0(s.engineCpuPct)} % | ${f0(s.generatorCpuPct)} % | ${f1(s.maxLagMs)} ms | ${kib(s.perCallPss)} |`);
    }
  }
  lines.push('', '</details>', '');
  return lines.join('\n');
}
