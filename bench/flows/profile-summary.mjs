#!/usr/bin/env node
// Where a profiled run's CPU went: reads the .cpuprofile files that `--cpu-prof DIR` left (one per
// thread: the PBX's main thread and each media worker) and prints, per file, the busy share and
// the functions and source files with the most self time.
//
//   node bench/flows/profile-summary.mjs DIR [--top N]
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Self time (µs) per function and per source file of one V8 CPU profile. */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, deltas[i] ?? 0));
  const fns = new Map();
  const files = new Map();
  let idle = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    const cf = n?.callFrame ?? {};
    total += us;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const file = cf.url ? cf.url.replace(/^file:\/\//, '') : `(${cf.functionName || 'anonymous'})`;
    const key = `${cf.functionName || '(anonymous)'} ${file}:${(cf.lineNumber ?? 0) + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
  }
  return { fns, files, idle, total };
}

function main() {
  const dir = process.argv[2];
  const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 15;
  if (!dir) {
    console.error('usage: node bench/flows/profile-summary.mjs DIR [--top N]');
    process.exit(2);
  }
  const root = process.cwd();
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  for (const f of files) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const s = selfTimes(p);
    const busy = s.total - s.idle;
    console.log(`\n## ${f}: ${(s.total / 1e6).toFixed(1)} s profiled, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / Math.max(1, s.total)).toFixed(0)} %)`);
    const show = (m, title) => {
      console.log(`${title}:`);
      for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${((100 * us) / Math.max(1, busy)).toFixed(1).padStart(5)} %  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${k.replace(root + '/', '')}`);
    };
    show(s.files, 'self time by file (share of busy)');
    show(s.fns, 'self time by function');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
