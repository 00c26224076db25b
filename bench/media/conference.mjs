#!/usr/bin/env node
// Media benchmark, conference mode (issue 10): participants per core of rooms of 10 (G.711 and
// Opus) in the PBX's media worker with under 0.1 % late frames and under 0.1 % missing frames,
// beside the plain relay's calls per core measured in the same run (run.mjs's relay step), and
// memory per participant.
//
//   node bench/media/conference.mjs [--quick] [--help]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, stopAll } from '../lib/children.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { prependSection } from '../lib/results-file.mjs';
import { confPasses, TALKER_HZ } from './lib/conference-plan.mjs';
import { conferenceSection } from './lib/conference-results-md.mjs';
import { conferenceStep } from './lib/conference-step.mjs';
import { PbxMediaHost } from './lib/pbx-media-host.mjs';
import { searchLoad } from './lib/search.mjs';
import { pbxStep } from './lib/steps.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const log = (s) => process.stderr.write(`[conf ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const HELP = `usage: node bench/media/conference.mjs [options]
  --quick                 smoke run (3 s steps, coarse search, a few minutes); results go to bench/out/RESULTS-quick.md
  --only LIST             of: relay, g711, opus (default all)
  --size N --talkers N    participants per room and how many of them send a tone (default 10, 3)
  --start-rooms N --max-rooms N   first and largest room count tried (default 2, 200; quick 2, 100)
  --start N --max N       relay calls of the first step and the most tried (default 25, 1600; quick 25, 800)
  --seconds S --warmup-seconds S   measured window and warm-up per step (default 10, 2; quick 3, 1.5)
  --quiet-wait-seconds S  before each step, wait up to S for a calm machine (default 30; quick 5)
  --gen-threads N         worker threads of the RTP generator (default 1)
  --budget-seconds S      time cap of one search (default 240; quick 60)
  --cpu-prof DIR          run the PBX's media host with --cpu-prof (profiles in DIR)
  --results FILE | --no-results   where to write (default bench/RESULTS.md)`;

function options() {
  const flags = ['quick', 'no-results', 'help'];
  const strings = ['only', 'size', 'talkers', 'start-rooms', 'max-rooms', 'start', 'max', 'seconds', 'warmup-seconds', 'quiet-wait-seconds', 'gen-threads', 'budget-seconds', 'cpu-prof', 'results'];
  const { values } = parseArgs({ options: Object.fromEntries([...flags.map((f) => [f, { type: 'boolean' }]), ...strings.map((s) => [s, { type: 'string' }])]) });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const q = Boolean(values.quick);
  const num = (k, d) => (values[k] !== undefined ? Number(values[k]) : d);
  return {
    quick: q,
    only: (values.only ?? 'relay,g711,opus').split(',').map((s) => s.trim()),
    size: num('size', 10),
    talkers: num('talkers', 3),
    startRooms: num('start-rooms', 2),
    maxRooms: num('max-rooms', q ? 100 : 200),
    start: num('start', 25),
    max: num('max', q ? 800 : 1600),
    measureMs: 1000 * num('seconds', q ? 3 : 10),
    warmupMs: 1000 * num('warmup-seconds', q ? 1.5 : 2),
    quietMs: 1000 * num('quiet-wait-seconds', q ? 5 : 30),
    genThreads: num('gen-threads', 1),
    budgetMs: 1000 * num('budget-seconds', q ? 60 : 240),
    bisections: q ? 1 : 3,
    cpuProf: values['cpu-prof'],
    results: values['no-results'] ? undefined : resolve(values.results ?? (q ? join(repoRoot, 'bench', 'out', 'RESULTS-quick.md') : join(repoRoot, 'bench', 'RESULTS.md'))),
  };
}

const pct = (x) => (x === undefined ? '-' : `${x.toFixed(3)} %`);

async function main() {
  const o = options();
  installCleanup(log);
  const run = { date: new Date(), machine: machineInfo(repoRoot), o, results: {} };
  const host = await PbxMediaHost.start({ repoRoot, portMin: 24000, portMax: 27999, cpuProf: o.cpuProf });
  run.pbxNode = host.nodeVersion;
  log(`PBX media host up (pid ${host.child.pid}, ${host.nodeVersion})`);
  try {
    const common = { start: o.start, max: o.max, budgetMs: o.budgetMs, bisections: o.bisections, quietMs: o.quietMs, pids: () => host.pids(), log };
    const stepTimes = { threads: o.genThreads, warmupMs: o.warmupMs, measureMs: o.measureMs };
    if (o.only.includes('relay')) {
      const pcmu = (await host.request({ op: 'payloads', codec: 'PCMU' })).payloads;
      run.results.relay = await searchLoad({
        ...common,
        name: 'PBX PCMU relay',
        step: (n) => pbxStep({ host, calls: n, a: 'PCMU', b: 'PCMU', transcode: false, payloads: { PCMU: pcmu }, ...stepTimes }),
        passes: (r) => r.lossPct < 0.1 && (r.lateFramesPct === undefined || r.lateFramesPct < 0.1),
        describe: (n, r, ok) => `relay: ${n} calls: ${ok ? 'pass' : 'FAIL'}, loss ${r.lossPct.toFixed(3)} %, late frames ${pct(r.lateFramesPct)}, engine CPU ${r.engineCpuPct.toFixed(0)} %, generator ${r.generatorCpuPct.toFixed(0)} % (lag max ${r.maxLagMs.toFixed(1)} ms)`,
      });
    }
    for (const [key, codec] of [['g711', 'PCMU'], ['opus', 'opus']]) {
      if (!o.only.includes(key)) continue;
      const sig = async (kind, frequency) => {
        const r = await host.request({ op: 'signalPayloads', codec, kind, frequency });
        return r.payloads;
      };
      const signals = { tone: await Promise.all(TALKER_HZ.map((f) => sig('tone', f))), noise: await sig('noise'), silence: await sig('silence') };
      if (codec === 'opus') run.opusBackend = (await host.request({ op: 'payloads', codec: 'opus' })).opusBackend;
      run.results[key] = await searchLoad({
        ...common,
        start: o.startRooms,
        max: o.maxRooms,
        name: `PBX ${codec} rooms of ${o.size}`,
        step: (n) => conferenceStep({ host, rooms: n, size: o.size, talkers: o.talkers, codec, signals, ...stepTimes }),
        passes: confPasses,
        describe: (n, r, ok) =>
          `${key}: ${n} rooms (${r.participants} participants): ${ok ? 'pass' : 'FAIL'}, loss ${r.lossPct.toFixed(3)} %, late frames ${pct(r.lateFramesPct)} (${r.framesLate}/${r.framesPaced}), engine CPU ${r.engineCpuPct.toFixed(0)} %, generator ${r.generatorCpuPct.toFixed(0)} % (lag max ${r.maxLagMs.toFixed(1)} ms), RSS +${((r.rssDuring - r.rssBefore) / 1024 / r.participants).toFixed(1)} KiB/participant`,
      });
    }
  } finally {
    await host.stop().catch(() => undefined);
    await stopAll();
  }
  mkdirSync(join(repoRoot, 'bench', 'out'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench', 'out', `media-conference-${run.date.toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(run, null, 2));
  const section = conferenceSection(run);
  console.log(section);
  if (o.results) {
    prependSection(o.results, section);
    log(`written to ${o.results}`);
  }
}

main().catch((err) => {
  log(String(err?.stack ?? err));
  process.exit(1);
});
