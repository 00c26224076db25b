// What logging and /metrics cost, in CPU time (the machine is shared): log lines per CPU second (JSON and text, to stderr and to a
// discarding sink) and the render time of a /metrics exposition with many tenants.
// Run (stderr is where the default logger writes; send it to a file, not a terminal):
//   node_modules/.bin/node --import tsx bench/observability/run.ts [dir] [tenants] 2>/tmp/bench-log.txt
//   (or, with scripts/bench.mjs: npm run bench -- observability [dir] [tenants] 2>/tmp/bench-log.txt)
// `dir` holds logger.ts and metrics.ts (default src/util): point it at a copy of an older
// version to compare (see README.md).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dirArg = 'src/util', tenantsArg = '1000'] = process.argv.slice(2);
if (process.stderr.isTTY) {
  console.error('bench/observability writes a million log lines to stderr: send it to a file (2>/tmp/bench-log.txt)');
  process.exit(2);
}
const dir = resolve(dirArg);
const tenants = Number(tenantsArg);

interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
  with(fields: Record<string, unknown>): Logger;
}
interface Metric {
  inc(labels?: Record<string, string | number>, by?: number): void;
  set?(labels: Record<string, string | number> | undefined, v: number): void;
}
interface Registry {
  counter(name: string, help: string, labels?: readonly string[]): Metric;
  gauge(name: string, help: string, labels?: readonly string[]): Metric & { set(labels: Record<string, string | number> | undefined, v: number): void };
  setKnownTenants(ids: Iterable<string>): void;
}

const logMod = (await import(pathToFileURL(`${dir}/logger.ts`).href)) as {
  createLogger(o: { level?: string; format?: string; sink?: { write(l: string): void } }): Logger;
};
const metricsMod = (await import(pathToFileURL(`${dir}/metrics.ts`).href)) as {
  MetricsRegistry: new (o?: { maxSeriesPerMetric?: number }) => Registry;
  renderExposition(rs: Registry[]): string | Promise<string>;
};

/** CPU time of this process (user + system) in ms: on a shared machine it tells more than the wall clock. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1_000;
}

/** Runs fn in rounds of 1 000 until `ms` of CPU time have passed; returns calls per CPU second. */
function rate(fn: () => void, ms = 1_500): number {
  for (let i = 0; i < 2_000; i++) fn(); // warm up
  let n = 0;
  const c0 = cpuMs();
  let c = c0;
  while (c - c0 < ms) {
    for (let i = 0; i < 1_000; i++) fn();
    n += 1_000;
    c = cpuMs();
  }
  return (n * 1_000) / (c - c0);
}

function logRate(format: 'json' | 'text', sink?: { write(l: string): void }): number {
  const log = logMod.createLogger({ level: 'info', format, ...(sink ? { sink } : {}) }).child('b2bua').with({ tenant: 'acme', call: 'a84b4c76e66710' });
  let i = 0;
  return rate(() => log.info('call ended', { cause: '486 Busy Here', ms: i++, leg: 'callee' }));
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const out: string[] = [`implementation: ${dirArg}`];
const discard = { write: () => {} };
out.push(`log json -> stderr: ${fmt(logRate('json'))} lines per CPU s`);
out.push(`log text -> stderr: ${fmt(logRate('text'))} lines per CPU s`);
out.push(`log json -> discarding sink: ${fmt(logRate('json', discard))} lines per CPU s`);
out.push(`log text -> discarding sink: ${fmt(logRate('text', discard))} lines per CPU s`);
// The choice of destination: pino itself, the same line, to stderr with a synchronous write
// per line (what src/util/logger.ts uses) and with SonicBoom's asynchronous buffer.
const pino = (await import('pino')).default;
for (const sync of [true, false]) {
  const dest = pino.destination({ fd: 2, sync });
  const p = pino({ base: null, messageKey: 'msg', formatters: { level: (label: string) => ({ level: label }) } }, dest).child({ scope: 'b2bua', tenant: 'acme', call: 'a84b4c76e66710' });
  let i = 0;
  out.push(`pino alone, ${sync ? 'sync' : 'async'} destination -> stderr: ${fmt(rate(() => p.info({ cause: '486 Busy Here', ms: i++, leg: 'callee' }, 'call ended')))} lines per CPU s`);
  dest.flushSync();
}
const quiet = logMod.createLogger({ level: 'info', format: 'json' }).child('sip');
out.push(`log debug below the level: ${fmt(rate(() => quiet.debug('dropped', { n: 1 })))} calls per CPU s`);

// /metrics: the counters registry of a server with `tenants` tenants, and the gauges built at
// each scrape (as src/admin/routes/monitoring.ts does), rendered together.
const ids = Array.from({ length: tenants }, (_, i) => `tenant-${i}`);
const counters = new metricsMod.MetricsRegistry();
counters.setKnownTenants(ids);
const attempts = counters.counter('pbx_call_attempts_total', 'Call attempts by tenant and result.', ['tenant', 'result']);
const auth = counters.counter('pbx_auth_failures_total', 'Digest authentication failures.', ['tenant']);
for (const id of ids) {
  for (const result of ['answered', 'busy', 'no_answer', 'failed', 'refused', 'cancelled']) attempts.inc({ tenant: id, result }, 3);
  auth.inc({ tenant: id });
}
let k = 0;
out.push(`counter inc (tenant, result): ${fmt(rate(() => attempts.inc({ tenant: ids[k++ % tenants]!, result: 'answered' })))} inc per CPU s`);

async function scrape(): Promise<string> {
  const gauges = new metricsMod.MetricsRegistry();
  gauges.setKnownTenants(ids);
  const calls = gauges.gauge('pbx_active_calls', 'Calls in progress, by tenant.', ['tenant']);
  const regs = gauges.gauge('pbx_registrations', 'Registered contacts (bindings), by tenant.', ['tenant']);
  for (let i = 0; i < tenants; i++) {
    calls.set({ tenant: ids[i]! }, i % 7);
    regs.set({ tenant: ids[i]! }, i % 50);
  }
  for (let w = 0; w < 2; w++) gauges.gauge('pbx_media_worker_sessions', 'Media sessions on a worker.', ['worker']).set({ worker: w }, 10);
  return metricsMod.renderExposition([counters, gauges]);
}
let bytes = 0;
for (let i = 0; i < 5; i++) bytes = (await scrape()).length;
const times: number[] = [];
for (let i = 0; i < 30; i++) {
  const t0 = cpuMs();
  await scrape();
  times.push(cpuMs() - t0);
}
times.sort((a, b) => a - b);
out.push(`/metrics with ${tenants} tenants (${tenants * 9 + 2} series, ${fmt(bytes)} bytes): median ${times[15]!.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms of CPU per scrape`);
console.log(out.join('\n'));
