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

/**
 * Two searches of the same run at the same number of calls (the largest where both passed): each
 * one's engine CPU there and the ratio of calls per core (= inverse ratio of CPU). On a loaded
 * machine the highest passing step is set by scheduling stalls more than by the engine; the CPU
 * at equal calls is the steadier comparison.
 */
export function atEqualLoad(x, y) {
  const ok = (s) => new Map((s?.steps ?? []).filter((t) => t.ok && !t.superseded && t.engineCpuPct > 0).map((t) => [t.calls, t]));
  const xs = ok(x);
  const ys = ok(y);
  const calls = [...xs.keys()].filter((c) => ys.has(c)).sort((p, q) => q - p)[0];
  if (calls === undefined) return undefined;
  const xc = xs.get(calls).engineCpuPct;
  const yc = ys.get(calls).engineCpuPct;
  return { calls, xCpu: xc, yCpu: yc, ratio: yc / xc };
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

const WEBRTC_LABEL = 'PCMU browser leg (ICE-lite, DTLS-SRTP AES_CM_128_HMAC_SHA1_80, rtcp-mux) ↔ RTP';

/** The machine's busy CPU besides the engine and the generator, % of one core. */
function restOfMachine(s) {
  return s.otherCpuPct === undefined ? undefined : Math.max(0, s.otherCpuPct - (s.generatorCpuPct ?? 0));
}

/**
 * Why a step failed (or what stood nearest to failing), from what was measured: the engine's own
 * late frames, the generator sending late (it shares the 2 cores: then loss is not the engine's),
 * the engine at a full core, or loss with a busy machine.
 */
export function limitedBy(s) {
  const why = [];
  if (s.handshake?.failed > 0) why.push(`${s.handshake.failed} browser legs did not connect (${s.handshake.failures?.[0] ?? '?'})`);
  if (s.srtpOpenFailed > 0) why.push(`${s.srtpOpenFailed} SRTP packets did not open`);
  if (s.lateFramesPct !== undefined && s.lateFramesPct >= 0.1) why.push('engine frames late');
  if (s.maxLagMs > 10) why.push(`generator behind (lag ${f1(s.maxLagMs)} ms)`);
  if (s.engineCpuPct >= 90) why.push('engine at a full core');
  if (s.lossPct >= 0.1 && why.length === 0) why.push(`loss with the machine busy (rest ${f0(restOfMachine(s))} %)`);
  if (s.ok) return why.length > 0 ? `passed (near: ${why.join(', ')})` : 'passed';
  return why.join(', ') || 'loss';
}

/**
 * The browser legs' handshakes (the generator's DTLS client against the worker's server),
 * from the largest passing step: what one handshake costs the engine and the generator.
 */
function handshakeSummary(s) {
  const st = [...(s?.steps ?? [])].filter((x) => x.handshake).sort((x, y) => Number(y.ok) - Number(x.ok) || y.calls - x.calls)[0];
  const h = st?.handshake;
  if (!h) return undefined;
  const per = h.engineCpuMs / Math.max(1, h.connected);
  return `Browser-leg set-up (ICE check + DTLS-SRTP handshake), measured apart from the steady state at ${h.connected} legs, ${h.concurrency} handshakes at a time per generator thread, ${h.gapMs} ms between starts: ${f1(h.wallMs / 1000)} s wall, engine CPU ${f1(per)} ms per handshake (≈ ${f0(1000 / per)} handshakes per core-second; 10 ms CPU ticks, so coarse), generator (werift DTLS client) ${f1(h.generatorCpuMs / h.connected)} ms per handshake; DTLS wall time median ${f1(h.dtlsMsMedian)} ms, max ${f1(h.dtlsMsMax)} ms.`;
}

/**
 * Issue 13 point 3: the relay beside a bare Node dgram relay (a worker thread that receives on
 * N socket pairs and sends each packet on), one thread each, measured in the same run; and the
 * total of the machine with one thread per core.
 */
function ceilingTable(run) {
  const r = run.results;
  const relay = r.relay?.pbx;
  const bare = r.bare?.pbx;
  if (!bare && !r['bare-all'] && !r['relay-all']) return [];
  const out = ['', '**Relay ceiling** (issue 13 point 3): the PBX relay (PCMU, no transcoding) beside a bare Node dgram relay (bench/media/lib/bare-relay-worker.mjs: a worker thread receiving on N socket pairs and sending each packet on, nothing else), same generator, same run.', '', '| relay | threads | highest passing | engine CPU there | calls per core | total over all cores (highest passing) |', '|---|---|---|---|---|---|'];
  const line = (label, one, all) => {
    if (!one && !all) return;
    const a = one?.best;
    const t = all?.maxCalls ? `${all.maxCalls}${all.firstFail === undefined ? ' (no failing step)' : ` (fails at ${all.firstFail})`} with ${all.threads} threads at ${f0(all.best?.engineCpuPct)} % CPU` : '–';
    out.push(`| ${label} | 1${all ? ` / ${all.threads}` : ''} | ${one ? `${one.maxCalls}${one.firstFail === undefined ? ' (no failing step)' : ` (fails at ${one.firstFail})`}` : '–'} | ${a ? f0(a.engineCpuPct) + ' %' : '–'} | ${f0(one?.callsPerCore)} | ${t} |`);
  };
  line('bare Node dgram relay', bare, r['bare-all']?.pbx);
  line('PBX media worker relay', relay, r['relay-all']?.pbx);
  out.push('');
  const eq = atEqualLoad(relay, bare);
  if (eq) out.push(`- side by side at ${eq.calls} calls each (both passed): PBX relay ${f0(eq.xCpu)} % of a core, bare Node relay ${f0(eq.yCpu)} %: PBX / bare calls per core = ${eq.ratio.toFixed(2)}`);
  if (relay?.callsPerCore && bare?.callsPerCore) out.push(`- PBX relay / bare Node relay, calls per core, same run: ${f0(relay.callsPerCore)} / ${f0(bare.callsPerCore)} = ${(relay.callsPerCore / bare.callsPerCore).toFixed(2)} (target ≥ 0.9)`);
  if (relay?.callsPerCore) out.push(`- PBX relay over all ${run.cores ?? run.machine.nproc} cores at its per-core rate: ≈ ${f0(relay.callsPerCore * (run.cores ?? run.machine.nproc))} calls (the measured total above is bounded by the generator, which shares these cores)`);
  return out;
}

export function mediaSection(run) {
  const { date, machine: m, o } = run;
  const d = date.toISOString();
  const lines = [
    `## ${d.slice(0, 10)} ${d.slice(11, 16)} UTC: media: transcoding and relay per core${o.quick ? ' (quick)' : ''}`,
    '',
    `Machine: ${m.cpuModel}, ${m.nproc} cores, ${m.memGiB.toFixed(1)} GiB, Linux ${m.kernel}, Node ${m.node}; load average before ${m.loadavg}; revision ${m.revision}.`,
    `PBX: one media worker thread (the project's MediaController, steered as the B2BUA steers it, no SIP), Node ${run.pbxNode ?? '?'}, Opus through ${run.opusBackend ?? '?'}. Reference: rtpengine ${run.rtpengineVersion} (Debian), userspace, \`--num-threads=${o.rtpengineThreads}\`, transcoding with ng \`codec: { transcode: [...] }\`.`,
    `Load: ${o.genThreads} generator thread(s) in the bench process on the same 2 cores, real encoded frames (a 1 kHz tone) every 20 ms on both legs of each call; steps of ${o.measureMs / 1000} s after ${o.warmupMs / 1000} s of warm-up, ${o.steps ? `fixed steps of ${o.steps.join(', ')} calls (no search; a failing step run once more)` : `calls doubled from ${o.start} until a step fails, then bisected (a failing step run once more)`}. A step passes with under 0.1 % of packets lost (arrivals in the window against sends in it) and, for the PBX, under 0.1 % of the worker's 20 ms frames late (framesLate / framesPaced). Calls per core = calls / engine CPU (utime + stime of its process tree from /proc, sampled the same way for both) at the highest passing step. Memory per call = PSS growth of the engine's processes / calls.`,
    ...(run.results.webrtc
      ? [
          `Browser legs: leg a of each call behaves like a browser against the worker's ICE-lite/DTLS config (set as b2bua/webrtc-legs.ts sets it, through the same worker API, no SIP): a STUN Binding check with USERNAME/MESSAGE-INTEGRITY from the ufrag/pwd the PBX side made (its answer's), USE-CANDIDATE and FINGERPRINT; a DTLS 1.2 handshake as client with werift-dtls (ECDSA P-256, use_srtp SRTP_AES128_CM_HMAC_SHA1_80, extended master secret); then SRTP PCMU every 20 ms and an SRTCP receiver report every second on the same port (rtcp-mux), with one SRTP packet in 50 from the PBX opened with the exported keys (a step fails if one does not). Leg b is plain RTP PCMU. Handshakes are staggered (${o.handshakes?.concurrency ?? 4} at a time per generator thread, ${o.handshakes?.gapMs ?? 5} ms apart) and done before the warm-up: the table is the steady state; the handshake cost is reported apart.`,
        ]
      : []),
    '',
    '| engine, calls | highest passing | engine CPU there | calls per core | memory per call | loss / late frames | largest step with < 0.1 % loss alone (CPU) |',
    '|---|---|---|---|---|---|---|',
  ];
  const ratios = [];
  for (const [key, label] of [['g722', 'PCMU↔G.722'], ['opus', 'PCMU↔Opus'], ['relay', 'PCMU relay (no transcoding)'], ['srtp', 'PCMU SRTP↔RTP (SDES AES_CM_128_HMAC_SHA1_80 on one leg)'], ['webrtc', WEBRTC_LABEL]]) {
    const r = run.results[key];
    if (!r) continue;
    lines.push(row(`PBX ${label}`, r.pbx));
    if (key === 'g722' || key === 'opus') lines.push(row(`rtpengine ${label}`, r.rtpengine));
    if (r.pbx?.callsPerCore && r.rtpengine?.callsPerCore) ratios.push(`${label}: PBX / rtpengine calls per core at each one's highest passing step = ${(r.pbx.callsPerCore / r.rtpengine.callsPerCore).toFixed(2)} (target ≥ 1.0)`);
    const same = sameLoad(r);
    if (same) ratios.push(`${label}, side by side at ${same.calls} calls each: PBX ${f0(same.pbxCpu)} % of a core, rtpengine ${f0(same.rtpCpu)} %: PBX / rtpengine per core = ${same.ratio.toFixed(2)}`);
  }
  const relay = run.results.relay?.pbx;
  const srtp = run.results.srtp?.pbx;
  if (relay?.callsPerCore && srtp?.callsPerCore) {
    ratios.push(`SRTP↔RTP / plain relay calls per core, same run: ${f0(srtp.callsPerCore)} / ${f0(relay.callsPerCore)} = ${(srtp.callsPerCore / relay.callsPerCore).toFixed(2)} (highest passing: ${srtp.maxCalls} vs ${relay.maxCalls} calls)`);
  }
  const browser = run.results.webrtc?.pbx;
  if (relay?.callsPerCore && browser?.callsPerCore) {
    ratios.push(`DTLS-SRTP browser legs / plain relay calls per core, same run: ${f0(browser.callsPerCore)} / ${f0(relay.callsPerCore)} = ${(browser.callsPerCore / relay.callsPerCore).toFixed(2)} (highest passing: ${browser.maxCalls} vs ${relay.maxCalls} calls; steady state after the handshakes)`);
  }
  for (const [k, label] of [['srtp', 'SRTP↔RTP'], ['webrtc', 'DTLS-SRTP browser legs']]) {
    const eq = atEqualLoad(run.results[k]?.pbx, relay);
    if (eq) ratios.push(`${label} / plain relay side by side at ${eq.calls} calls each (both passed): ${f0(eq.xCpu)} % vs ${f0(eq.yCpu)} % of a core: calls per core ratio ${eq.ratio.toFixed(2)}`);
  }
  const hs = handshakeSummary(browser);
  if (hs) ratios.push(hs);
  lines.push('');
  for (const x of ratios) lines.push(`- ${x}`);
  lines.push(...ceilingTable(run));
  for (const [key, label] of [['g722', 'PCMU↔G.722'], ['opus', 'PCMU↔Opus']]) {
    const t = run.results[key]?.transcoderMemory;
    if (t) lines.push(`- PBX ${label} transcoder state per call (both directions, ${t.calls} calls made in one thread, after GC): ${kib(t.rssPerCall)} RSS, of which ${kib(t.heapPerCall)} JS heap and ${kib(t.externalPerCall)} Buffers; libopus's native state shows in RSS only. The PSS column above is the whole engine during the load (sockets, GC slack), noisy at these call counts.`);
  }
  lines.push('- Conference participants per core: measured by bench/media/conference.mjs (its own section).');
  lines.push('', '<details><summary>every step</summary>', '', 'Rest of machine = busy CPU of the whole machine minus the engine and the generator (the other helpers\' work on this shared machine), in % of one core.', '', '| engine | calls | pass | loss | late frames | engine CPU | generator CPU | generator lag max | rest of machine | PSS/call | what limited it |', '|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [key, r] of Object.entries(run.results)) {
    for (const who of ['pbx', 'rtpengine']) {
      const name = key === 'bare' || key === 'bare-all' ? 'bare' : who;
      for (const s of r[who]?.steps ?? []) lines.push(`| ${name} ${key} | ${s.calls} | ${s.ok ? 'yes' : 'no'} | ${f3(s.lossPct)} % | ${s.lateFramesPct === undefined ? '–' : f3(s.lateFramesPct) + ' %'} | ${f0(s.engineCpuPct)} % | ${f0(s.generatorCpuPct)} % | ${f1(s.maxLagMs)} ms | ${f0(restOfMachine(s))} % | ${kib(s.perCallPss)} | ${limitedBy(s)} |`);
    }
  }
  lines.push('', '</details>', '');
  return lines.join('\n');
}
