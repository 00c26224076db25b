#!/usr/bin/env node
// Registration benchmark: 10,000 extensions in 100 tenants register with digest auth at a
// rising rate, against this repository's PBX and against Kamailio 5.6 configured as a
// registrar, in the same run. See bench/README.md.
//
//   node bench/register/run.mjs [--pbx-only|--kamailio-only] [--quick] [--help]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, stopAll } from '../lib/children.mjs';
import { interleave, makeUsers, sippCsv, splitUsers } from '../lib/tenant-data.mjs';
import { ExternalServer } from '../lib/external-server.mjs';
import { KamailioRegistrar } from './lib/kamailio-registrar.mjs';
import { installMissing } from '../lib/install.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { PbxServer } from '../lib/pbx-server.mjs';
import { prependSection } from '../lib/results-file.mjs';
import { runSection } from './lib/results-md.mjs';
import { benchServer } from './lib/server-bench.mjs';
import { SIPP_BUFFER_BYTES } from '../lib/sipp-run.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const log = (s) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const HELP = `usage: node bench/register/run.mjs [options]
  --pbx-only | --kamailio-only   measure one side only (default: both, PBX first)
  --quick                        smoke run: 3 s steps, coarse ramp, 5 s settle; results go to
                                 bench/out/RESULTS-quick.md unless --results is given
  --kamailio-children N          Kamailio UDP workers (default 2 = one per core here)
  --sip-threads N|auto           the PBX's sip.threads (default: its own default, 1)
  --sipp-procs N                 SIPp processes sharing the load (default 1)
  --step-seconds S               length of one rate step (default 10)
  --start R --step R --max R     ramp: first rate, increment, ceiling (default 1000 1000 30000)
  --resolution R                 bisection stops at this gap (default 250)
  --settle-seconds S             wait before the memory reading after the fill pass (default 35)
  --fill-rate R                  rate of the one-registration-per-extension pass (default 1000)
  --budget-seconds S             time cap of one side's ramp, waits included (default 360)
  --quiet-wait-seconds S         before each step, wait up to S s for the machine to be quiet
                                 (default 60; other people's work skews a step)
  --quiet-pct P                  "quiet" = the whole machine under P % of one core (default 30)
  --target HOST:PORT             instead of starting the PBX, load a registrar already running there
  --target-pid PID               ... and sample that process tree's CPU and memory
  --target-name NAME             ... and call it NAME in the results (default "target")
  --pbx-port P / --kamailio-port P   (default 5080 / 5090)
  --tenants N --exts N           smaller data set for trials (default 100 x 100)
  --results FILE                 where to write (default bench/RESULTS.md)
  --no-results                   write nothing
  --keep                         keep the temp dir (configs, logs, SIPp statistics)
  --no-install                   never call apt-get`;

function options() {
  const { values } = parseArgs({
    options: {
      'pbx-only': { type: 'boolean' },
      'kamailio-only': { type: 'boolean' },
      quick: { type: 'boolean' },
      'kamailio-children': { type: 'string' },
      'sip-threads': { type: 'string' },
      'sipp-procs': { type: 'string' },
      'step-seconds': { type: 'string' },
      start: { type: 'string' },
      step: { type: 'string' },
      max: { type: 'string' },
      resolution: { type: 'string' },
      'settle-seconds': { type: 'string' },
      'fill-rate': { type: 'string' },
      'budget-seconds': { type: 'string' },
      'quiet-wait-seconds': { type: 'string' },
      'quiet-pct': { type: 'string' },
      target: { type: 'string' },
      'target-pid': { type: 'string' },
      'target-name': { type: 'string' },
      'pbx-port': { type: 'string' },
      'kamailio-port': { type: 'string' },
      tenants: { type: 'string' },
      exts: { type: 'string' },
      results: { type: 'string' },
      'no-results': { type: 'boolean' },
      keep: { type: 'boolean' },
      'no-install': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
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
  if (values['pbx-only'] && values['kamailio-only']) throw new Error('--pbx-only and --kamailio-only exclude each other');
  const o = {
    quick,
    pbx: !values['kamailio-only'],
    kamailio: !values['pbx-only'],
    kamailioChildren: int('kamailio-children', 2, 1, 64),
    sipThreads: values['sip-threads'] === undefined ? undefined : values['sip-threads'] === 'auto' ? 'auto' : int('sip-threads', 1, 1, 64),
    sippProcs: int('sipp-procs', 1, 1, 8),
    stepSeconds: int('step-seconds', quick ? 3 : 10, 1, 120),
    start: int('start', 1000),
    step: int('step', quick ? 3000 : 1000),
    max: int('max', 30000),
    resolution: int('resolution', quick ? 1000 : 250),
    settleSeconds: int('settle-seconds', quick ? 5 : 35, 0, 600),
    restSeconds: quick ? 1 : 3,
    fillRate: int('fill-rate', 1000),
    budgetSeconds: int('budget-seconds', quick ? 90 : 360, 10, 3600),
    maxSteps: 20,
    quietWaitSeconds: int('quiet-wait-seconds', quick ? 5 : 60, 0, 600),
    quietPct: int('quiet-pct', 30, 1, 10_000),
    recvTimeoutMs: 5000,
    pbxPort: int('pbx-port', 5080, 1, 65535),
    kamailioPort: int('kamailio-port', 5090, 1, 65535),
    sippPort: 5070,
    tenants: int('tenants', 100, 1, 1000),
    exts: int('exts', 100, 1, 1000),
    results: values['no-results'] ? undefined : resolve(values.results ?? join(repoRoot, 'bench', quick ? 'out/RESULTS-quick.md' : 'RESULTS.md')),
    keep: Boolean(values.keep),
    install: !values['no-install'],
    target: values.target,
    targetPid: values['target-pid'] === undefined ? undefined : int('target-pid', 0),
    targetName: values['target-name'] ?? 'target',
  };
  if (o.target && !/^[\w.-]+:\d+$/.test(o.target)) throw new Error('--target must be HOST:PORT');
  return o;
}

function rmemMax() {
  try {
    return readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim();
  } catch {
    return '?';
  }
}

async function main() {
  const o = options();
  installCleanup(log);
  if (o.install) installMissing({ sipp: true, kamailio: o.kamailio }, log);

  const dir = mkdtempSync(join(tmpdir(), 'pbx-bench-'));
  log(`work dir ${dir}`);
  const users = makeUsers(o.tenants, o.exts);
  const ordered = interleave(users);
  // SIPp reads [field3] as the Authorization header; see register-auth.xml for why.
  const fullCsv = join(dir, 'users.csv');
  writeFileSync(fullCsv, sippCsv(ordered));
  const sliceCsvs = splitUsers(ordered, o.sippProcs).map((part, i) => {
    const f = join(dir, `users-${i + 1}of${o.sippProcs}.csv`);
    writeFileSync(f, sippCsv(part));
    return f;
  });
  // The memory measurement registers one extension of every tenant first (that opens each
  // tenant's store: a per-tenant cost), then all the others (the per-contact cost).
  const firstPerTenant = ordered.slice(0, o.tenants);
  const firstCsv = join(dir, 'users-first-per-tenant.csv');
  writeFileSync(firstCsv, sippCsv(firstPerTenant));
  const restCsv = join(dir, 'users-rest.csv');
  writeFileSync(restCsv, sippCsv(ordered.slice(o.tenants)));
  const ctx = {
    scenario: join(here, 'register-auth.xml'),
    fullCsv,
    firstCsv,
    restCsv,
    tenantCount: o.tenants,
    sliceCsvs,
    userCount: users.length,
    outDir: dir,
    o,
    log,
  };

  const machine = machineInfo(repoRoot);
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const sides = [];
  const caveats = [];
  let failed = false;

  const measure = async (title, server) => {
    const side = { title, config: server.describe?.() ?? [] };
    sides.push(side);
    const why = server.prepare();
    side.config = server.describe();
    if (why) {
      side.skipped = why;
      log(`${title}: skipped: ${why}`);
      return;
    }
    try {
      log(`${title}: starting`);
      await server.start();
      side.result = await benchServer(server, ctx);
    } catch (err) {
      side.skipped = `error: ${err.message}`;
      failed = true;
      log(`${title}: ${err.stack ?? err}`);
    } finally {
      await server.stop();
    }
  };

  if (o.pbx) {
    const server = o.target
      ? new ExternalServer({ name: o.targetName, host: o.target.split(':')[0], port: Number(o.target.split(':')[1]), pid: o.targetPid })
      : new PbxServer({ dir: join(dir, 'pbx'), host: '127.0.0.1', port: o.pbxPort, users, repoRoot, log, ...(o.sipThreads !== undefined ? { sipExtra: [`threads: ${o.sipThreads}`] } : {}) });
    await measure(o.target ? `${o.targetName} (${o.target})` : 'PBX', server);
  }
  if (o.kamailio) {
    const server = new KamailioRegistrar({ dir: join(dir, 'kamailio'), host: '127.0.0.1', port: o.kamailioPort, children: o.kamailioChildren, users, repoRoot, log });
    await measure(`Kamailio ${machine.kamailio}`, server);
  }

  const [a, b] = [sides.find((s) => s.title === 'PBX'), sides.find((s) => s.title.startsWith('Kamailio'))];
  const ratio = a?.result && b?.result && b.result.ramp.best > 0 ? a.result.ramp.best / b.result.ramp.best : undefined;

  caveats.push(
    `SIPp, the server and everything else share the ${machine.nproc} CPUs of this machine; "rest of machine" is the CPU used meanwhile by all other processes and the kernel (loopback softirq included).`,
    'Failed % counts every call of the step that did not end in 200 (unexpected reply, receive timeout, retransmissions exhausted, or never sent); "retrans %" is SIPp retransmissions per call: a server that answers late shows up there before it shows up as failures.',
    'Achieved rate = calls SIPp had created / time, at the last 1 s statistics row before the step\'s final call was created.',
    `SIPp runs with \`-buff_size ${SIPP_BUFFER_BYTES}\` (its 64 KB default made SIPp itself drop thousands of replies a second at 8,000/s; net.core.rmem_max here is ${rmemMax()}); the servers keep their own defaults. "UDP drops" are the receive-buffer drops of the server's and SIPp's sockets during the step (/proc/net/udp).`,
    'Server RSS in the step tables is summed over the server\'s processes, so Kamailio\'s shared memory is counted once per process; PSS is the honest total.',
    'Before each step the bench waits (up to --quiet-wait-seconds) for the server to have worked off the previous step and for the machine to be quiet; a step that had to start on a busy machine says so.',
    'Memory per contact: PSS of the server\'s processes (shared pages divided among the processes mapping them, so Kamailio\'s shared memory is counted once), before and after one registration of every extension, after a settle wait; RSS delta and Kamailio\'s own shm allocator figure (`core.shmmem` real_used) are given beside it.',
  );
  if (o.quick) caveats.push('Quick run: short steps and a short settle wait; not a figure to compare.');

  const run = { date, machine, options: o, userCount: users.length, tenants: o.tenants, sides, ratio, caveats, quick: o.quick };
  const section = runSection(run);
  // The raw figures, to re-render or compare later (bench/out/ is not committed).
  const json = join(repoRoot, 'bench', 'out', `register-${date.replace(/\D/g, '').slice(0, 12)}.json`);
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(json, JSON.stringify(run, null, 2));
  log(`raw figures in ${json}`);
  if (o.results) {
    prependSection(o.results, section);
    log(`results written to ${o.results}`);
  } else {
    process.stdout.write(section + '\n');
  }
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
