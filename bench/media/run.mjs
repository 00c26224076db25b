#!/usr/bin/env node
// Media benchmark (issue 10): transcoded calls per core with under 0.1 % late frames and under
// 0.1 % lost packets, PCMU↔G.722 and PCMU↔Opus, through the PBX's media worker (one worker
// thread) and through rtpengine from Debian (userspace, --num-threads=1, codec-transcode over
// ng) in the same run; plain relay calls per core of the same worker; memory per call.
// Conference participants per core: bench/media/conference.mjs.
//
//   node bench/media/run.mjs [--quick] [--help]
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, stopAll } from '../lib/children.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { prependSection } from '../lib/results-file.mjs';
import { RtpengineServer, rtpengineVersion } from '../calls/lib/rtpengine-server.mjs';
import { waitQuiet } from '../lib/wait-quiet.mjs';
import { searchLoad } from './lib/search.mjs';
import { PbxMediaHost } from './lib/pbx-media-host.mjs';
import { mediaSection } from './lib/results-md.mjs';
import { CODECS, pbxStep, rtpengineStep } from './lib/steps.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const log = (s) => process.stderr.write(`[media ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const HELP = `usage: node bench/media/run.mjs [options]
  --quick                 smoke run (3 s steps, a coarse search, a few minutes); results go to bench/out/RESULTS-quick.md
  --only LIST             scenarios, comma-separated, of: g722, opus, relay, srtp, webrtc, bare, relay-all, bare-all
                          (default all; srtp: one leg SDES-SRTP AES_CM_128_HMAC_SHA1_80, the other plain RTP;
                          webrtc: one leg a browser (ICE-lite check, DTLS-SRTP handshake as client, SRTP with
                          rtcp-mux), the other plain RTP; bare: a bare Node dgram relay thread (the ceiling of
                          a relay in Node); relay-all, bare-all: the same with one thread per core (the total))
  --steps LIST            no search: measure each scenario at these calls only (e.g. 50,100; a failing step
                          runs once more), for a side-by-side comparison at equal calls on a busy machine
  --handshakes N,GAP      browser legs: N DTLS handshakes at a time per generator thread, GAP ms between
                          starts (default 4,5)
  --pbx-only | --reference-only
  --start N --max N       calls of the first step and the most tried (default 25, 1600; quick 10, 800);
                          when the first step fails, the calls are halved until one passes
  --quiet-wait-seconds S  before each step, wait up to S for the machine to calm down (default 30; quick 5)
  --seconds S --warmup-seconds S   measured window and warm-up per step (default 10, 2; quick 3, 1.5)
  --gen-threads N         worker threads of the RTP generator (default 1)
  --rtpengine-threads N   rtpengine --num-threads (default 1)
  --budget-seconds S      time cap of one search (default 240; quick 60)
  --cpu-prof DIR          run the PBX's media host with --cpu-prof (profiles in DIR)
  --results FILE | --no-results   where to write (default bench/RESULTS.md)`;

function options() {
  const flags = ['quick', 'pbx-only', 'reference-only', 'no-results', 'help'];
  const strings = ['steps', 'handshakes', 'only', 'start', 'max', 'seconds', 'warmup-seconds', 'gen-threads', 'rtpengine-threads', 'budget-seconds', 'quiet-wait-seconds', 'cpu-prof', 'results'];
  const { values } = parseArgs({ options: Object.fromEntries([...flags.map((f) => [f, { type: 'boolean' }]), ...strings.map((s) => [s, { type: 'string' }])]) });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const q = Boolean(values.quick);
  const num = (k, d) => (values[k] !== undefined ? Number(values[k]) : d);
  return {
    quick: q,
    only: (values.only ?? 'g722,opus,relay,srtp,webrtc,bare,relay-all,bare-all').split(',').map((s) => s.trim()),
    steps: values.steps ? values.steps.split(',').map(Number).filter((n) => n > 0) : undefined,
    handshakes: (([n, gap]) => ({ concurrency: Number(n) || 4, gapMs: Number(gap ?? 5) }))((values.handshakes ?? '4,5').split(',')),
    pbx: !values['reference-only'],
    reference: !values['pbx-only'],
    start: num('start', q ? 10 : 25),
    quietMs: 1000 * num('quiet-wait-seconds', q ? 5 : 30),
    max: num('max', q ? 800 : 1600),
    measureMs: 1000 * num('seconds', q ? 3 : 10),
    warmupMs: 1000 * num('warmup-seconds', q ? 1.5 : 2),
    genThreads: num('gen-threads', 1),
    rtpengineThreads: num('rtpengine-threads', 1),
    budgetMs: 1000 * num('budget-seconds', q ? 60 : 240),
    bisections: q ? 1 : 3,
    memoryCalls: q ? 200 : 1000,
    cpuProf: values['cpu-prof'],
    results: values['no-results'] ? undefined : resolve(values.results ?? (q ? join(repoRoot, 'bench', 'out', 'RESULTS-quick.md') : join(repoRoot, 'bench', 'RESULTS.md'))),
  };
}

/**
 * A step passes with under 0.1 % of packets lost and (PBX) under 0.1 % of the worker's frames late;
 * browser legs also with every sampled SRTP packet from the PBX opening with the DTLS-exported keys.
 */
function passes(r) {
  return r.lossPct < 0.1 && (r.lateFramesPct === undefined || r.lateFramesPct < 0.1) && !(r.srtpOpenFailed > 0) && !(r.handshake?.failed > 0);
}
const f1 = (x) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(1));

/**
 * Double the calls until a step fails (or max / the budget), then bisect between the last pass and
 * the first failure: lib/search.mjs's searchLoad (shared with conference.mjs), where a failing step
 * is run once more (both kept, the second decides: on a shared machine one burst of another
 * process fails a step far below the engine's limit). Answers in calls.
 */
async function search(name, step, o, pids) {
  const r = await (o.steps ? fixedSteps : searchLoad)({
    counts: o.steps,
    name,
    start: o.start,
    max: o.max,
    budgetMs: o.budgetMs,
    bisections: o.bisections,
    quietMs: o.quietMs,
    pids,
    step,
    passes,
    log,
    describe: (n, r, ok) => {
      if (r.handshake) log(`${name}: ${n} handshakes (${r.handshake.concurrency} at a time per generator thread): ${(r.handshake.wallMs / 1000).toFixed(1)} s wall, engine CPU ${f1(r.handshake.engineCpuMs / n)} ms and generator CPU ${f1(r.handshake.generatorCpuMs / n)} ms per handshake, DTLS median ${f1(r.handshake.dtlsMsMedian)} ms, max ${f1(r.handshake.dtlsMsMax)} ms; SRTP from the PBX opened ${r.srtpOpened}, failed ${r.srtpOpenFailed}${r.handshake.failed > 0 ? `; ${r.handshake.failed} legs did not connect: ${r.handshake.failures.join('; ')}` : ''}`);
      return `${name}: ${n} calls: ${ok ? 'pass' : 'FAIL'}, loss ${r.lossPct.toFixed(3)} % (a→b ${r.lossAtoBPct.toFixed(2)}, b→a ${r.lossBtoAPct.toFixed(2)}), late frames ${r.lateFramesPct === undefined ? '-' : r.lateFramesPct.toFixed(3) + ' %'}, engine CPU ${r.engineCpuPct.toFixed(0)} %, generator ${r.generatorCpuPct.toFixed(0)} % (lag max ${r.maxLagMs.toFixed(1)} ms), ${(r.perCallPss / 1024).toFixed(1)} KiB/call`;
    },
  });
  const steps = r.steps.map(({ n, ...x }) => ({ calls: n, ...x }));
  const best = steps.find((x) => x.ok && x.calls === r.max && !x.superseded);
  return { name, steps, maxCalls: r.max, firstFail: r.firstFail, best, callsPerCore: best && best.engineCpuPct > 0 ? r.max / (best.engineCpuPct / 100) : undefined };
}

/** --steps: the given counts only, in order, each failing one run once more (searchLoad's shape). */
async function fixedSteps(s) {
  const steps = [];
  let max = 0;
  let firstFail;
  for (const n of s.counts) {
    for (const retried of [false, true]) {
      await waitQuiet(s.pids, s.quietMs, 40);
      const r = await s.step(n);
      const ok = s.passes(r);
      steps.push({ n, ok, ...r, ...(retried ? { retry: true } : {}) });
      s.log(`${s.describe(n, r, ok)}${retried ? ' (run again)' : ''}`);
      if (ok) {
        max = Math.max(max, n);
        break;
      }
      if (retried) firstFail ??= n;
      else steps[steps.length - 1].superseded = true;
    }
  }
  return { name: s.name, steps, max, firstFail, best: steps.find((x) => x.ok && x.n === max) };
}

async function main() {
  const o = options();
  installCleanup(log);
  const dir = mkdtempSync(join(tmpdir(), 'pbx-bench-media-'));
  const machine = machineInfo(repoRoot);
  const run = { date: new Date(), machine, o, results: {}, rtpengineVersion: rtpengineVersion() };
  const cores = cpus().length;
  let host;
  let rtpengine;
  try {
    if (o.pbx) {
      host = await PbxMediaHost.start({ repoRoot, portMin: 24000, portMax: 27999, cpuProf: o.cpuProf });
      run.pbxNode = host.nodeVersion;
      log(`PBX media host up (pid ${host.child.pid}, ${host.nodeVersion})`);
    }
    // Payloads (1 s of a 1 kHz tone per codec) come from the project's own encoders.
    const helper = host ?? (await PbxMediaHost.start({ repoRoot, portMin: 24000, portMax: 24099 }));
    const payloads = {};
    for (const c of ['PCMU', 'G722', 'opus']) {
      const r = await helper.request({ op: 'payloads', codec: c });
      payloads[c] = r.payloads;
      if (r.opusBackend) run.opusBackend = r.opusBackend;
    }
    if (!host) await helper.stop();
    if (o.reference) {
      rtpengine = new RtpengineServer({ dir: join(dir, 'rtpengine'), ngPort: 2337, portMin: 50000, portMax: 53999, threads: o.rtpengineThreads, log });
      await rtpengine.start();
    }
    const scenarios = [
      { key: 'g722', a: 'PCMU', b: 'G722', transcode: true },
      { key: 'opus', a: 'PCMU', b: 'opus', transcode: true },
      { key: 'relay', a: 'PCMU', b: 'PCMU', transcode: false },
      // SRTP ↔ RTP: leg a SDES-SRTP (keys made here, as the B2BUA makes them per leg), leg b plain.
      { key: 'srtp', a: 'PCMU', b: 'PCMU', transcode: false, srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', key: randomBytes(30).toString('base64'), pbxKey: randomBytes(30).toString('base64') } },
      // A browser leg (ICE-lite, DTLS-SRTP, rtcp-mux) bridged to a plain RTP G.711 leg, steady state after the handshakes.
      { key: 'webrtc', a: 'PCMU', b: 'PCMU', transcode: false, webrtc: true },
      // The ceiling: a bare Node dgram relay thread, then the total of the machine (one thread per core, each).
      { key: 'bare', a: 'PCMU', b: 'PCMU', transcode: false, engine: 'bare', threads: 1 },
      { key: 'relay-all', a: 'PCMU', b: 'PCMU', transcode: false, engine: 'pbx', threads: cores },
      { key: 'bare-all', a: 'PCMU', b: 'PCMU', transcode: false, engine: 'bare', threads: cores },
    ].filter((s) => o.only.includes(s.key));
    run.cores = cores;
    const common = { threads: o.genThreads, warmupMs: o.warmupMs, measureMs: o.measureMs, payloads };
    for (const s of scenarios) {
      const res = (run.results[s.key] = {});
      if (host && s.transcode) {
        const r = await host.request({ op: 'memory', calls: o.memoryCalls, a: CODECS[s.a].leg, b: CODECS[s.b].leg, payloads: { a: payloads[s.a], b: payloads[s.b] } });
        res.transcoderMemory = r.memory;
        log(`PBX ${s.a}↔${s.b}: transcoder state ${(r.memory.rssPerCall / 1024).toFixed(1)} KiB RSS, ${(r.memory.heapPerCall / 1024).toFixed(1)} KiB heap, ${(r.memory.externalPerCall / 1024).toFixed(1)} KiB external per call (${o.memoryCalls} calls)`);
      }
      if (host && s.engine) {
        // Its own engine process: the bare relay (bare-relay-host.mjs), or the PBX's with one media worker per core.
        const own = await PbxMediaHost.start({ repoRoot, portMin: 28000, portMax: 31999, workers: s.threads, ...(s.engine === 'bare' ? { entry: join(here, 'lib', 'bare-relay-host.mjs'), env: { THREADS: String(s.threads) } } : {}) });
        try {
          const label = `${s.engine === 'bare' ? 'bare Node dgram relay' : 'PBX relay'}, ${s.threads} thread(s)`;
          res.pbx = await search(label, (n) => pbxStep({ host: own, calls: n, a: s.a, b: s.b, transcode: false, ...common }), o, () => own.pids());
          res.pbx.threads = s.threads;
        } finally {
          await own.stop().catch(() => undefined);
        }
      } else if (host) {
        const webrtc = s.webrtc ? await host.request({ op: 'browserIdentity' }) : undefined;
        res.pbx = await search(`PBX ${s.a}↔${s.b}${s.transcode ? '' : s.srtp ? ' SRTP↔RTP' : s.webrtc ? ' browser (DTLS-SRTP)↔RTP' : ' relay'}`, (n) => pbxStep({ host, calls: n, a: s.a, b: s.b, transcode: s.transcode, ...(s.srtp ? { srtp: s.srtp } : {}), ...(webrtc ? { webrtc, handshakes: o.handshakes } : {}), ...common }), o, () => host.pids());
      }
      // The relay reference is bench/calls' (rtpengine relaying G.711); here rtpengine transcodes.
      const refStep = (n) => rtpengineStep({ rtpengine, calls: n, a: s.a, b: s.b, tag: `${s.key}${n}`, ...common });
      if (rtpengine && s.transcode) res.rtpengine = await search(`rtpengine ${s.a}↔${s.b}`, refStep, o, () => rtpengine.pids());
      // Side by side: rtpengine also carries the PBX's highest passing load (pass or not), for the CPU ratio at equal calls.
      const n = res.pbx?.maxCalls;
      if (res.rtpengine && n && !res.rtpengine.steps.some((x) => x.calls === n)) {
        await waitQuiet(() => rtpengine.pids(), o.quietMs, 40);
        const r = await refStep(n);
        res.rtpengine.steps.push({ calls: n, ok: passes(r), extra: true, ...r });
        log(`rtpengine ${s.a}↔${s.b} at the PBX's ${n} calls: loss ${r.lossPct.toFixed(3)} %, engine CPU ${r.engineCpuPct.toFixed(0)} %`);
      }
    }
  } finally {
    await host?.stop().catch(() => undefined);
    await rtpengine?.stop().catch(() => undefined);
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
  // The raw figures too, so that the section can be rebuilt or compared later.
  mkdirSync(join(repoRoot, 'bench', 'out'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench', 'out', `media-${run.date.toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(run, null, 2));
  const section = mediaSection(run);
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
