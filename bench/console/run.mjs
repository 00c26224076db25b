#!/usr/bin/env node
// Console bench (issue 14, "Bench"): a tenant with 10,000 extensions; its tenant admin opens the
// extensions page in headless Chromium and the page itself measures, with the performance API,
// the time from the navigation's start to the first page of extensions rendered (the mark
// 'console:extensions-rendered', set by web/console/views/tenant-extensions.ts once the list
// has been drawn). Target: < 1 s. Several loads, cold (a new browser context, empty cache) and
// warm (a reload); median and worst go into bench/RESULTS.md.
//
//   node_modules/.bin/node bench/console/run.mjs [--extensions 10000] [--loads 7] [--quick] [--results FILE | --no-results]
//
// The PBX is the real server (`src/cli/main.ts serve` under tsx) in a child process on loopback.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { machineInfo } from '../lib/machine.mjs';
import { prependSection } from '../lib/results-file.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const log = (s) => process.stderr.write(`[console ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const { values: a } = parseArgs({
  options: {
    extensions: { type: 'string', default: '10000' },
    loads: { type: 'string', default: '7' },
    quick: { type: 'boolean' },
    results: { type: 'string' },
    'no-results': { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (a.help) {
  process.stdout.write('usage: node bench/console/run.mjs [--extensions N] [--loads N] [--quick] [--results FILE | --no-results]\n');
  process.exit(0);
}
const EXTS = Number(a.quick ? 1000 : a.extensions);
const LOADS = Number(a.quick ? 3 : a.loads);
const resultsFile = a.results ?? (a.quick ? join(repoRoot, 'bench', 'out', 'RESULTS-quick.md') : join(repoRoot, 'bench', 'RESULTS.md'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_PASSWORD = 'bench-admin-web-pass';

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

if (!existsSync(CHROMIUM)) {
  log(`${CHROMIUM} not found (apt-get install chromium)`);
  process.exit(2);
}
if (!existsSync(join(repoRoot, 'dist', 'console', 'index.html'))) {
  log('building the console');
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-console.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

// ---- the tenant and the PBX --------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'pbx-bench-console-'));
mkdirSync(join(dir, 'tenants'));
const sipPort = await freePort();
const apiPort = await freePort();
writeFileSync(
  join(dir, 'pbx.yaml'),
  ['dataDir: data', 'tenantsDir: tenants', `sip: { listen: [ "udp://127.0.0.1:${sipPort}" ] }`, `api: { listen: "127.0.0.1:${apiPort}" }`, 'rtp: { workers: 0 }', 'log: { level: warn }', 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }'].join('\n') + '\n',
);
const lines = ['id: big', 'name: Big Corp', 'domains: [ big.example ]', `limits: { extensions: ${EXTS + 10} }`, 'extensions:'];
lines.push(`  - { ext: "1000", name: "Admin", password: "big-1000-secret", webPassword: "${ADMIN_PASSWORD}", webAdmin: true }`);
for (let i = 1; i < EXTS; i++) lines.push(`  - { ext: "${1000 + i}", name: "User ${1000 + i}", password: "big-${1000 + i}-secret-x" }`);
writeFileSync(join(dir, 'tenants', 'big.yaml'), lines.join('\n') + '\n');

log(`starting the PBX with a tenant of ${EXTS} extensions`);
const nodeBin = join(repoRoot, 'node_modules', '.bin', 'node');
const started = Date.now();
const child = spawn(existsSync(nodeBin) ? nodeBin : process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), 'serve', '--config', join(dir, 'pbx.yaml')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.on('data', (d) => (out += d));
const base = `http://127.0.0.1:${apiPort}`;
for (;;) {
  if (child.exitCode !== null) {
    log(`the PBX exited:\n${out.slice(-3000)}`);
    process.exit(1);
  }
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {
    /* not yet */
  }
  if (Date.now() - started > 600_000) throw new Error('the PBX did not start in 10 min');
  await new Promise((r) => setTimeout(r, 250));
}
log(`PBX up after ${((Date.now() - started) / 1000).toFixed(1)} s`);

// ---- the browser ---------------------------------------------------------------------------
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const measure = async (page) =>
  page.evaluate(async () => {
    for (let i = 0; i < 400; i++) {
      const m = performance.getEntriesByName('console:extensions-rendered')[0];
      if (m) {
        const api = performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/v1/tenants/big/extensions?'));
        return { rendered: m.startTime, api: api.length ? api[api.length - 1].duration : NaN, rows: document.querySelectorAll('[data-testid=extensions] tbody tr').length, total: document.querySelector('main p[aria-live]')?.textContent ?? '' };
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    return undefined;
  });

const cold = [];
const warm = [];
let shape;
for (let i = 0; i < LOADS; i++) {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  // Sign in through the API (the cookie lands in this context), then open the page cold.
  const login = await page.request.post('/api/v1/login', { data: { username: '1000@big.example', password: ADMIN_PASSWORD } });
  if (login.status() !== 200) throw new Error(`login: ${login.status()} ${await login.text()}`);
  await page.goto('/console/#/t/big/extensions');
  const c = await measure(page);
  if (!c) throw new Error('the extensions page did not render');
  cold.push(c.rendered);
  shape = c;
  await page.reload();
  const w = await measure(page);
  if (w) warm.push(w.rendered);
  log(`load ${i + 1}: cold ${c.rendered.toFixed(0)} ms (API ${c.api.toFixed(0)} ms), warm ${w?.rendered.toFixed(0)} ms; ${c.rows} rows, "${c.total}"`);
  await context.close();
}
await browser.close();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });

const sorted = (xs) => [...xs].sort((x, y) => x - y);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
const worst = (xs) => sorted(xs)[xs.length - 1];
const m = machineInfo(repoRoot);
const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
const met = worst(cold) < 1000 ? 'met' : 'not met';
const section = `## Console: the extensions page of a tenant with ${EXTS.toLocaleString('en')} extensions in Chromium (${when} UTC)

Machine: ${m.nproc} × ${m.cpuModel}, ${m.memGiB.toFixed(1)} GiB, Linux ${m.kernel}, ${m.node}; commit ${m.revision}; load average at the end ${m.loadavg} (the machine is shared with other work).
Server: this repository's PBX (\`src/cli/main.ts serve\`), API on 127.0.0.1; one tenant of ${EXTS} extensions from YAML. Browser: Debian's Chromium, headless, driven by playwright-core; the tenant admin signed in through POST /api/v1/login. Bench: \`node bench/console/run.mjs${a.quick ? ' --quick' : ''}\`.
Measured by the page: navigation start → the first page (${shape?.rows ?? '?'} rows, API cursor paging \`?limit=50\`) rendered (\`performance.mark\` after the list is drawn), ${LOADS} loads.

| | target | measured | |
|---|---|---|---|
| first page rendered, cold (new context, empty cache) | < 1 s | median ${median(cold).toFixed(0)} ms, worst ${worst(cold).toFixed(0)} ms | ${met} |
| first page rendered, warm (reload) | | median ${median(warm).toFixed(0)} ms, worst ${worst(warm).toFixed(0)} ms | |

- the page showed "${shape?.total ?? ''}"; the last cold load's GET .../extensions?limit=50 took ${shape?.api.toFixed(0)} ms in the browser's resource timing
`;
if (!a['no-results']) {
  prependSection(resultsFile, section);
  log(`wrote ${resultsFile}`);
}
process.stdout.write(section);
