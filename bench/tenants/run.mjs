#!/usr/bin/env node
// Many tenants: N tenant files (bench/tenants/make.mjs), the real server (`node bin/pbx serve`
// from dist/), and what an operator waits for and pays:
//   - first start (every tenant applied into a new SQLite file) until GET /readyz answers 200;
//   - restart with the same files and data until /readyz answers 200;
//   - a SIGHUP after one tenant's file changed (an extension added) until the API shows it;
//   - open file descriptors and open SQLite files (/proc/<pid>/fd), RSS, after start and after
//     a few tenants were used (REGISTER-free: API reads open their stores).
//
//   node bench/tenants/run.mjs [--tenants 10000] [--keep] [--results FILE | --no-results] [--cpu-prof]
//                              [--reuse DIR [--skip-version-start]] [--label TEXT] [--base DIR]
// --base DIR: where the temp set goes (default the OS temp dir; /dev/shm: tmpfs, no fsync cost).
// --reuse DIR: a set kept (--keep) by an earlier run; it is started once unmeasured by this
// version (a new version's first start re-applies every file it has no record of), then the
// restart is measured. --skip-version-start: the set was last started by this same version.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, spawnTracked, stopTracked } from '../lib/children.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { prependSection } from '../lib/results-file.mjs';
import { ADMIN_TOKEN, makeTenants, tenantId, tenantYaml } from './make.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const log = (s) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const { values: opt } = parseArgs({
  options: {
    tenants: { type: 'string', default: '10000' },
    'trunk-every': { type: 'string', default: '10' },
    'sip-port': { type: 'string', default: '5071' },
    'api-port': { type: 'string', default: '8091' },
    results: { type: 'string' },
    'no-results': { type: 'boolean' },
    'cpu-prof': { type: 'boolean' },
    keep: { type: 'boolean' },
    label: { type: 'string' },
    reuse: { type: 'string' },
    base: { type: 'string' },
    'skip-version-start': { type: 'boolean' },
  },
});
const N = Number(opt.tenants);
const apiPort = Number(opt['api-port']);
const api = `http://127.0.0.1:${apiPort}`;

function ensureBuilt() {
  const main = join(repoRoot, 'dist', 'cli', 'main.js');
  let stale = !existsSync(main);
  if (!stale) {
    const built = statSync(main).mtimeMs;
    const stack = [join(repoRoot, 'src')];
    while (stack.length > 0 && !stale) {
      const d = stack.pop();
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) stack.push(p);
        else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && statSync(p).mtimeMs > built) stale = true;
      }
    }
  }
  if (stale) {
    log('dist/ missing or older than src/: npm run build ...');
    execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  }
}

async function get(path) {
  try {
    const r = await fetch(api + path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(5000) });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

/** Polls until fn() is true; returns the ms it took (from t0), or undefined at the deadline. */
async function until(fn, t0, timeoutMs, everyMs = 10) {
  while (performance.now() - t0 < timeoutMs) {
    if (await fn()) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return undefined;
}

/** Open descriptors of a process: total, SQLite files (main .sqlite only), their -wal/-shm. */
function fds(pid) {
  let total = 0;
  let sqlite = 0;
  let walShm = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    total++;
    let target = '';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (/tenant\.sqlite$/.test(target)) sqlite++;
    else if (/tenant\.sqlite-(wal|shm)$/.test(target)) walShm++;
  }
  return { total, tenantSqlite: sqlite, tenantWalShm: walShm };
}

/** The file system type of the mount holding dir (Linux /proc/mounts), for the results. */
function fsType(dir) {
  try {
    let best = { point: '', type: '?' };
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, point, type] = line.split(' ');
      if (point && (dir === point || dir.startsWith(point.endsWith('/') ? point : point + '/')) && point.length > best.point.length) best = { point, type };
    }
    return best.type;
  } catch {
    return '?';
  }
}

function rssMiB(pid) {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kb / 1024;
}

async function start(dir, config, label) {
  const logFile = join(dir, `pbx-${label}.log`);
  const args = [...(opt['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'prof')}`, `--cpu-prof-name=${label}.cpuprofile`] : []), join(repoRoot, 'bin', 'pbx'), 'serve', '--config', config];
  const t0 = performance.now();
  const child = spawnTracked(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = createWriteStream(logFile);
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  let alive = true;
  void child.exited.then(() => (alive = false));
  const readyMs = await until(async () => !alive || (await get('/readyz')) === 200, t0, 1_800_000, 20);
  if (!alive || readyMs === undefined) throw new Error(`the PBX did not become ready (log: ${logFile})`);
  return { child, readyMs, logFile };
}

async function main() {
  installCleanup(log);
  ensureBuilt();
  const machine = machineInfo(repoRoot);
  // --reuse DIR: a set written (and started once) by an earlier run; its first start is not measured again.
  const dir = opt.reuse ? resolve(opt.reuse) : mkdtempSync(join(opt.base ? resolve(opt.base) : tmpdir(), 'pbx-tenants-'));
  const paths = opt.reuse
    ? { config: join(dir, 'pbx.yaml'), tenantsDir: join(dir, 'tenants') }
    : (log(`writing ${N} tenant files into ${dir}`), makeTenants(dir, { tenants: N, trunkEvery: Number(opt['trunk-every']), sipPort: Number(opt['sip-port']), apiPort }));
  const { config, tenantsDir } = paths;
  const r = { tenants: N };
  try {
    let s;
    if (opt.reuse && opt['skip-version-start']) {
      // The kept set was last started by this very version: the restart below is what is measured.
    } else if (opt.reuse) {
      log('start on the kept set (not measured: the first start of this version) ...');
      s = await start(dir, config, 'first-of-version');
      r.upgradeStartMs = s.readyMs;
      log(`first start of this version ready in ${(s.readyMs / 1000).toFixed(2)} s`);
      await stopTracked(s.child, 120_000);
    } else {
    log('first start (every tenant applied into a new SQLite file) ...');
    s = await start(dir, config, 'first');
    r.firstStartMs = s.readyMs;
    const loaded = readFileSync(s.logFile, 'utf8').split('\n').find((l) => /tenants loaded/.test(l)) ?? '';
    if (!new RegExp(`active=${N}\\b`).test(loaded) || !/failed=0\b/.test(loaded)) throw new Error(`not every tenant applied: ${loaded} (log: ${s.logFile})`);
    log(`first start ready in ${(s.readyMs / 1000).toFixed(2)} s`);
    await stopTracked(s.child, 120_000);
    }

    log('restart with the same files and data ...');
    s = await start(dir, config, 'restart');
    r.restartMs = s.readyMs;
    const pid = s.child.pid;
    log(`restart ready in ${(s.readyMs / 1000).toFixed(2)} s`);
    await new Promise((res) => setTimeout(res, 1000));
    r.afterStart = { ...fds(pid), rssMiB: rssMiB(pid) };
    log(`after start: ${JSON.stringify(r.afterStart)}`);

    // One tenant's file changes: one more extension. Visible when the API finds it.
    const k = Math.floor(N / 2);
    const id = tenantId(k);
    // One extension more than the file has now (a kept set may have been changed by an earlier run).
    const extra = (readFileSync(join(tenantsDir, `${id}.yaml`), 'utf8').match(/ext: "/g) ?? []).length - 3 + 1;
    const ext = String(1003 + extra);
    if ((await get(`/api/v1/tenants/${id}/extensions/${ext}`)) === 200) throw new Error(`${id} already has ${ext}`);
    writeFileSync(join(tenantsDir, `${id}.yaml`), tenantYaml(k, { trunkEvery: Number(opt['trunk-every']), extra }));
    const t0 = performance.now();
    process.kill(pid, 'SIGHUP');
    r.sighupMs = await until(async () => (await get(`/api/v1/tenants/${id}/extensions/${ext}`)) === 200, t0, 60_000, 5);
    log(`SIGHUP applied in ${r.sighupMs === undefined ? 'never' : `${(r.sighupMs / 1000).toFixed(3)} s`}`);
    // A second SIGHUP with nothing changed: the cost of looking.
    await new Promise((res) => setTimeout(res, 500));
    const before = readFileSync(s.logFile, 'utf8').split('\n').filter((l) => /reloaded/.test(l)).length;
    const t1 = performance.now();
    process.kill(pid, 'SIGHUP');
    r.sighupNoChangeMs = await until(async () => readFileSync(s.logFile, 'utf8').split('\n').filter((l) => /reloaded/.test(l)).length > before, t1, 60_000, 5);
    log(`SIGHUP with no change: ${r.sighupNoChangeMs === undefined ? 'never' : `${(r.sighupNoChangeMs / 1000).toFixed(3)} s`}`);

    // Use 300 tenants through the API (each read opens its store).
    for (let i = 0; i < Math.min(300, N); i++) await get(`/api/v1/tenants/${tenantId(i)}/extensions/1001`);
    r.afterUse = { ...fds(pid), rssMiB: rssMiB(pid) };
    log(`after reading 300 tenants: ${JSON.stringify(r.afterUse)}`);
    await stopTracked(s.child, 120_000);
  } finally {
    if (opt.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const sec = (ms) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s`);
  const section = [
    `## ${date}: ${N.toLocaleString('en')} tenants: start, SIGHUP, open files${opt.label ? ` (${opt.label})` : ''}`,
    '',
    `Set in ${dir} (${fsType(dir)}). Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memGiB.toFixed(1)} GiB RAM, Linux ${machine.kernel}, Node ${machine.node}; load average before the run ${machine.loadavg}. Repository at ${machine.revision}.`,
    '',
    `Data: \`node bench/tenants/make.mjs\`: ${N.toLocaleString('en')} tenant files (one domain, 3 extensions, one DID each; every ${opt['trunk-every']}th also an ip trunk and an outbound route), \`log.level: info\`, one media worker. Times until GET /readyz answers 200 (start) or until GET /api/v1/tenants/{id}/extensions/1004 finds the extension added to one file (SIGHUP).${opt.reuse ? ' The set was written and first started by an earlier run (--reuse).' : ''}`,
    '',
    '| measure | value |',
    '|---|---|',
    ...(r.firstStartMs !== undefined ? [`| first start (every tenant file applied into a new SQLite file) | ${sec(r.firstStartMs)} |`] : []),
    ...(r.upgradeStartMs !== undefined ? [`| first start of this version on a set kept from an earlier run | ${sec(r.upgradeStartMs)} |`] : []),
    `| restart, same files and data | ${sec(r.restartMs)} |`,
    `| SIGHUP after one file changed, until the API shows the change | ${sec(r.sighupMs)} |`,
    `| SIGHUP with no file changed, until the "reloaded" log line | ${sec(r.sighupNoChangeMs)} |`,
    `| after restart: open fds / tenant.sqlite open / their -wal,-shm / RSS | ${r.afterStart.total} / ${r.afterStart.tenantSqlite} / ${r.afterStart.tenantWalShm} / ${r.afterStart.rssMiB.toFixed(0)} MiB |`,
    `| after reading 300 tenants through the API: open fds / tenant.sqlite open / -wal,-shm / RSS | ${r.afterUse.total} / ${r.afterUse.tenantSqlite} / ${r.afterUse.tenantWalShm} / ${r.afterUse.rssMiB.toFixed(0)} MiB |`,
    '',
  ].join('\n');
  process.stdout.write(section + '\n');
  if (!opt['no-results']) {
    const file = opt.results ? resolve(opt.results) : join(repoRoot, 'bench', 'RESULTS.md');
    prependSection(file, section);
    log(`results added to ${file}`);
  }
}

main().catch((e) => {
  log(`failed: ${e.stack ?? e}`);
  process.exitCode = 1;
});
