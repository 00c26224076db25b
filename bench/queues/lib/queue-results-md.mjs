// The queue run as a Markdown section for bench/RESULTS.md (put at the top with the register
// bench's prependSection).
const mib = (b) => (Number.isFinite(b) ? (b / 2 ** 20).toFixed(0) : '–');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const kinds = (k) => Object.entries(k ?? {}).map(([a, b]) => `${a} ${b}`).join(', ');
const met = (ok) => (ok ? 'met' : 'missed');

function runLines(r) {
  if (!r) return ['Not run.'];
  if (r.error) return [`**Error:** ${r.error}`];
  const a = r.account;
  const p = r.pacer;
  return [
    '| | target | measured | |',
    '|---|---|---|---|',
    `| callers offered (SIPp, through the trunk to the queue's DID) | ${r.rate}/s for ${r.offered / r.rate} s | ${r.offered} (created ${r.callers.created}) | ${met(r.callers.created === r.offered)} |`,
    `| answered by an agent (calls the agents' SIPp completed; the queue counted ${r.stats.answered}) | | ${a.answered} (model ~${r.expected.answered}) | |`,
    `| overflowed (queue statistics, maxWaitSeconds ${r.maxWaitSeconds} → hangup) | | ${a.overflowed} (model ~${r.expected.overflowed}) | |`,
    `| lost (offered − answered − overflowed, or a caller call that did not end in the PBX's BYE) | 0 | **${a.lost}** | ${met(a.lost === 0)} |`,
    `| callers waiting on music on hold at the peak (queue statistics, polled each second) | ~${r.targetPeak} | ${r.peak.waiting} at t = ${f0(r.peak.atSeconds)} s, longest wait then ${f0(r.peak.longestWaitSeconds)} s (model ~${r.expected.peakWaiting}) | ${met(r.peak.waiting >= 0.9 * r.targetPeak)} |`,
    `| late pacer frames (all media workers, delta over the run) | < 0.1 % | ${p.late} of ${p.paced} = **${f3(p.latePct)} %** | ${met(p.paced > 0 && p.latePct < 0.1)} |`,
    ...(r.music ? [`| music on hold reaching the waiting callers (tcpdump, ${f1(r.music.seconds)} s near the peak, packets to the callers' media port) | ~50 packets/s per caller | ${f0(r.music.perSecond)}/s while ~${f0(r.music.waiting)} waited = ${f1(r.music.perSecond / Math.max(1, r.music.waiting))} per caller (tcpdump dropped ${r.music.dropped}) | ${met(r.music.perSecond / Math.max(1, r.music.waiting) >= 45)} |`] : []),
    '',
    `- queue statistics over the run: offered ${r.stats.offered}, answered ${r.stats.answered}, abandoned ${r.stats.abandoned}, overflowed ${r.stats.overflowed}, answered within the service level ${r.stats.answeredWithinServiceLevel}, mean wait of answered calls ${f1(r.stats.averageWaitSeconds)} s, waiting at the end ${r.stats.waitingAtEnd}`,
    `- callers' SIPp: ${r.callers.successful} calls ended by the PBX's BYE, ${r.callers.failed} failed${kinds(r.callers.failureKinds) ? ` (${kinds(r.callers.failureKinds)})` : ''}, ${r.callers.retransmissions} retransmissions; agents' SIPp: ${r.agentSummary.successful} calls answered and ended, ${r.agentSummary.failed} not${kinds(r.agentSummary.failureKinds) ? ` (${kinds(r.agentSummary.failureKinds)}; by design: offers the PBX CANCELled while they rang because their caller overflowed, which the scenario marks failed, and a CANCEL crossing the agent's 200)` : ''}`,
    ...(a.problems.length ? [`- accounting: ${a.problems.join('; ')}`] : []),
    `- per worker: ${p.workers.map((w) => `worker ${w.worker}: ${w.late}/${w.paced}`).join('; ') || 'no counters'}`,
    `- PBX process (main thread + media workers): CPU ${f0(r.pbxCpuPct)} % of one core over the ${f0(r.seconds)} s run, peak RSS ${mib(r.pbxRss)} MiB, peak PSS ${mib(r.pbxPss)} MiB, UDP receive drops ${r.pbxUdpDrops}`,
    `- the PBX's threads ran ${f1(r.sched?.runSeconds)} s and, runnable, waited ${f1(r.sched?.waitSeconds)} s for a CPU (Linux schedstat): a long wait means the other processes of the machine delayed the pacer`,
    `- SIPp (callers and agents) used ${f0(r.sippCpuPct)} % of a core, the rest of the machine ${f0(r.otherCpuPct)} % meanwhile`,
    ...(r.memory ? [`- after a full GC (SIGUSR2) once the run was over: main-thread heap ${mib(r.memory.heapUsed)} MiB, RSS ${mib(r.memory.rss)} MiB, calls up ${r.memory.calls}, transactions left ${r.memory.serverTransactions} server / ${r.memory.clientTransactions} client`] : []),
    ...(r.problems?.length ? [`- SIPp: ${r.problems.join('; ')}`] : []),
  ];
}

export function queueSection(run) {
  const o = run.options;
  const m = run.machine;
  return [
    `## Call queue: ${o.agents} agents, callers at ${o.rate}/s for ${o.seconds} s on music on hold (${run.date})${run.quick ? ' (quick run)' : ''}`,
    '',
    `Machine: ${m.nproc} × ${m.cpuModel}, ${m.memGiB.toFixed(1)} GiB, Linux ${m.kernel}, ${m.node}, SIPp ${m.sipp}; commit ${m.revision}; load average at the start ${m.loadavg}, at the end ${run.loadEnd} (the machine is shared with other work).`,
    `Server: this repository's PBX, \`node bin/pbx serve\`, one process, UDP on 127.0.0.1, \`rtp.workers: ${o.rtpWorkers}\`; one tenant with an IP trunk on ${o.trunkHost} (SIPp binds it) and a DID routed to \`{ queue: support }\` (${o.strategy}, ${o.agents} static members, wrap-up 0, maxWaitSeconds ${o.maxWaitSeconds}, overflow hangup). Callers (\`bench/queues/caller-uac.xml\`) stay on music on hold until the PBX hangs up; agents (one SIPp, \`bench/queues/agent-uas.xml\`) ring 0.5 s, talk ${o.talkSeconds} s and hang up. Bench: \`node bench/queues/run.mjs${run.argv ? ` ${run.argv}` : ''}\`.`,
    '',
    ...runLines(run.queue),
    ...(run.caveats.length ? ['', ...run.caveats.map((c) => `- ${c}`)] : []),
    '',
  ].join('\n');
}
