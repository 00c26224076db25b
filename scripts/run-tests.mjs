#!/usr/bin/env node
// Runs every uvu test file (src/**/*.test.ts, test/**/*.test.ts, bench/**/*.test.mjs) under tsx, one
// process per file so that a crashing file cannot hide the others, and ends with
// the line `N passed, N failed` (plus skipped) that CI reads.
//
//   npm test                     all tests
//   npm test -- sip/message      only files whose path contains the filter
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const filters = process.argv.slice(2);

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e === 'node_modules' || e === 'dist' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (e.endsWith('.test.ts') || e.endsWith('.test.mjs')) out.push(p);
  }
  return out;
}

const files = [...collect(join(root, 'src'), []), ...collect(join(root, 'test'), []), ...collect(join(root, 'bench'), [])]
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

// Integration tests go last: they are slow and the unit tests should speak first.
files.sort((a, b) => Number(a.startsWith('test/')) - Number(b.startsWith('test/')) || a.localeCompare(b));
// (bench/ holds the harness's own unit tests; the benchmarks themselves never run here)

const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
let passed = 0;
let failed = 0;
let skipped = 0;
const failedFiles = [];

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', join(root, 'scripts/uvu-hook-errors.mjs'), join(root, 'node_modules/uvu/bin.js'), '.', '^' + file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$'], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const limitMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 300_000);
    const timer = setTimeout(() => {
      out += `\n[run-tests] ${file}: killed after ${limitMs} ms\n`;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const p = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const s = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
      let f = Math.max(0, total - p - s);
      if (code !== 0 && f === 0) f = 1; // a crash, a timeout, or a failure before any test ran
      resolve({ file, out, passed: p, failed: f, skipped: s, ms: Date.now() - started, code });
    });
  });
}

const queue = [...files];
const results = [];
async function worker() {
  while (queue.length > 0) {
    const file = queue.shift();
    const r = await runFile(file);
    results.push(r);
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
    const status = r.failed > 0 ? 'FAIL' : 'ok  ';
    process.stdout.write(`${status} ${file}  (${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped, ${r.ms} ms)\n`);
    const skipLines = r.out.split('\n').filter((l) => l.startsWith('SKIPPED'));
    for (const l of skipLines) process.stdout.write(`     ${l}\n`);
    if (r.failed > 0) {
      failedFiles.push(file);
      process.stdout.write(r.out.split('\n').map((l) => '     | ' + l).join('\n') + '\n');
    }
  }
}
await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
if (failedFiles.length) process.stdout.write(`\nfailed files:\n${failedFiles.map((f) => '  ' + f).join('\n')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
