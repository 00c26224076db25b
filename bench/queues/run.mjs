#!/usr/bin/env node
// Call-queue benchmark (issue 12 "Bench"): a queue with 50 agents, callers arriving at 20/s for
// 60 s through a tenant trunk, each on music on hold until an agent answers or the queue
// overflows it (maxWaitSeconds chosen so ~500 wait at the peak); no caller may be lost, and the
// music must have under 0.1 % late frames. Against the real server. See README.md.
//
//   node bench/queues/run.mjs [--quick] [--help]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PbxApi } from '../flows/lib/pbx-api.mjs';
import { installCleanup, stopAll } from '../lib/children.mjs';
import { installMissing } from '../lib/install.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { PbxServer } from '../lib/pbx-server.mjs';
import { prependSection } from '../lib/results-file.mjs';
import { agentList, writeQueueConfig } from './lib/queue-config.mjs';
import { maxWaitFor } from './lib/queue-model.mjs';
import { queueSection } from './lib/queue-results-md.mjs';
import { queueRun } from './lib/queue-run.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const log = (s) => process.stderr.write(`[queues ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const HELP = `usage: node bench/queues/run.mjs [options]
  --quick                 smoke run: 10 agents, 5 callers/s for 15 s, target peak 50; results go to bench/out/RESULTS-quick.md
  --agents N              agent extensions, static members of the queue (default 50)
  --rate R                callers per second (default 20)
  --seconds S             how long callers arrive (default 60)
  --talk-seconds S        how long an agent talks before hanging up (default 10)
  --target-peak N         callers waiting at the peak: picks maxWaitSeconds from the queue model (default 500)
  --max-wait-seconds S    the queue's maxWaitSeconds (overrides --target-peak)
  --strategy S            the queue's strategy (default roundrobin)
  --rtp-workers N         the PBX's media worker threads (default 0: one per core)
  --trunk-host IP         the carrier's loopback address (default 127.0.0.2)
  --results FILE | --no-results  where to write (default bench/RESULTS.md)
  --port-offset N         add N to every port (PBX 5080/5081, SIPp 5070/5072/5074, media 6000/6100) to run beside another bench
  --log-level L           the PBX's log.level (default warn; its log is <temp dir>/pbx.log)
  --keep                  keep the temp dir
  --no-install            never call apt-get`;

function options() {
  const flags = ['quick', 'no-results', 'keep', 'no-install', 'help'];
  const strings = ['agents', 'rate', 'seconds', 'talk-seconds', 'target-peak', 'max-wait-seconds', 'strategy', 'rtp-workers', 'port-offset', 'trunk-host', 'results', 'log-level'];
  const { values } = parseArgs({ options: Object.fromEntries([...flags.map((f) => [f, { type: 'boolean' }]), ...strings.map((s) => [s, { type: 'string' }])]) });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = Boolean(values.quick);
  const int = (name, dflt, min = 1, max = 1_000_000) => {
    const v = values[name] === undefined ? dflt : Number(values[name]);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} must be an integer in ${min}..${max}`);
    return v;
  };
  const trunkHost = values['trunk-host'] ?? '127.0.0.2';
  if (!/^127\.\d+\.\d+\.\d+$/.test(trunkHost) || trunkHost === '127.0.0.1') throw new Error('--trunk-host must be a loopback address other than 127.0.0.1');
  const strategy = values.strategy ?? 'roundrobin';
  if (!['ringall', 'roundrobin', 'leastrecent', 'fewestcalls', 'random'].includes(strategy)) throw new Error('--strategy must be ringall, roundrobin, leastrecent, fewestcalls or random');
  const logLevel = values['log-level'] ?? 'warn';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new Error('--log-level must be debug, info, warn or error');
  const off = int('port-offset', 0, 0, 3000);
  const o = {
    quick,
    agents: int('agents', quick ? 10 : 50, 1, 200),
    rate: int('rate', quick ? 5 : 20, 1, 500),
    seconds: int('seconds', quick ? 15 : 60, 1, 3600),
    talkSeconds: int('talk-seconds', 10, 1, 600),
    targetPeak: int('target-peak', quick ? 50 : 500, 1, 100_000),
    strategy,
    rtpWorkers: int('rtp-workers', 0, 0, 64),
    trunkHost,
    results: values['no-results'] ? undefined : resolve(values.results ?? join(repoRoot, 'bench', quick ? 'out/RESULTS-quick.md' : 'RESULTS.md')),
    keep: Boolean(values.keep),
    logLevel,
    install: !values['no-install'],
    pbxPort: 5080 + off,
    apiPort: 5081 + off,
    callerPort: 5070 + off,
    callerMediaPort: 6000 + off,
    agentPort: 5072 + off,
    agentMediaPort: 6100 + off,
    registerPort: 5074 + off,
    callerScenario: join(here, 'caller-uac.xml'),
    agentScenario: join(here, 'agent-uas.xml'),
    registerScenario: join(repoRoot, 'test', 'sipp', 'callee-register.xml'),
  };
  o.maxWaitSeconds =
    values['max-wait-seconds'] !== undefined
      ? int('max-wait-seconds', 0, 1, 86_400)
      : maxWaitFor(o.targetPeak, { rate: o.rate, seconds: o.seconds, agents: o.agents, talkSeconds: o.talkSeconds, ringSeconds: 0.5 });
  return o;
}

/** The PBX with the queue config (admin API for /metrics and the queue statistics). */
class PbxQueueServer extends PbxServer {
  constructor(o) {
    super(o);
    this.q = o;
  }
  prepare() {
    const why = super.prepare();
    const q = this.q;
    this.configFile = writeQueueConfig(this.o.dir, { host: this.host, port: this.port, apiPort: q.apiPort, adminToken: q.adminToken, rtpWorkers: q.rtpWorkers, logLevel: q.logLevel, trunkHost: q.trunkHost, trunkPort: 5099, agents: q.agents, maxWaitSeconds: q.maxWaitSeconds, strategy: q.strategy, ringSeconds: 15 });
    return why;
  }
  async start() {
    await super.start();
    // a tenant file the server refused is logged, and the server runs on without it
    const text = readFileSync(this.logFile, 'utf8');
    const refused = text.split('\n').filter((l) => / ERROR \[tenants\]/.test(l));
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
  const dir = mkdtempSync(join(tmpdir(), 'pbx-queue-bench-'));
  log(`work dir ${dir}`);
  const adminToken = randomBytes(24).toString('hex');
  const machine = machineInfo(repoRoot);
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const run = { date, machine, options: o, quick: o.quick, caveats: [], argv: process.argv.slice(2).join(' ') };
  const agents = agentList(o.agents);
  const server = new PbxQueueServer({ dir, host: '127.0.0.1', port: o.pbxPort, users: [], repoRoot, log, apiPort: o.apiPort, adminToken, rtpWorkers: o.rtpWorkers, trunkHost: o.trunkHost, logLevel: o.logLevel, agents, maxWaitSeconds: o.maxWaitSeconds, strategy: o.strategy });
  let failed = false;
  try {
    const why = server.prepare();
    if (why) throw new Error(why);
    await server.start();
    const api = new PbxApi({ apiPort: o.apiPort, token: adminToken });
    try {
      run.queue = await queueRun({ server, api, dir, o, agents, log });
      // non-INVITE transactions (the BYEs) live 32 s (RFC 3261 §17.2.2 Timer J): wait them out
      await new Promise((r) => setTimeout(r, (o.quick ? 5 : 35) * 1000));
      run.queue.memory = await gcReport(server);
      if (!run.queue.pass) failed = true;
    } catch (err) {
      log(`queue: ${err.stack ?? err}`);
      run.queue = { error: String(err.message ?? err) };
      failed = true;
    }
  } finally {
    await server.stop();
    await stopAll();
  }
  run.loadEnd = loadavg().map((x) => x.toFixed(2)).join(' ');
  const section = queueSection(run);
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
