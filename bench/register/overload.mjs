#!/usr/bin/env node
// Cold start and overload of the registrar (issue 13, point 4), against this repository's PBX:
//   1. cold fill: 10,000 extensions that have never registered, at the warm capacity (2,000/s);
//   2. warm refresh: the same 10,000 again at the same rate;
//   3. overload: REGISTER with digest at 2x capacity for 30 s, goodput (200 OK per second) and
//      the server's peak RSS.
// Each variant starts a fresh server (empty data dir: cold caches, no bindings). By default two
// variants run back to back, overload control on (the default config) and off
// (`sip.overload.enabled: false`), so the effect is seen in the same run on the same machine.
//
//   node bench/register/overload.mjs [--capacity 2000] [--factor 2] [--seconds 30]
//        [--variants on,off] [--results FILE | --no-results] [--keep] [--no-install]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, stopAll } from '../lib/children.mjs';
import { interleave, makeUsers, sippCsv } from '../lib/tenant-data.mjs';
import { installMissing } from '../lib/install.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { PbxServer } from '../lib/pbx-server.mjs';
import { cpuSeconds, Sampler } from '../lib/proc-stats.mjs';
import { prependSection } from '../lib/results-file.mjs';
import { parseStatCsv } from '../lib/sipp-stats.mjs';
import { runSipp, SIPP_BUFFER_BYTES } from '../lib/sipp-run.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const log = (s) => process.stderr.write(`[overload ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function options() {
  const { values } = parseArgs({
    options: {
      capacity: { type: 'string' },
      factor: { type: 'string' },
      seconds: { type: 'string' },
      variants: { type: 'string' },
      tenants: { type: 'string' },
      exts: { type: 'string' },
      port: { type: 'string' },
      results: { type: 'string' },
      'no-results': { type: 'boolean' },
      keep: { type: 'boolean' },
      'no-install': { type: 'boolean' },
    },
  });
  const int = (name, dflt, min, max) => {
    const v = values[name] === undefined ? dflt : Number(values[name]);
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name} must be a number in ${min}..${max}`);
    return v;
  };
  const variants = (values.variants ?? 'on,off').split(',').map((v) => v.trim());
  for (const v of variants) if (v !== 'on' && v !== 'off') throw new Error('--variants: on, off or on,off');
  return {
    capacity: int('capacity', 2000, 100, 100_000),
    factor: int('factor', 2, 1, 10),
    seconds: int('seconds', 30, 5, 600),
    variants,
    tenants: int('tenants', 100, 1, 1000),
    exts: int('exts', 100, 1, 1000),
    port: int('port', 5085, 1, 65535),
    sippPort: 5075,
    results: values['no-results'] ? undefined : resolve(values.results ?? join(repoRoot, 'bench', 'RESULTS.md')),
    keep: Boolean(values.keep),
    install: !values['no-install'],
  };
}

/** Per-second successes from SIPp's -fd 1 rows: the goodput curve. */
function perSecond(stf) {
  let rows = [];
  try {
    rows = parseStatCsv(readFileSync(stf, 'utf8'));
  } catch {
    return [];
  }
  return rows.map((r) => Number(r['SuccessfulCall(P)']) || 0);
}

const median = (xs) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** One SIPp pass with the server's CPU and peak memory sampled around it. */
async function pass(server, o, dir, { csv, rate, calls, tag, wait }) {
  const sampler = new Sampler({ server: { pids: () => server.pids(), ports: () => [server.port] } }, 250);
  sampler.start();
  const t0 = Date.now();
  const run = await runSipp({
    target: `${server.host}:${server.port}`,
    scenario: join(here, 'register-auth.xml'),
    csvFiles: [csv],
    rate,
    calls,
    localPortBase: o.sippPort,
    outDir: dir,
    tag,
    timeoutSeconds: Math.ceil(calls / rate) + wait,
  });
  const usage = sampler.stop();
  const s = run.summary ?? { created: 0, successful: 0, failed: 0, retransmissions: 0, failureKinds: {}, callLengthMs: 0, achievedRate: 0 };
  const wallSeconds = (Date.now() - t0) / 1000;
  const curve = perSecond(join(dir, `${tag}-sipp0.csv`));
  const offeredSeconds = calls / rate;
  const r = {
    tag,
    rate,
    calls,
    created: s.created,
    successful: s.successful,
    failedPct: calls > 0 ? (100 * (calls - s.successful)) / calls : 0,
    failureKinds: s.failureKinds,
    retransPct: s.created > 0 ? (100 * s.retransmissions) / s.created : 0,
    callLengthMs: s.callLengthMs,
    achieved: s.achievedRate,
    // 200 OK per second over the offered period (what was served while the load was on) ...
    goodput: s.successful / offeredSeconds,
    // ... and the median of the per-second successes while it was on (the steady state).
    goodputMedian: median(curve.slice(2, Math.max(3, Math.floor(offeredSeconds)))),
    wallSeconds,
    serverCpuPct: usage.groups.server.cpuPct,
    peakRss: usage.groups.server.rss,
    peakPss: usage.groups.server.pss,
    udpDrops: usage.groups.server.udpDrops,
    otherCpuPct: usage.otherCpuPct,
    problems: run.problems,
  };
  log(
    `${tag}: ${rate}/s x ${calls}: ${r.successful} ok (${r.failedPct.toFixed(2)} % failed ${JSON.stringify(r.failureKinds)}), goodput ${r.goodput.toFixed(0)}/s ` +
      `(median ${r.goodputMedian}/s), retrans ${r.retransPct.toFixed(1)} %, CPU ${r.serverCpuPct.toFixed(0)} %, peak RSS ${(r.peakRss / 2 ** 20).toFixed(1)} MiB, other ${r.otherCpuPct.toFixed(0)} %`,
  );
  return r;
}

/** Until the server is idle again (under 10 % of a core over 1 s), at most maxMs. */
async function waitIdle(server, maxMs) {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    const a = cpuSeconds(server.pids());
    await sleep(1000);
    if (cpuSeconds(server.pids()) - a < 0.1) return;
  }
}

async function variant(name, o, dir, users, csv) {
  const sipExtra = name === 'off' ? ['overload: { enabled: false }'] : [];
  const server = new PbxServer({ dir: join(dir, `pbx-${name}`), host: '127.0.0.1', port: o.port, users, repoRoot, log, sipExtra });
  const why = server.prepare();
  if (why) throw new Error(why);
  await server.start();
  try {
    const n = users.length;
    log(`overload control ${name}: cold fill of ${n} new contacts at ${o.capacity}/s`);
    const cold = await pass(server, o, dir, { csv, rate: o.capacity, calls: n, tag: `${name}-cold`, wait: 20 });
    await waitIdle(server, 40_000);
    log(`overload control ${name}: warm refresh of the same ${n} at ${o.capacity}/s`);
    const warm = await pass(server, o, dir, { csv, rate: o.capacity, calls: n, tag: `${name}-warm`, wait: 20 });
    await waitIdle(server, 40_000);
    const rate = o.capacity * o.factor;
    log(`overload control ${name}: ${rate}/s (${o.factor}x capacity) for ${o.seconds} s`);
    const over = await pass(server, o, dir, { csv, rate, calls: rate * o.seconds, tag: `${name}-overload`, wait: 20 });
    await server.prepareMeasure?.();
    return { name, cold, warm, over, contacts: server.registeredContacts() };
  } finally {
    await server.stop();
  }
}

const mib = (b) => (b / 2 ** 20).toFixed(1);

function section(run) {
  const { o, machine, date, results } = run;
  const out = [];
  out.push(`## ${date}: registrations: cold start and overload (bench/register/overload.mjs)`, '');
  out.push(
    `Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memGiB.toFixed(1)} GiB RAM, Linux ${machine.kernel}, Node ${machine.node}, SIPp ${machine.sipp}; load average before the run ${machine.loadavg}. Repository at ${machine.revision}.`,
    '',
  );
  out.push(
    `Load: ${run.userCount} extensions in ${o.tenants} tenants, SIPp \`bench/register/register-auth.xml\` over UDP on 127.0.0.1 (REGISTER → 401 → REGISTER with MD5 digest → 200; anything else, a 503 included, fails the call), one SIPp process with \`-buff_size ${SIPP_BUFFER_BYTES}\`. Each variant is a fresh server on an empty data directory (config as bench/register/run.mjs, plus \`sip.overload\` as said). Capacity = ${o.capacity}/s as given by --capacity (default 2,000/s: the warm rate bench/register passed on this machine when it was quiet); overload = ${o.factor}× that for ${o.seconds} s.`,
    '',
  );
  out.push('| overload control | pass | offered /s | calls | 200 OK | failed % | failures | retrans % | goodput /s (median /s) | server CPU % | peak RSS MiB | peak PSS MiB | UDP drops | rest of machine CPU % |');
  out.push('|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const v of results) {
    for (const [label, r] of [['cold fill', v.cold], ['warm refresh', v.warm], [`${o.factor}× capacity, ${o.seconds} s`, v.over]]) {
      const kinds = Object.entries(r.failureKinds).map(([k, n]) => `${k} ${n}`).join(', ') || '-';
      out.push(
        `| ${v.name} | ${label} | ${r.rate} | ${r.calls} | ${r.successful} | ${r.failedPct.toFixed(2)} | ${kinds} | ${r.retransPct.toFixed(1)} | ${r.goodput.toFixed(0)} (${r.goodputMedian}) | ${r.serverCpuPct.toFixed(0)} | ${mib(r.peakRss)} | ${mib(r.peakPss)} | ${r.udpDrops} | ${r.otherCpuPct.toFixed(0)} |`,
      );
    }
  }
  out.push('');
  for (const v of results) {
    const share = v.over.goodput / o.capacity;
    out.push(
      `- overload control **${v.name}**: cold fill ${v.cold.failedPct.toFixed(2)} % failed against ${v.warm.failedPct.toFixed(2)} % warm; at ${o.factor}× capacity **goodput ${v.over.goodput.toFixed(0)}/s = ${(100 * share).toFixed(0)} % of capacity** (target ≥ 90 %), peak RSS ${mib(v.over.peakRss)} MiB; ${v.contacts ?? '?'} contacts registered at the end.`,
    );
  }
  out.push('');
  out.push('Caveats:', '');
  out.push(
    '- Goodput = 200 OK (completed registrations) over the offered period; the median is that of the per-second successes SIPp logged while the load was on. Every 503 counts as a failed call (SIPp does not retry after Retry-After), so "failed %" at 2× capacity is at least 50 % by construction: the question is how much of the capacity still completes.',
    `- SIPp, the server and everything else share the ${machine.nproc} CPUs of this machine; "rest of machine" is the CPU used meanwhile by all other processes (other sessions' work included).`,
    '',
  );
  return out.join('\n');
}

async function main() {
  const o = options();
  installCleanup(log);
  if (o.install) installMissing({ sipp: true, kamailio: false }, log);
  const dir = mkdtempSync(join(tmpdir(), 'pbx-overload-'));
  log(`work dir ${dir}`);
  const users = makeUsers(o.tenants, o.exts);
  const csv = join(dir, 'users.csv');
  writeFileSync(csv, sippCsv(interleave(users)));
  const machine = machineInfo(repoRoot);
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const results = [];
  for (const name of o.variants) results.push(await variant(name, o, dir, users, csv));
  const run = { o, machine, date, results, userCount: users.length };
  const text = section(run);
  const json = join(repoRoot, 'bench', 'out', `overload-${date.replace(/\D/g, '').slice(0, 12)}.json`);
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(json, JSON.stringify(run, null, 2));
  log(`raw figures in ${json}`);
  if (o.results) {
    prependSection(o.results, text);
    log(`results written to ${o.results}`);
  } else {
    process.stdout.write(text + '\n');
  }
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
}

main()
  .then(async () => {
    await stopAll();
    process.exit(0);
  })
  .catch(async (err) => {
    log(String(err?.stack ?? err));
    await stopAll();
    process.exit(1);
  });
