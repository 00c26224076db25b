// The bench/media section of RESULTS.md: one table per scenario (PBX beside rtpengine), the
// ratio of calls per core, memory per call, and every step measured.
const f0 = (x) => (x === undefined || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-US'));
const f1 = (x) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(1));
const f3 = (x) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));
const kib = (b) => (b === undefined || !Number.isFinite(b) ? '–' : `${(b / 1024).toFixed(1)} KiB`);

function row(label, s) {
  if (!s) return `| ${label} | not run | | | | |`;
  const b = s.best;
  const limit = s.firstFail === undefined ? `≥ ${s.maxCalls} (no failing step)` : `${s.maxCalls} (fails at ${s.firstFail})`;
  return `| ${label} | ${limit} | ${b ? f0(b.engineCpuPct) + ' %' : '–'} | ${f0(s.callsPerCore)} | ${b ? kib(b.perCallPss) : '–'} | ${b ? `${f3(b.lossPct)} % / ${b.lateFramesPct === undefined ? '–' : f3(b.lateFramesPct) + ' %'}` : '–'} |`;
}

export function mediaSection(run) {
  const { date, machine: m, o } = run;
  const d = date.toISOString();
  const lines = [
    `## ${d.slice(0, 10)} ${d.slice(11, 16)} UTC: media: transcoding and relay per core${o.quick ? ' (quick)' : ''}`,
    '',
    `Machine: ${m.cpuModel}, ${m.nproc} cores, ${m.memGiB.toFixed(1)} GiB, Linux ${m.kernel}; load average before ${m.loadavg}; revision ${m.revision}.`,
    `PBX: one media worker thread (the project's MediaController, steered as the B2BUA steers it, no SIP), Node ${run.pbxNode ?? '?'}, Opus through ${run.opusBackend ?? '?'}. Reference: rtpengine ${run.rtpengineVersion} (Debian), userspace, \`--num-threads=${o.rtpengineThreads}\`, transcoding with ng \`codec: { transcode: [...] }\`.`,
    `Load: ${o.genThreads} generator thread(s) in the bench process on the same 2 cores, real encoded frames (a 1 kHz tone) every 20 ms on both legs of each call; steps of ${o.measureMs / 1000} s after ${o.warmupMs / 1000} s of warm-up, calls doubled from ${o.start} until a step fails, then bisected. A step passes with under 0.1 % of packets lost (arrivals within 200 ms) and, for the PBX, under 0.1 % of the worker's 20 ms frames late (framesLate / framesPaced). Calls per core = calls / engine CPU (utime + stime of its process tree from /proc, sampled the same way for both) at the highest passing step. Memory per call = PSS growth of the engine's processes / calls.`,
    '',
    '| engine, calls | highest passing | engine CPU there | calls per core | memory per call | loss / late frames |',
    '|---|---|---|---|---|---|',
  ];
  const ratios = [];
  for (const [key, label] of [['g722', 'PCMU↔G.722'], ['opus', 'PCMU↔Opus'], ['relay', 'PCMU relay (no transcoding)']]) {
    const r = run.results[key];
    if (!r) continue;
    lines.push(row(`PBX ${label}`, r.pbx));
    if (key !== 'relay') lines.push(row(`rtpengine ${label}`, r.rtpengine));
    if (r.pbx?.callsPerCore && r.rtpengine?.callsPerCore) ratios.push(`${label}: PBX / rtpengine per core = ${(r.pbx.callsPerCore / r.rtpengine.callsPerCore).toFixed(2)} (target ≥ 1.0)`);
  }
  lines.push('');
  for (const x of ratios) lines.push(`- ${x}`);
  lines.push('- Conference participants per core: not measured yet (conferences are not wired into the worker).');
  lines.push('', '<details><summary>every step</summary>', '', '| engine | calls | pass | loss | late frames | engine CPU | generator CPU | generator lag max | PSS/call |', '|---|---|---|---|---|---|---|---|---|');
  for (const [key, r] of Object.entries(run.results)) {
    for (const who of ['pbx', 'rtpengine']) {
      for (const s of r[who]?.steps ?? []) lines.push(`| ${who} ${key} | ${s.calls} | ${s.ok ? 'yes' : 'no'} | ${f3(s.lossPct)} % | ${s.lateFramesPct === undefined ? '–' : f3(s.lateFramesPct) + ' %'} | ${f0(s.engineCpuPct)} % | ${f0(s.generatorCpuPct)} % | ${f1(s.maxLagMs)} ms | ${kib(s.perCallPss)} |`);
    }
  }
  lines.push('', '</details>', '');
  return lines.join('\n');
}
