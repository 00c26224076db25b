#!/usr/bin/env node
// Top frames of a V8 .cpuprofile by self time, over its last `seconds` only (the probe's
// measured window, not the server's start):  node bench/sip-cost/profile-top.mjs FILE [seconds=8] [rows=25]
import { readFileSync } from 'node:fs';

const [file, secArg, rowsArg] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const windowUs = Number(secArg ?? 8) * 1e6;
const rows = Number(rowsArg ?? 25);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const times = [];
let t = p.startTime;
for (const d of p.timeDeltas) times.push((t += d));
const end = times[times.length - 1];
const self = new Map();
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  if (times[i] < end - windowUs) continue;
  const n = byId.get(p.samples[i]);
  const cf = n.callFrame;
  const key = `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${cf.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + 1);
  total++;
}
const sorted = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, rows);
console.log(`${total} samples in the last ${windowUs / 1e6} s`);
for (const [k, v] of sorted) console.log(`${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
