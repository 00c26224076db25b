#!/usr/bin/env node
// Registration benchmark: 10,000 extensions in 100 tenants register with digest auth at a
// rising rate, against this repository's PBX, a bare Node registrar (the floor of Node's UDP
// path plus the digest's crypto: bare-registrar.mjs) and Kamailio 5.6 configured as a
// registrar, in the same run. See bench/README.md.
//
//   node bench/register/run.mjs [--servers pbx,bare,kamailio] [--quick] [--help]
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
import { BareServer } from './lib/bare-server.mjs';
import { ratioLines } from './lib/ratios.mjs';
import { reuseportSpread, spreadNote } from '../lib/reuseport-spread.mjs';
import { SIPP_BUFFER_BYTES } from '../lib/sipp-run.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const log = (s) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const HELP = `usage: node bench/register/run.mjs [options]
  --servers LIST                 which servers, in this order (default pbx,bare,kamailio):
                                 pbx = this repository's PBX, bare = bench/register/bare-registrar.mjs
                                 (bare Node: dgram + MD5 digest + a Map, the floor for Node),
                                 kamailio = Kamailio as a registrar
  --pbx-only | --kamailio-only   short for --servers pbx / --servers kamailio
  --quick                        smoke run: 3 s steps, coarse ramp, 5 s settle; results go to
                                 bench/out/RESULTS-quick.md unless --results is given
  --kamailio-children N          Kamailio UDP workers (default 2 = one per core here)
  --sip-threads N[,N..]|auto     the PBX's sip.threads; a list measures the PBX once per value,
                                 one section each (default: its own default, auto)
  --bare-threads N[,N..]         threads of the bare registrar, one section each (default 1,2);
                                 threads > 1 bind with SO_REUSEPORT, which spreads by source port:
                                 use --sipp-procs 2 or more to load more than one thread
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
  --pbx-port P / --bare-port P / --kamailio-port P   (default 5080 / 5100 / 5090)
  --tenants N --exts N           smaller data set for trials (default 100 x 100)
  --results FILE                 where to write (default bench/RESULTS.md)
  --no-results                   write nothing
  --keep                         keep the temp dir (configs, logs, SIPp statistics)
  --no-install                   never call apt-get`;

function options() {
  const { values } = parseArgs({
    options: {
      servers: { type: 'string' },
      'bare-threads': { type: 'string' },
      'bare-port': { type: 'string' },
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
  if ([values['pbx-only'], values['kamailio-only'], values.servers].filter(Boolean).length > 1) throw new Error('--pbx-only, --kamailio-only and --servers exclude each other');
  const servers = (values['pbx-only'] ? 'pbx' : values['kamailio-only'] ? 'kamailio' : (values.servers ?? 'pbx,bare,kamailio')).split(',').map((x) => x.trim());
  for (const name of servers) if (!['pbx', 'bare', 'kamailio'].includes(name)) throw new Error(`--servers: unknown server "${name}" (pbx, bare, kamailio)`);
  if (new Set(servers).size !== servers.length || servers.length === 0) throw new Error('--servers: each of pbx, bare, kamailio at most once');
  const intList = (name, dflt) =>
    (values[name] ?? dflt).split(',').map((x) => {
      const v = Number(x);
      if (!Number.isInteger(v) || v < 1 || v > 64) throw new Error(`--${name} must be a comma-separated list of integers in 1..64`);
      return v;
    });
  const o = {
    quick,
    servers,
    pbx: servers.includes('pbx'),
    bare: servers.includes('bare'),
    kamailio: servers.includes('kamailio'),
    bareThreads: intList('bare-threads', '1,2'),
    kamailioChildren: int('kamailio-children', 2, 1, 64),
    // undefined = the PBX's own default, measured once.
    sipThreads: values['sip-threads'] === undefined ? [undefined] : values['sip-threads'] === 'auto' ? ['auto'] : intList('sip-threads', '1'),
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
    barePort: int('bare-port', 5100, 1, 65535),
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

  const measure = async (title, server, tags = {}) => {
    const side = { title, ...tags, config: server.describe?.() ?? [] };
    sides.push(side);
    const why = server.prepare();
    side.config = server.describe();
    if (why) {
      side.skipped = why;
      log(`${title}: skipped: ${why}`);
      return;
    }
    try {
      // Threads sharing a port by SO_REUSEPORT get load only if the SIPp ports hash apart: ask
      // the kernel while the port is still free.
      let spread;
      if (tags.kind !== 'kamailio' && typeof tags.threads === 'number' && tags.threads > 1) {
        const sippPorts = ctx.sliceCsvs.map((_, i) => o.sippPort + i);
        spread = spreadNote(await reuseportSpread(server.host, server.port, tags.threads, sippPorts), tags.threads, sippPorts);
        log(`${title}: ${spread}`);
      }
      log(`${title}: starting`);
      await server.start();
      side.result = await benchServer(server, ctx);
      if (spread) side.result.notes.push(spread);
      side.result.notes.push(...((await server.rampNotes?.()) ?? []));
    } catch (err) {
      side.skipped = `error: ${err.message}`;
      failed = true;
      log(`${title}: ${err.stack ?? err}`);
    } finally {
      await server.stop();
    }
  };

  for (const kind of o.servers) {
    if (kind === 'pbx' && o.target) {
      const server = new ExternalServer({ name: o.targetName, host: o.target.split(':')[0], port: Number(o.target.split(':')[1]), pid: o.targetPid });
      await measure(`${o.targetName} (${o.target})`, server, { kind: 'target' });
    } else if (kind === 'pbx') {
      for (const t of o.sipThreads) {
        const label = t === undefined ? '' : `-t${t}`;
        const server = new PbxServer({ dir: join(dir, `pbx${label}`), host: '127.0.0.1', port: o.pbxPort, users, repoRoot, log, ...(t !== undefined ? { sipExtra: [`threads: ${t}`] } : {}) });
        server.name = `pbx${label}`;
        await measure(t === undefined ? 'PBX' : `PBX, sip.threads ${t}`, server, { kind: 'pbx', threads: t });
      }
    } else if (kind === 'bare') {
      for (const t of o.bareThreads) {
        const server = new BareServer({ dir: join(dir, `bare-t${t}`), host: '127.0.0.1', port: o.barePort, threads: t, users, repoRoot, log });
        await measure(`bare Node registrar, ${t} thread${t > 1 ? 's' : ''}`, server, { kind: 'bare', threads: t });
      }
    } else if (kind === 'kamailio') {
      const server = new KamailioRegistrar({ dir: join(dir, 'kamailio'), host: '127.0.0.1', port: o.kamailioPort, children: o.kamailioChildren, users, repoRoot, log });
      await measure(`Kamailio ${machine.kamailio}`, server, { kind: 'kamailio', threads: o.kamailioChildren });
    }
  }

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

  if (o.bare) {
    caveats.push(
      'The bare Node registrar (bench/register/bare-registrar.mjs) is a yardstick, not a server: it does only what the scenario needs (no transactions, no logging, no TCP, one contact per address of record, headers found by indexOf). Its rate is the floor of what Node\'s UDP path plus the three MD5s of a digest registration (nonce check, HA2, response; the nonce itself is made once a second) cost on this machine; PBX / bare says how much of the gap to Kamailio is the PBX\'s own work.',
      'With more than one thread, the bare registrar (and the PBX\'s `sip.threads`) bind one socket per thread with SO_REUSEPORT; the kernel chooses the socket by source address and port, so with one SIPp process every datagram lands on one thread. Compare threads at the same --sipp-procs.',
    );
  }
  const summaryLines = ratioLines(sides);
  const run = { date, machine, options: o, userCount: users.length, tenants: o.tenants, sides, summaryLines, caveats, quick: o.quick };
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
