// The bench/media conference section of RESULTS.md: participants per core of G.711 and Opus
// rooms beside the plain relay's calls per core of the same run, the 0.8× target, memory per
// participant, and every step.
import { perCore, perParticipant } from './conference-plan.mjs';

const f0 = (x) => (x === undefined || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-US'));
const f1 = (x) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(1));
const f3 = (x) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));
const kib = (b) => (b === undefined || !Number.isFinite(b) ? '–' : `${(b / 1024).toFixed(1)} KiB`);

/** The figures of one search: units at the highest passing step, CPU there, units per core, memory per unit from the largest step. */
export function summarize(s, unitsOf) {
  if (!s) return undefined;
  const b = s.best;
  const units = b ? unitsOf(b) : 0;
  const largest = [...s.steps].sort((x, y) => y.n - x.n)[0];
  return {
    units,
    firstFailUnits: s.firstFail !== undefined ? unitsOf(s.steps.find((x) => x.n === s.firstFail) ?? { n: s.firstFail, participants: undefined }) : undefined,
    cpuPct: b?.engineCpuPct,
    perCore: b ? perCore(units, b.engineCpuPct) : undefined,
    memory: largest && largest.rssDuring !== undefined ? { at: unitsOf(largest), perUnit: perParticipant(largest.rssBefore, largest.rssDuring, unitsOf(largest)) } : undefined,
  };
}

export function conferenceSection(run) {
  const { date, machine: m, o } = run;
  const d = date.toISOString();
  const relay = summarize(run.results.relay, (x) => x.n);
  const rooms = {
    g711: summarize(run.results.g711, (x) => x.participants ?? x.n * o.size),
    opus: summarize(run.results.opus, (x) => x.participants ?? x.n * o.size),
  };
  const lines = [
    `## ${d.slice(0, 10)} ${d.slice(11, 16)} UTC: media: conference participants per core${o.quick ? ' (quick)' : ''}`,
    '',
    `Machine: ${m.cpuModel}, ${m.nproc} cores, ${m.memGiB.toFixed(1)} GiB, Linux ${m.kernel}, Node ${m.node}; load average before ${m.loadavg}; revision ${m.revision}.`,
    `PBX: one media worker thread (the project's MediaController, no SIP), Node ${run.pbxNode ?? '?'}, Opus through ${run.opusBackend ?? '?'}. Rooms of ${o.size}: each participant a media session pinned to the room's worker, leg a joined to the room (PCMU, or opus/48000/2), the mixer's default of the top 3 talkers mixed, no tones or music.`,
    `Load: ${o.genThreads} generator thread(s) in the bench process on the same cores; every participant sends paced 20 ms frames (${o.talkers} talkers a tone each, the others alternately low-level noise and digital silence) and counts the mix it receives. Steps of ${o.measureMs / 1000} s after ${o.warmupMs / 1000} s of warm-up; rooms doubled from ${o.startRooms} until a step fails, then bisected; a failing step is run once more and the second run decides (both listed). A step passes with under 0.1 % of the expected frames missing at the participants and under 0.1 % of the worker's 20 ms frames late (framesLate / framesPaced). Per core = participants (or relay calls) / CPU of the engine's process (utime + stime, /proc) at the highest passing step. The relay row is run.mjs's plain PCMU relay step, same host, same run.`,
    '',
    '| load | highest passing | fails at | engine CPU there | per core | memory (RSS growth during the largest step / unit) |',
    '|---|---|---|---|---|---|',
  ];
  const row = (label, unit, x) => (x ? `| ${label} | ${f0(x.units)} ${unit} | ${x.firstFailUnits === undefined ? '– (none failed)' : f0(x.firstFailUnits)} | ${f0(x.cpuPct)} % | ${f0(x.perCore)} | ${x.memory ? `${kib(x.memory.perUnit)} (at ${f0(x.memory.at)})` : '–'} |` : `| ${label} | not run | | | | |`);
  lines.push(row('PCMU relay calls (reference)', 'calls', relay));
  lines.push(row(`G.711 (PCMU) rooms of ${o.size}`, 'participants', rooms.g711));
  lines.push(row(`Opus rooms of ${o.size}`, 'participants', rooms.opus));
  lines.push('');
  if (relay?.perCore && rooms.g711?.perCore) {
    const ratio = rooms.g711.perCore / relay.perCore;
    lines.push(`- G.711 participants per core / relay calls per core = ${ratio.toFixed(2)} (target ≥ 0.8): **${ratio >= 0.8 ? 'met' : 'not met'}**.`);
  } else lines.push('- G.711 participants per core / relay calls per core: no figure (a search had no passing step).');
  if (relay?.perCore && rooms.opus?.perCore) lines.push(`- Opus participants per core / relay calls per core = ${(rooms.opus.perCore / relay.perCore).toFixed(2)} (no target).`);
  lines.push('- Memory: RSS of the engine process (main thread + worker, no forced GC in the worker) during the step minus before its setup, divided by the participants or calls; an upper bound that includes GC slack and socket buffers.');
  lines.push('', '<details><summary>every step</summary>', '', '| load | n | participants / calls | pass | loss | late frames | engine CPU | generator CPU | generator lag max | RSS growth / unit |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const [key, s] of Object.entries(run.results)) {
    for (const x of s?.steps ?? []) {
      const units = key === 'relay' ? x.n : (x.participants ?? x.n * o.size);
      lines.push(`| ${key} | ${x.n} | ${units} | ${x.ok ? 'yes' : 'no'}${x.retry ? ' (run again)' : ''} | ${f3(x.lossPct)} % | ${x.lateFramesPct === undefined ? '–' : f3(x.lateFramesPct) + ' %'} | ${f0(x.engineCpuPct)} % | ${f0(x.generatorCpuPct)} % | ${f1(x.maxLagMs)} ms | ${x.rssDuring !== undefined ? kib(perParticipant(x.rssBefore, x.rssDuring, units)) : '–'} |`);
    }
  }
  lines.push('', '</details>', '');
  return lines.join('\n');
}
