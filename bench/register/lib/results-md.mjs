// Turns one REGISTER run into a Markdown section (bench/lib/results-file.mjs puts it at the top
// of RESULTS.md).

const mib = (b) => (b / 2 ** 20).toFixed(1);
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');

function stepTable(ramp, quietPct) {
  const rows = [
    '| offered /s | achieved /s | 200 OK /s | failed % | retrans % | mean call ms | server CPU % | server RSS MiB | server PSS MiB | SIPp CPU % | UDP drops server / SIPp | rest of machine CPU % | result |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  const rows2 = ramp.steps.flatMap((s) => (s.disturbedAttempt ? [{ ...s.disturbedAttempt, rate: s.rate, disturbed: true }, s] : [s]));
  for (const s of rows2) {
    const why = [];
    if (s.disturbed) why.push('the rest of the machine was busy: repeated below');
    if (s.failurePct >= 1) why.push('failures');
    if (s.achieved < 0.97 * s.rate) why.push('offered rate not reached');
    if (s.sippBound) why.push('SIPp at a full core');
    if (s.problems?.length) why.push('SIPp error');
    if (s.busyBeforePct >= quietPct) why.push('machine busy at the start');
    const kinds = Object.entries(s.failureKinds ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    rows.push(
      `| ${s.rate} | ${f0(s.achieved)} | ${f0(s.okPerSec)} | ${f2(s.failurePct)} | ${f1(s.retransPct)} | ${s.callLengthMs === 0 && s.okPerSec > 0 ? '<1' : f1(s.callLengthMs)} | ${f0(s.serverCpuPct)} | ${mib(s.serverRss)} | ${mib(s.serverPss)} | ${f0(s.sippCpuPct)} | ${s.serverUdpDrops ?? '–'} / ${s.sippUdpDrops ?? '–'} | ${f0(s.otherCpuPct)} | ${s.pass ? 'pass' : 'fail'}${why.length ? ` (${why.join(', ')}${kinds ? `: ${kinds}` : ''})` : ''} |`,
    );
  }
  return rows.join('\n');
}

/** The highest passing step that also shows no overload: under 1 % retransmissions per call. */
export function cleanBest(ramp) {
  const clean = ramp.steps.filter((s) => s.pass && s.retransPct < 1);
  return clean.length ? clean.reduce((a, b) => (b.rate > a.rate ? b : a)) : undefined;
}

function memoryLines(r, userCount) {
  const m = r.memory;
  if (!m) return ['- memory: not measured'];
  const lines = [
    `- memory at rest (tenants loaded, nothing registered): RSS ${mib(m.base.rss)} MiB, PSS ${mib(m.base.pss)} MiB` +
      (m.base.shm !== undefined ? `, Kamailio shm in use ${mib(m.base.shm)} MiB` : ''),
    `- after registering all ${userCount} extensions once and waiting: RSS ${mib(m.after.rss)} MiB, PSS ${mib(m.after.pss)} MiB` +
      (m.after.shm !== undefined ? `, shm in use ${mib(m.after.shm)} MiB` : '') +
      (m.contacts !== undefined ? `; the server reports ${m.contacts} contacts` : ''),
    `- **per contact: ${f0(m.perContactPss)} bytes (PSS delta / ${m.divisor ?? userCount} contacts)**, RSS delta ${f0(m.perContactRss)} bytes` +
      (m.perContactShm !== undefined ? `, Kamailio's shm allocator delta ${f0(m.perContactShm)} bytes` : ''),
  ];
  if (m.warm) {
    lines.push(
      `- split: the first registration in each of the ${m.tenants} tenants took PSS from ${mib(m.base.pss)} to ${mib(m.warm.pss)} MiB ` +
        `(**${f0(m.perTenantPss)} bytes per tenant**${/pbx/i.test(r.name ?? '') ? ": opening that tenant's SQLite store; garbage collected meanwhile can make it negative" : ''}); ` +
        `each of the ${m.furtherContacts} further contacts then cost **${f0(m.perFurtherContactPss)} bytes** (PSS)` +
        (m.perFurtherContactShm !== undefined ? `, ${f0(m.perFurtherContactShm)} bytes of Kamailio shm` : '') +
        (m.perFurtherContactHeap !== undefined ? `, ${f0(m.perFurtherContactHeap)} bytes of live JS heap (after a full GC)` : ''),
    );
  }
  if (m.afterRamp) lines.push(`- after the ramp: RSS ${mib(m.afterRamp.rss)} MiB, PSS ${mib(m.afterRamp.pss)} MiB` + (r.contactsAfterRamp !== undefined ? `, ${r.contactsAfterRamp} registered` : ''));
  return lines;
}

/** @param {{ date: string, machine: object, options: object, userCount: number, tenants: number, sides: object[], ratio?: number, caveats: string[] }} run */
export function runSection(run) {
  const m = run.machine;
  const out = [];
  out.push(`## ${run.date}: REGISTER with digest auth${run.quick ? ' (quick smoke run, not a figure)' : ''}`, '');
  out.push(
    `Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memGiB.toFixed(1)} GiB RAM, Linux ${m.kernel}, Node ${m.node}, Kamailio ${m.kamailio}, SIPp ${m.sipp}; load average before the run ${m.loadavg}. Repository at ${m.revision ?? 'unknown'}.`,
    '',
  );
  const o = run.options;
  out.push(
    `Load: ${run.userCount} extensions in ${run.tenants} tenants (domains t000.bench..), SIPp \`bench/register/register-auth.xml\` over UDP on 127.0.0.1 ` +
      `(REGISTER → 401 → REGISTER with MD5 digest, qop=auth → 200; Expires 3600; one contact per extension), ` +
      `${o.sippProcs} SIPp process${o.sippProcs > 1 ? 'es' : ''}, steps of ${o.stepSeconds} s from ${o.start}/s by ${o.step}/s then bisection to ${o.resolution}/s. ` +
      `A step passes when under 1 % of its calls fail (any reply other than 401 then 200, or no reply within ${o.recvTimeoutMs / 1000} s) and SIPp really offered at least 97 % of the rate.`,
    '',
  );
  const headline = [];
  for (const side of run.sides) {
    out.push(`### ${side.title}`, '');
    for (const l of side.config) out.push(`- ${l}`);
    out.push('');
    if (side.skipped) {
      out.push(`Not measured: ${side.skipped}`, '');
      headline.push(`- ${side.title}: not measured (${side.skipped})`);
      continue;
    }
    const r = side.result;
    out.push(stepTable(r.ramp, o.quietPct), '');
    const bestStep = r.ramp.steps.find((s) => s.rate === r.ramp.best);
    out.push(
      `**Highest passing rate: ${r.ramp.best} authenticated registrations/s** (each one REGISTER → 401 → REGISTER → 200)` +
        (bestStep ? `, server CPU ${f0(bestStep.serverCpuPct)} % of one core, RSS ${mib(bestStep.serverRss)} MiB` : '') +
        (r.ramp.firstFail !== undefined ? `; first failing rate ${r.ramp.firstFail}/s` : '') +
        (r.ramp.stoppedBy === 'budget' ? ' (search stopped by its time/step budget)' : r.ramp.stoppedBy === 'max' ? ' (the ramp reached its maximum without failing)' : '') +
        '.',
      '',
    );
    const clean = cleanBest(r.ramp);
    out.push(
      clean
        ? `Highest rate without signs of overload (passing, under 1 % SIPp retransmissions): ${clean.rate}/s, mean call ${clean.callLengthMs === 0 ? '<1' : f1(clean.callLengthMs)} ms, server CPU ${f0(clean.serverCpuPct)} %.`
        : 'No passing step was free of retransmissions.',
      '',
    );
    out.push(...memoryLines(r, run.userCount));
    for (const n of r.notes) out.push(`- note: ${n}`);
    out.push('');
    headline.push(
      `- ${side.title}: **${r.ramp.best}/s**` +
        (bestStep ? ` at ${f0(bestStep.serverCpuPct)} % CPU` : '') +
        (clean ? ` (${clean.rate}/s without retransmissions)` : '') +
        `, ${f0(r.memory?.perContactPss)} bytes per contact`,
    );
  }
  out.push('### Summary', '', ...headline, ...(run.summaryLines ?? []));
  if (run.ratio !== undefined) out.push(`- ratio PBX / Kamailio: **${run.ratio.toFixed(2)}**`);
  out.push('');
  if (run.caveats.length) {
    out.push('### Caveats', '');
    for (const c of run.caveats) out.push(`- ${c}`);
    out.push('');
  }
  return out.join('\n');
}
