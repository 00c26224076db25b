#!/usr/bin/env node
// Call-flows benchmark (issue 11 "Bench"): N simultaneous voicemail deposits (G.711, a real tone,
// 30 s each) against the real server, with the media workers' late frames, every message stored,
// the PBX's CPU and memory; then IVR menus answered per second at a ramped rate. See README.md.
//
//   node bench/flows/run.mjs [--only voicemail|ivr] [--quick] [--cpu-prof DIR] [--help]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, stopAll } from '../lib/children.mjs';
import { installMissing } from '../lib/install.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { PbxServer } from '../lib/pbx-server.mjs';
import { prependSection } from '../lib/results-file.mjs';
import { writeFlowsConfig } from './lib/flows-config.mjs';
import { flowsSection } from './lib/flows-results-md.mjs';
import { ivrRamp } from './lib/ivr-ramp.mjs';
import { PbxApi } from './lib/pbx-api.mjs';
import { calibrate, depositRun } from './lib/voicemail-deposits.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const log = (s) => process.stderr.write(`[flows ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const HELP = `usage: node bench/flows/run.mjs [options]
  --only voicemail|ivr         run one part (default both)
  --quick                      smoke run: 20 deposits of 10 s, short IVR steps; results go to bench/out/RESULTS-quick.md
  --deposits N                 simultaneous voicemail deposits (default 200)
  --message-seconds S          length of each message (default 30)
  --deposit-rate R             deposit calls set up per second (default 50)
  --ivr-start R --ivr-step R --ivr-max R --ivr-resolution R   IVR ramp in calls/s (default 20 20 400 5)
  --ivr-mode key|hangup        key (default): each caller presses 2 (SIP INFO dtmf-relay) --ivr-key-delay-ms
                               after the answer and the menu, whose 2 is hangup, ends the call (the call
                               passes when the server's BYE comes); hangup: each caller listens
                               --ivr-hold-ms and hangs up itself
  --ivr-key-delay-ms MS        when the key is pressed after the answer (default 1000)
  --ivr-hold-ms MS             hangup mode: how long each IVR caller listens (default 2000)
  --step-seconds S             length of one IVR step (default 10)
  --rtp-workers N              the PBX's media worker threads (default 0: one per core)
  --trunk-host IP              the carrier's loopback address (default 127.0.0.2)
  --cpu-prof DIR               run the PBX under --cpu-prof, profiles written to DIR
  --budget-seconds S           time cap of the IVR ramp (default 300)
  --quiet-wait-seconds S --quiet-pct P   wait for a quiet machine before each IVR step (default 10, 30)
  --results FILE | --no-results  where to write (default bench/RESULTS.md)
  --log-level L                the PBX's log.level (default warn; its log is <temp dir>/pbx.log)
  --keep                       keep the temp dir
  --no-install                 never call apt-get`;

function options() {
  const flags = ['quick', 'no-results', 'keep', 'no-install', 'help'];
  const strings = ['only', 'deposits', 'message-seconds', 'deposit-rate', 'ivr-start', 'ivr-step', 'ivr-max', 'ivr-resolution', 'ivr-hold-ms', 'ivr-mode', 'ivr-key-delay-ms', 'step-seconds', 'rtp-workers', 'trunk-host', 'cpu-prof', 'budget-seconds', 'quiet-wait-seconds', 'quiet-pct', 'results', 'log-level'];
  const { values } = parseArgs({ options: Object.fromEntries([...flags.map((f) => [f, { type: 'boolean' }]), ...strings.map((s) => [s, { type: 'string' }])]) });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  if (values['ivr-mode'] !== undefined && !['key', 'hangup'].includes(values['ivr-mode'])) throw new Error('--ivr-mode must be key or hangup');
  if (values.only !== undefined && !['voicemail', 'ivr'].includes(values.only)) throw new Error('--only must be voicemail or ivr');
  const quick = Boolean(values.quick);
  const int = (name, dflt, min = 1, max = 1_000_000) => {
    const v = values[name] === undefined ? dflt : Number(values[name]);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} must be an integer in ${min}..${max}`);
    return v;
  };
  const trunkHost = values['trunk-host'] ?? '127.0.0.2';
  if (!/^127\.\d+\.\d+\.\d+$/.test(trunkHost) || trunkHost === '127.0.0.1') throw new Error('--trunk-host must be a loopback address other than 127.0.0.1');
  return {
    quick,
    voicemail: values.only !== 'ivr',
    ivr: values.only !== 'voicemail',
    deposits: int('deposits', quick ? 20 : 200, 1, 2000),
    messageSeconds: int('message-seconds', quick ? 10 : 30, 3, 110),
    depositRate: int('deposit-rate', 50, 1, 1000),
    ivrStart: int('ivr-start', 20),
    ivrStep: int('ivr-step', quick ? 60 : 20),
    ivrMax: int('ivr-max', 400),
    ivrResolution: int('ivr-resolution', quick ? 20 : 5),
    ivrHoldMs: int('ivr-hold-ms', 2000, 0, 60_000),
    ivrMode: values['ivr-mode'] ?? 'key',
    ivrKeyDelayMs: int('ivr-key-delay-ms', 1000, 0, 8000),
    stepSeconds: int('step-seconds', quick ? 3 : 10, 1, 120),
    rtpWorkers: int('rtp-workers', 0, 0, 64),
    trunkHost,
    cpuProf: values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined,
    budgetSeconds: int('budget-seconds', quick ? 60 : 300, 10, 3600),
    quietWaitSeconds: int('quiet-wait-seconds', quick ? 5 : 10, 0, 600),
    quietPct: int('quiet-pct', 30, 1, 10_000),
    results: values['no-results'] ? undefined : resolve(values.results ?? join(repoRoot, 'bench', quick ? 'out/RESULTS-quick.md' : 'RESULTS.md')),
    keep: Boolean(values.keep),
    logLevel: ['debug', 'info', 'warn', 'error'].includes(values['log-level'] ?? 'warn') ? (values['log-level'] ?? 'warn') : (() => { throw new Error('--log-level must be debug, info, warn or error'); })(),
    install: !values['no-install'],
    pbxPort: 5080,
    apiPort: 5081,
    callerPort: 5070,
    callerMediaPort: 6000,
    carrierScenario: join(repoRoot, 'test', 'sipp', 'carrier-uac.xml'),
    ivrKeyScenario: join(here, 'ivr-key-uac.xml'),
  };
}

/** The PBX with the flows config (admin API for /metrics and the voicemail list); optionally profiled. */
class PbxFlowsServer extends PbxServer {
  constructor(o) {
    super(o);
    this.flows = o;
  }
  prepare() {
    const why = super.prepare();
    this.configFile = writeFlowsConfig(this.o.dir, { host: this.host, port: this.port, apiPort: this.flows.apiPort, adminToken: this.flows.adminToken, rtpWorkers: this.flows.rtpWorkers, trunkHost: this.flows.trunkHost, trunkPort: 5099, logLevel: this.flows.logLevel });
    if (this.flows.cpuProf) {
      // the PBX is `node bin/pbx serve`: bin/pbx is a script, so the flag goes through NODE_OPTIONS
      process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${this.flows.cpuProf}`.trim();
    }
    return why;
  }
  async start() {
    await super.start();
    // a tenant file the server refused is logged, and the server runs on without it
    const log = readFileSync(this.logFile, 'utf8');
    const refused = log.split('\n').filter((l) => / ERROR \[tenants\]/.test(l));
    if (refused.length) throw new Error(`the PBX refused the bench's tenant file: ${refused.join(' | ')}`);
  }
}

/** The PBX's own report after a full GC (SIGUSR2; the server runs with --expose-gc). */
async function gcReport(server) {
  await server.prepareMeasure();
  const line = server.statsLines().at(-1) ?? '';
  const num = (k) => Number(new RegExp(`\\b${k}=(\\d+)`).exec(line)?.[1]);
  return { heapUsed: num('heapUsedBytes'), rss: num('rssBytes'), calls: num('calls'), serverTransactions: num('serverTransactions'), clientTransactions: num('clientTransactions') };
}

async function main() {
  const o = options();
  installCleanup(log);
  if (o.install) installMissing({ sipp: true, kamailio: false }, log);
  const dir = mkdtempSync(join(tmpdir(), 'pbx-flows-bench-'));
  log(`work dir ${dir}`);
  const adminToken = randomBytes(24).toString('hex');
  const machine = machineInfo(repoRoot);
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const run = { date, machine, options: o, quick: o.quick, caveats: [], argv: process.argv.slice(2).join(' ') };
  const server = new PbxFlowsServer({ dir, host: '127.0.0.1', port: o.pbxPort, users: [], repoRoot, log, apiPort: o.apiPort, adminToken, rtpWorkers: o.rtpWorkers, trunkHost: o.trunkHost, cpuProf: o.cpuProf, logLevel: o.logLevel });
  let failed = false;
  try {
    const why = server.prepare();
    if (why) throw new Error(why);
    await server.start();
    const api = new PbxApi({ apiPort: o.apiPort, token: adminToken });
    if (o.voicemail) {
      try {
        const cal = await calibrate({ server, api, dir, o, log });
        run.voicemail = await depositRun({ server, api, dir, o, log, preludeMs: cal.preludeMs });
        if (!run.voicemail.pass) failed = true;
      } catch (err) {
        log(`voicemail: ${err.stack ?? err}`);
        run.voicemail = { error: String(err.message ?? err) };
        failed = true;
      }
    }
    if (o.ivr) {
      try {
        const before = await gcReport(server);
        run.ivr = await ivrRamp({ server, api, dir, o, log });
        // non-INVITE transactions (the BYEs) live 32 s (RFC 3261 §17.2.2 Timer J): wait them out
        await new Promise((r) => setTimeout(r, (o.quick ? 5 : 35) * 1000));
        run.ivr.memory = { before, after: await gcReport(server), settleSeconds: o.quick ? 5 : 35 };
        log(`ivr: after a full GC, heap ${(before.heapUsed / 2 ** 20).toFixed(0)} -> ${(run.ivr.memory.after.heapUsed / 2 ** 20).toFixed(0)} MiB, RSS ${(before.rss / 2 ** 20).toFixed(0)} -> ${(run.ivr.memory.after.rss / 2 ** 20).toFixed(0)} MiB, calls ${run.ivr.memory.after.calls}, transactions ${run.ivr.memory.after.serverTransactions}/${run.ivr.memory.after.clientTransactions}`);
      } catch (err) {
        log(`ivr: ${err.stack ?? err}`);
        run.ivr = { error: String(err.message ?? err) };
        failed = true;
      }
    }
  } finally {
    await server.stop();
    await stopAll();
  }
  if (o.cpuProf) run.caveats.push(`the PBX ran under --cpu-prof (profiles in ${o.cpuProf}): slower than usual`);
  run.loadEnd = loadavg().map((x) => x.toFixed(2)).join(' ');
  const section = flowsSection(run);
  process.stdout.write(section + '\n');
  if (o.results) {
    prependSection(o.results, section);
    log(`results written to ${o.results}`);
  }
  if (!o.keep && !failed) rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    log(err.stack ?? String(err));
    await stopAll();
    process.exit(2);
  },
);
