#!/usr/bin/env node
// Scale-out benchmark (issue 15): authenticated REGISTERs per second through the Kamailio edge
// with two PBX nodes behind it, against one node loaded directly and against the edge with one
// node (the edge's own cost), in one run, with bench/register's harness (same users, SIPp
// scenario, ramp and step rules). See bench/README.md.
//
//   node bench/cluster/register.mjs [--quick] [--help]
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, stopAll } from '../lib/children.mjs';
import { interleave, makeUsers, sippCsv, splitUsers } from '../lib/tenant-data.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { PbxServer } from '../lib/pbx-server.mjs';
import { prependSection } from '../lib/results-file.mjs';
import { runSection } from '../register/lib/results-md.mjs';
import { benchServer } from '../register/lib/server-bench.mjs';
import { ClusterServer } from './lib/cluster-server.mjs';
import { splitTenants } from './lib/split-tenants.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const log = (s) => process.stderr.write(`[cluster-bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const NET = '127.0.77';

const HELP = `usage: node bench/cluster/register.mjs [options]
  --quick                    smoke run (3 s steps, coarse ramp); writes bench/out/RESULTS-quick.md
  --sides LIST               which of direct,edge1,edge2 to measure (default all three, in that order)
  --tenants N --exts N       data set (default 20 x 50 = 1,000 extensions)
  --step-seconds S           length of one rate step (default 10)
  --start R --step R --max R ramp (default 500 500 20000)
  --resolution R             bisection stops at this gap (default 250)
  --budget-seconds S         time cap of one side's ramp (default 300)
  --quiet-wait-seconds S     before each step, wait up to S s for a quiet machine (default 20)
  --quiet-pct P              "quiet" = the whole machine under P % of one core (default 30)
  --results FILE             where to write (default bench/RESULTS.md) | --no-results
  --keep                     keep the temp dir (configs, logs, SIPp statistics)`;

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      sides: { type: 'string' },
      tenants: { type: 'string' },
      exts: { type: 'string' },
      'step-seconds': { type: 'string' },
      start: { type: 'string' },
      step: { type: 'string' },
      max: { type: 'string' },
      resolution: { type: 'string' },
      'budget-seconds': { type: 'string' },
      'quiet-wait-seconds': { type: 'string' },
      'quiet-pct': { type: 'string' },
      results: { type: 'string' },
      'no-results': { type: 'boolean' },
      keep: { type: 'boolean' },
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
  const sides = (values.sides ?? 'direct,edge1,edge2').split(',').map((s) => s.trim());
  for (const s of sides) if (!['direct', 'edge1', 'edge2'].includes(s)) throw new Error(`--sides: unknown side '${s}' (direct, edge1, edge2)`);
  return {
    quick,
    sides,
    sippProcs: 1,
    stepSeconds: int('step-seconds', quick ? 3 : 10, 1, 120),
    start: int('start', 500),
    step: int('step', quick ? 1500 : 500),
    max: int('max', 20000),
    resolution: int('resolution', quick ? 1000 : 250),
    settleSeconds: quick ? 2 : 5,
    restSeconds: 1,
    fillRate: 500,
    budgetSeconds: int('budget-seconds', quick ? 60 : 300, 10, 3600),
    maxSteps: 16,
    quietWaitSeconds: int('quiet-wait-seconds', quick ? 3 : 20, 0, 600),
    quietPct: int('quiet-pct', 30, 1, 10_000),
    recvTimeoutMs: 5000,
    sippPort: 5070,
    sippIp: `${NET}.9`,
    tenants: int('tenants', 20, 2, 1000),
    exts: int('exts', 50, 1, 1000),
    results: values['no-results'] ? undefined : resolve(values.results ?? join(repoRoot, 'bench', quick ? 'out/RESULTS-quick.md' : 'RESULTS.md')),
    keep: Boolean(values.keep),
  };
}

/** A TCP port free on `host` now (the nodes' API ports). */
function freePort(host) {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, host, () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function main() {
  const o = options();
  installCleanup(log);
  const dir = mkdtempSync(join(tmpdir(), 'pbx-cluster-bench-'));
  log(`work dir ${dir}`);
  const users = makeUsers(o.tenants, o.exts);
  const ordered = interleave(users);
  const csv = (name, list) => {
    const f = join(dir, name);
    writeFileSync(f, sippCsv(list));
    return f;
  };
  const ctx = {
    scenario: join(repoRoot, 'bench', 'register', 'register-auth.xml'),
    fullCsv: csv('users.csv', ordered),
    firstCsv: csv('users-first-per-tenant.csv', ordered.slice(0, o.tenants)),
    restCsv: csv('users-rest.csv', ordered.slice(o.tenants)),
    tenantCount: o.tenants,
    sliceCsvs: splitUsers(ordered, 1).map((part, i) => csv(`users-${i + 1}of1.csv`, part)),
    userCount: users.length,
    outDir: dir,
    o,
    log,
  };
  // Addresses of their own (127.0.77.0/24: other benches and tests on this machine use 127.0.0.x):
  // the edge and the direct node on .1, the nodes on .2 and .3, SIPp (the phones) on .9, so that
  // the edge tells a node from a phone by address, as it must (a node sends from ephemeral ports).
  const EDGE = { host: `${NET}.1`, port: 5100 };
  const [half1, half2] = splitTenants(users, 2);
  const titles = { direct: 'one node, directly', edge1: 'edge + one node', edge2: 'edge + two nodes' };
  const make = async (side) => {
    if (side === 'direct') return new PbxServer({ dir: join(dir, 'direct'), host: `${NET}.1`, port: 5080, users, repoRoot, log });
    const nodes =
      side === 'edge1'
        ? [{ name: 'node1', host: `${NET}.2`, port: 5081, apiPort: await freePort(`${NET}.2`), users }]
        : [
            { name: 'node1', host: `${NET}.2`, port: 5081, apiPort: await freePort(`${NET}.2`), users: half1 },
            { name: 'node2', host: `${NET}.3`, port: 5082, apiPort: await freePort(`${NET}.3`), users: half2 },
          ];
    return new ClusterServer({ dir: join(dir, side), name: side, edgeHost: EDGE.host, edgePort: EDGE.port, nodes, repoRoot, log });
  };

  const machine = machineInfo(repoRoot);
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const sides = [];
  let failed = false;
  for (const key of o.sides) {
    const server = await make(key);
    const side = { key, title: titles[key], config: [] };
    sides.push(side);
    const why = server.prepare();
    side.config = server.describe();
    if (why) {
      side.skipped = why;
      log(`${side.title}: skipped: ${why}`);
      continue;
    }
    try {
      log(`${side.title}: starting`);
      await server.start();
      side.result = await benchServer(server, ctx);
    } catch (err) {
      side.skipped = `error: ${err.message}`;
      failed = true;
      log(`${side.title}: ${err.stack ?? err}`);
    } finally {
      await server.stop();
    }
  }

  const best = (k) => sides.find((s) => s.key === k)?.result?.ramp.best;
  const ratio = (a, b) => (best(a) && best(b) ? (best(a) / best(b)).toFixed(2) : 'n/a');
  const summary = [
    `- edge + one node / one node directly: **${ratio('edge1', 'direct')}** (the edge's cost on this machine)`,
    `- edge + two nodes / one node directly: **${ratio('edge2', 'direct')}**`,
    `- edge + two nodes / edge + one node: **${ratio('edge2', 'edge1')}** (what the second node adds)`,
  ];
  const caveats = [
    `Everything runs on this one machine's ${machine.nproc} CPUs: SIPp, Kamailio (2 UDP workers) and every node. One PBX node's SIP work is one thread, so one node can use at most one core; a second node can only add what the edge and SIPp leave free. On ${machine.nproc} cores the two-node figure is bounded by the machine, not by the design: with the nodes on their own machines (or more cores) each node adds about one direct node's rate, until the edge (Kamailio, a stateful relay here) becomes the limit.`,
    'Through the edge every registration is relayed statefully (tm) twice (REGISTER → 401, REGISTER → 200), with Path, X-PBX-Source and a dispatcher lookup: the load per registration on the machine is SIPp + Kamailio + node, against SIPp + node directly.',
    'Failed % and the step rule are bench/register\'s: a step passes when under 1 % of its calls fail and SIPp really offered at least 97 % of the rate.',
    'CPU and memory of the edge sides are summed over Kamailio and the nodes. The memory lines mean little with this small data set and a 5 s settle: bench/register measures memory per contact.',
  ];
  if (o.quick) caveats.push('Quick run: short steps; not a figure to compare.');
  const run = { date, machine, options: o, userCount: users.length, tenants: o.tenants, sides, caveats, quick: o.quick, summaryLines: summary };
  const section = runSection(run).replace(/^## (.*): REGISTER with digest auth/m, '## $1: REGISTER with digest auth through the cluster edge (bench/cluster/register.mjs)');
  const json = join(repoRoot, 'bench', 'out', `cluster-register-${date.replace(/\D/g, '').slice(0, 12)}.json`);
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(json, JSON.stringify(run, null, 2));
  log(`raw figures in ${json}`);
  log(summary.join(' '));
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
