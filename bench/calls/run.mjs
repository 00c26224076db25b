#!/usr/bin/env node
// Calls benchmark: call setup rate (1 s calls, without and with G.711 media) through this
// repository's PBX and through Kamailio 5.6 as a stateful proxy, and relay capacity
// (simultaneous two-way G.711 calls with under 0.1 % loss) of the PBX's media workers and of
// rtpengine in userspace mode, all in the same run. See bench/README.md.
//
//   node bench/calls/run.mjs [--pbx-only|--reference-only] [--quick] [--help]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, stopAll } from '../lib/children.mjs';
import { installMissing } from '../lib/install.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { memoryBytes } from '../lib/proc-stats.mjs';
import { PbxServer } from '../lib/pbx-server.mjs';
import { findMaxRate } from '../lib/ramp.mjs';
import { prependSection } from '../lib/results-file.mjs';
import { SIPP_BUFFER_BYTES } from '../lib/sipp-run.mjs';
import { cpsBench } from './lib/cps-bench.mjs';
import { waitQuiet } from '../lib/wait-quiet.mjs';
import { makeCallData, writePbxCallConfig } from './lib/data.mjs';
import { KamailioProxyServer } from './lib/kamailio-proxy-server.mjs';
import { baselineStep, rtpengineStep, sipRelayStep } from './lib/relay-bench.mjs';
import { callsPerCore, callsSection } from './lib/results-md.mjs';
import { RtpengineServer, rtpengineVersion } from './lib/rtpengine-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const sipp = (f) => join(repoRoot, 'test', 'sipp', f);
const log = (s) => process.stderr.write(`[calls ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const HELP = `usage: node bench/calls/run.mjs [options]
  --pbx-only | --reference-only  measure the PBX only, or Kamailio + rtpengine only (default: all)
  --no-cps --no-media --no-relay leave out the setup rate without media, with media, or the relay part
  --quick                        smoke run: 3 s steps, coarse ramps; results go to bench/out/RESULTS-quick.md
  --tenants N --pairs N          caller/callee pairs per tenant (default 10 x 500)
  --step-seconds S               length of one call-rate step (default 10)
  --cps-start R --cps-step R --cps-max R --cps-resolution R   (default 500 500 10000 125)
  --relay-start N --relay-step N --relay-max N --relay-resolution N   (default 100 100 3000 50)
  --relay-seconds S --relay-warmup-seconds S   measured window and warm-up per relay step (default 10, 2)
  --gen-threads N                worker threads of the RTP load generator (default 2)
  --rtp-workers N                the PBX's media worker threads (default 1: relay figures are per core)
  --rtpengine-threads N          rtpengine --num-threads (default 1)
  --kamailio-children N          Kamailio UDP workers (default 4: with 2 it stalls near 2,000 calls/s at 60 % CPU)
  --budget-seconds S             time cap of one ramp (default 300)
  --quiet-wait-seconds S --quiet-pct P   wait for a quiet machine before each step (default 60, 30)
  --results FILE | --no-results  where to write (default bench/RESULTS.md)
  --keep                         keep the temp dir
  --no-install                   never call apt-get`;

function options() {
  const flags = ['pbx-only', 'reference-only', 'no-cps', 'no-media', 'no-relay', 'quick', 'no-results', 'keep', 'no-install', 'help'];
  const strings = ['tenants', 'pairs', 'step-seconds', 'cps-start', 'cps-step', 'cps-max', 'cps-resolution', 'relay-start', 'relay-step', 'relay-max', 'relay-resolution', 'relay-seconds', 'relay-warmup-seconds', 'gen-threads', 'rtp-workers', 'rtpengine-threads', 'kamailio-children', 'budget-seconds', 'quiet-wait-seconds', 'quiet-pct', 'results'];
  const { values } = parseArgs({ options: Object.fromEntries([...flags.map((f) => [f, { type: 'boolean' }]), ...strings.map((s) => [s, { type: 'string' }])]) });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  if (values['pbx-only'] && values['reference-only']) throw new Error('--pbx-only and --reference-only exclude each other');
  const quick = Boolean(values.quick);
  const int = (name, dflt, min = 1, max = 1_000_000) => {
    const v = values[name] === undefined ? dflt : Number(values[name]);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} must be an integer in ${min}..${max}`);
    return v;
  };
  return {
    quick,
    pbx: !values['reference-only'],
    reference: !values['pbx-only'],
    cps: !values['no-cps'],
    media: !values['no-media'],
    relay: !values['no-relay'],
    tenants: int('tenants', 10, 1, 100),
    pairs: int('pairs', quick ? 200 : 500, 1, 5000),
    stepSeconds: int('step-seconds', quick ? 3 : 10, 1, 120),
    callMs: 1000,
    cpsStart: int('cps-start', 500),
    cpsStep: int('cps-step', quick ? 1500 : 500),
    cpsMax: int('cps-max', 10_000),
    cpsResolution: int('cps-resolution', quick ? 500 : 125),
    relayStart: int('relay-start', 100),
    relayStep: int('relay-step', quick ? 300 : 100),
    relayMax: int('relay-max', 3000),
    relayResolution: int('relay-resolution', quick ? 150 : 50),
    relaySeconds: int('relay-seconds', quick ? 3 : 10, 1, 600),
    relayWarmupSeconds: int('relay-warmup-seconds', quick ? 1 : 2, 0, 60),
    genThreads: int('gen-threads', 2, 1, 16),
    rtpWorkers: int('rtp-workers', 1, 1, 64),
    rtpengineThreads: int('rtpengine-threads', 1, 1, 64),
    kamailioChildren: int('kamailio-children', 4, 1, 64),
    budgetSeconds: int('budget-seconds', quick ? 60 : 300, 10, 3600),
    maxSteps: 20,
    quietWaitSeconds: int('quiet-wait-seconds', quick ? 5 : 60, 0, 600),
    quietPct: int('quiet-pct', 30, 1, 10_000),
    results: values['no-results'] ? undefined : resolve(values.results ?? join(repoRoot, 'bench', quick ? 'out/RESULTS-quick.md' : 'RESULTS.md')),
    keep: Boolean(values.keep),
    install: !values['no-install'],
    // ports of loopback: SIPp caller / callee / registrations, their media, the servers
    callerPort: 5070,
    uasPort: 5072,
    registerPort: 5074,
    callerMediaPort: 6000,
    uasMediaPort: 6100,
    pbxPort: 5080,
    kamailioPort: 5090,
    ngPort: 2223,
  };
}

/** The PBX with the calls config (tenant call limits far above the load, rtp.workers). */
class PbxCallServer extends PbxServer {
  constructor(o) {
    super(o);
    this.calls = o;
  }
  prepare() {
    const why = super.prepare();
    this.configFile = writePbxCallConfig(this.o.dir, this.o.users, { host: this.host, port: this.port, rtpWorkers: this.calls.rtpWorkers, tenantCalls: 100_000 });
    return why;
  }
  describe() {
    return [
      ...(this.buildWarning ? [this.buildWarning] : []),
      `this repository's PBX, \`node bin/pbx serve\` (Node ${process.version}), one process, UDP on ${this.host}:${this.port}, \`rtp.workers: ${this.calls.rtpWorkers}\`, \`rtp.ports: 10000-29999\``,
      'config: one tenant YAML per tenant with `limits: { calls: 100000 }`, `calls.perExtension: 1000`, `auth.algorithms: [MD5]`, `security.trusted: [127.0.0.0/8]`, `floodRate: 0`, `log.level: warn`',
    ];
  }
}

function installRtpengine(o) {
  if (!o.install) return;
  try {
    execFileSync('sh', ['-c', 'command -v rtpengine'], { stdio: 'ignore' });
    return;
  } catch {
    /* missing */
  }
  if (process.getuid?.() !== 0) throw new Error('rtpengine missing; run as root or: apt-get install -y rtpengine-daemon');
  log('installing rtpengine-daemon ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'rtpengine-daemon'], { stdio: 'inherit', env, timeout: 600_000 });
}

/** The relay ramp: N calls up by steps; a step whose load generator fell behind ends the climb. */
async function relayRamp(o, freshPss, runStep) {
  const deadline = Date.now() + o.budgetSeconds * 1000;
  const ramp = await findMaxRate({
    start: o.relayStart,
    step: o.relayStep,
    max: o.relayMax,
    resolution: o.relayResolution,
    maxSteps: o.maxSteps,
    deadline,
    runStep: async (n) => {
      try {
        const r = await runStep(n);
        const generatorBound = r.latePct > 1;
        const pass = !generatorBound && r.lossPct < 0.1 && (r.setupFailures ?? 0) === 0;
        log(`relay ${n} calls: loss ${r.lossPct.toFixed(3)} %, p50/p99 ${(r.p50Us / 1000).toFixed(2)}/${(r.p99Us / 1000).toFixed(2)} ms, relay CPU ${r.relayCpuPct.toFixed(0)} %, generator CPU ${r.generatorCpuPct.toFixed(0)} % (late ${r.latePct.toFixed(1)} %) => ${pass ? 'pass' : generatorBound ? 'generator behind schedule' : 'FAIL'}`);
        // memory against the fresh process: a later step reuses what an earlier one freed
        return { ...r, pass, generatorBound, perCallPss: (r.memDuring - freshPss) / n, perCallPssStep: r.perCallPss };
      } catch (err) {
        log(`relay ${n} calls: ${err.stack ?? err}`);
        return { pass: false, error: String(err.message ?? err) };
      }
    },
  });
  const failing = ramp.steps.find((s) => s.rate === ramp.firstFail);
  if (failing?.generatorBound) ramp.generatorBound = ramp.firstFail;
  return ramp;
}

async function main() {
  const o = options();
  installCleanup(log);
  if (o.install) installMissing({ sipp: true, kamailio: o.reference }, log);
  if (o.reference && o.relay) installRtpengine(o);

  const dir = mkdtempSync(join(tmpdir(), 'pbx-calls-bench-'));
  log(`work dir ${dir}`);
  const { users, pairs } = makeCallData(o.tenants, o.pairs);
  const machine = machineInfo(repoRoot);
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const run = { date, machine, rtpengineVersion: rtpengineVersion(), options: o, pairs: pairs.length, cps: [], cpsMedia: [], relay: [], summary: [], caveats: [], quick: o.quick };
  let failed = false;
  const ports = { uas: o.uasPort, register: o.registerPort, caller: o.callerPort, uasScenario: join(here, 'relay-uas.xml'), uacScenario: join(here, 'relay-uac.xml'), registerScenario: sipp('callee-register.xml') };

  const cpsSides = async (title, server) => {
    const base = { dir: join(dir, server.name), pairs, o, log, uasScenario: sipp('call-uas.xml'), registerScenario: sipp('callee-register.xml') };
    if (o.cps) {
      const s = { title, config: server.describe() };
      run.cps.push(s);
      try {
        s.result = await cpsBench(server, { ...base, tag: 'cps', media: false, scenario: join(here, 'call-uac-nomedia.xml') });
      } catch (err) {
        s.skipped = `error: ${err.message}`;
        failed = true;
        log(`${title}: ${err.stack ?? err}`);
      }
    }
    if (o.media) {
      const s = { title, config: [...server.describe(), ...(server.name === 'kamailio' ? [] : ['media relayed by the PBX media workers'])] };
      run.cpsMedia.push(s);
      try {
        s.result = await cpsBench(server, { ...base, tag: 'cps-media', media: true, scenario: sipp('call-uac.xml') });
      } catch (err) {
        s.skipped = `error: ${err.message}`;
        failed = true;
        log(`${title}: ${err.stack ?? err}`);
      }
    }
  };

  // ---- PBX: setup rates, then its media workers
  if (o.pbx) {
    const pbx = new PbxCallServer({ dir: join(dir, 'pbx'), host: '127.0.0.1', port: o.pbxPort, users, repoRoot, log, rtpWorkers: o.rtpWorkers });
    const why = pbx.prepare();
    if (why) {
      for (const list of [o.cps && run.cps, o.media && run.cpsMedia, o.relay && run.relay]) if (list) list.push({ title: 'PBX', config: pbx.describe(), skipped: why });
    } else {
      try {
        await pbx.start();
        await cpsSides('PBX', pbx);
        if (o.relay) {
          const s = { title: `PBX media workers (rtp.workers: ${o.rtpWorkers})`, config: [...pbx.describe(), 'calls set up over SIP by SIPp (`bench/calls/relay-uac.xml` → PBX → `bench/calls/relay-uas.xml`); each SDP names a load generator socket; the PBX answers with its media addresses'] };
          run.relay.push(s);
          let tag = 0;
          const fresh = memoryBytes(pbx.pids()).pss;
          const ramp = await relayRamp(o, fresh, async (n) => {
            await waitQuiet(() => pbx.pids(), o.quietWaitSeconds * 1000, o.quietPct);
            return sipRelayStep({ server: pbx, pairs, calls: n, threads: o.genThreads, warmupMs: o.relayWarmupSeconds * 1000, measureMs: o.relaySeconds * 1000, dir: join(dir, 'pbx-relay'), tag: `n${++tag}-${n}`, ports, log });
          });
          s.result = { ramp, notes: [] };
          if (ramp.best > 0) s.result.baseline = await baselineStep({ calls: ramp.best, threads: o.genThreads, warmupMs: o.relayWarmupSeconds * 1000, measureMs: o.relaySeconds * 1000 });
        }
      } catch (err) {
        failed = true;
        log(`PBX: ${err.stack ?? err}`);
        run.caveats.push(`PBX: error: ${err.message}`);
      } finally {
        await pbx.stop();
      }
    }
  }

  // ---- references: Kamailio (setup rates), rtpengine (relay)
  if (o.reference && (o.cps || o.media)) {
    // Transactions live until their wait timer ends (5 s after the final answer): at 2,000 calls/s
    // that is tens of thousands of them in shared memory; the register bench's 64 MB ran out.
    const k = new KamailioProxyServer({ dir: join(dir, 'kamailio'), host: '127.0.0.1', port: o.kamailioPort, children: o.kamailioChildren, users, repoRoot, log, shmMB: 1024 });
    try {
      k.prepare();
      await k.start();
      await cpsSides(`Kamailio ${machine.kamailio}`, k);
    } catch (err) {
      failed = true;
      log(`Kamailio: ${err.stack ?? err}`);
      run.caveats.push(`Kamailio: error: ${err.message}`);
    } finally {
      await k.stop();
    }
  }
  if (o.reference && o.relay) {
    const rtp = new RtpengineServer({ dir: join(dir, 'rtpengine'), ngPort: o.ngPort, threads: o.rtpengineThreads, log });
    const s = { title: `rtpengine ${run.rtpengineVersion} (userspace)`, config: [...rtp.describe(), 'calls set up over ng (offer with the caller leg socket, answer with the callee leg socket, `trust-address`), deleted after each step'] };
    run.relay.push(s);
    try {
      await rtp.start();
      let tag = 0;
      const fresh = memoryBytes(rtp.pids()).pss;
      const ramp = await relayRamp(o, fresh, async (n) => {
        await waitQuiet(() => rtp.pids(), o.quietWaitSeconds * 1000, o.quietPct);
        return rtpengineStep({ rtpengine: rtp, calls: n, threads: o.genThreads, warmupMs: o.relayWarmupSeconds * 1000, measureMs: o.relaySeconds * 1000, tag: `bench${++tag}` });
      });
      s.result = { ramp, notes: [] };
      if (ramp.best > 0) s.result.baseline = await baselineStep({ calls: ramp.best, threads: o.genThreads, warmupMs: o.relayWarmupSeconds * 1000, measureMs: o.relaySeconds * 1000 });
    } catch (err) {
      s.skipped = `error: ${err.message}`;
      failed = true;
      log(`rtpengine: ${err.stack ?? err}`);
    } finally {
      await rtp.stop();
    }
  }

  // ---- summary and ratios
  const best = (list, pred) => list.find((x) => pred(x.title) && x.result)?.result.ramp.best;
  const isPbx = (t) => t.startsWith('PBX');
  const isKam = (t) => t.startsWith('Kamailio');
  const pCps = best(run.cps, isPbx);
  const kCps = best(run.cps, isKam);
  const pMedia = best(run.cpsMedia, isPbx);
  const kMedia = best(run.cpsMedia, isKam);
  const line = (label, v) => `${label}: ${v === undefined ? 'not measured' : `**${v}**`}`;
  if (o.cps) run.summary.push(`${line('call setup rate, no media (calls/s): PBX', pCps)}, ${line('Kamailio', kCps)}${pCps && kCps ? `; ratio **${(pCps / kCps).toFixed(2)}**` : ''}`);
  if (o.media) {
    run.summary.push(`${line('call setup rate with G.711 (calls/s): PBX relaying', pMedia)}, ${line('Kamailio (media end to end)', kMedia)}`);
    if (pMedia && kCps) run.summary.push(`target: PBX with media ≥ 0.5 × Kamailio's proxy rate: ${pMedia} / ${kCps} = **${(pMedia / kCps).toFixed(2)}** (${pMedia / kCps >= 0.5 ? 'met' : 'not met'})`);
  }
  if (o.relay) {
    const pr = run.relay.find((x) => isPbx(x.title) && x.result);
    const rr = run.relay.find((x) => x.title.startsWith('rtpengine') && x.result);
    const pc = pr && callsPerCore(pr.result.ramp);
    const rc = rr && callsPerCore(rr.result.ramp);
    run.summary.push(`relay: PBX ${pr ? `**${pr.result.ramp.best}** calls` : 'not measured'}${pc ? ` (${pc.perCore.toFixed(0)} per core)` : ''}, rtpengine ${rr ? `**${rr.result.ramp.best}** calls` : 'not measured'}${rc ? ` (${rc.perCore.toFixed(0)} per core)` : ''}` + (rr?.result.ramp.generatorBound || pr?.result.ramp.generatorBound ? ' (a figure cut short by the load generator is a lower bound)' : ''));
    if (pc && rc) run.summary.push(`target: PBX relayed calls per core ≥ 0.8 × rtpengine's: **${(pc.perCore / rc.perCore).toFixed(2)}** (${pc.perCore / rc.perCore >= 0.8 ? 'met' : 'not met'})`);
  }
  run.caveats.push(
    `SIPp, the servers, the RTP load generator and everything else share the ${machine.nproc} CPUs of this machine; "rest of machine" is the CPU everything else used meanwhile.`,
    'A proxy does less per call than a B2BUA (one transaction per request and no dialog state or media of its own); the ratio is reported anyway, as the issue asks.',
    'Kamailio authenticates the INVITE (proxy_authorize, 407) and the REGISTER like the PBX, looks the callee up in usrloc and relays statefully with record-route; with media the RTP goes straight between the two SIPp processes, so its "with media" figure measures SIPp and the kernel more than Kamailio.',
    `SIPp runs with \`-buff_size ${SIPP_BUFFER_BYTES}\`; one caller SIPp and one answering SIPp carry the whole load, so near the top their CPU is in the tables too.`,
    'Relay: "per core" = calls / (relay CPU % / 100) at the highest passing step, a linear extrapolation; the PBX runs with one media worker and rtpengine with one thread so that both are held to about one core. The generator is Node: each packet costs it a send and a receive, about what a relay pays, so on two cores it cannot drive a relay to its limit; a step where it fell behind its own schedule (over 1 % of packets sent more than 10 ms late) ends the search and is not counted against the relay.',
    'Delay: the time from the generator\'s send to its receive of the same packet through the relay, minus the same with no relay (legs aimed at each other) at the same load: the delay the relay adds, including the loopback hop.',
    'Memory per call: PSS of the relay process(es) with the N calls up minus its PSS before the first relay step (rtpengine: freshly started), over N (an upper bound: one-time allocations of the first calls are in it; rtpengine: sessions created over ng; PBX: calls set up over SIP, so the B2BUA\'s dialogs are in it).',
  );
  if (o.quick) run.caveats.push('Quick run: short steps and coarse ramps; not a figure to compare.');

  const section = callsSection(run);
  const json = join(repoRoot, 'bench', 'out', `calls-${date.replace(/\D/g, '').slice(0, 12)}.json`);
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(json, JSON.stringify(run, (k, v) => (v instanceof Float64Array ? undefined : v), 2));
  log(`raw figures in ${json}`);
  if (o.results) {
    prependSection(o.results, section);
    log(`results written to ${o.results}`);
  } else process.stdout.write(section + '\n');
  if (!o.keep && !failed) rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
  return failed ? 1 : 0;
}

main()
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  })
  .catch(async (err) => {
    log(String(err?.stack ?? err));
    await stopAll();
    process.exit(1);
  });
