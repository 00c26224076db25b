#!/usr/bin/env node
// `npm run bench -- <name> [options]`: runs bench/<name>/run.mjs (or the named entry of a bench
// that has several) under the project's Node 24 (node_modules/.bin/node, as `npm test` does),
// after printing the machine, the runtime and the commit; each bench then writes its own section
// of bench/RESULTS.md. `npm run bench` alone lists the benches.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');

/**
 * bench name → its entry file: bench/<name>/run.(mjs|ts), and any other top-level file of a bench
 * folder that is a command of its own (it parses options: media/conference, cluster/register).
 */
function entries() {
  const out = new Map();
  for (const d of readdirSync(benchDir, { withFileTypes: true })) {
    if (!d.isDirectory() || d.name === 'out' || d.name === 'lib') continue;
    for (const f of readdirSync(join(benchDir, d.name))) {
      const m = /^([a-z0-9-]+)\.(mjs|ts)$/.exec(f);
      if (!m || f.endsWith('.test.mjs')) continue;
      if (m[1] === 'run') out.set(d.name, join(benchDir, d.name, f));
      else if (readFileSync(join(benchDir, d.name, f), 'utf8').includes('parseArgs(')) out.set(`${d.name}/${m[1]}`, join(benchDir, d.name, f));
    }
  }
  return out;
}

const [name, ...rest] = process.argv.slice(2);
const all = entries();
if (!name || name === '--help' || name === '-h') {
  console.log('usage: npm run bench -- <name> [options]   (each bench has --help)\n\nbenches:');
  for (const [n, f] of [...all].sort()) console.log(`  ${n.padEnd(18)} ${f.slice(root.length + 1)}`);
  process.exit(name ? 0 : 2);
}
const file = all.get(name);
if (!file) {
  console.error(`bench: no bench "${name}"; known: ${[...all.keys()].sort().join(', ')}`);
  process.exit(2);
}
const node24 = join(root, 'node_modules', '.bin', 'node');
const node = existsSync(node24) ? node24 : process.execPath;
let commit = 'unknown';
try {
  commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
} catch {
  // not a git checkout: say so below
}
const runtime = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
// The same facts go into each bench's section of RESULTS.md (bench/lib/machine.mjs).
console.log(`bench ${name}: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, node ${runtime}, commit ${commit}`);
const args = file.endsWith('.ts') ? [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), file, ...rest] : [file, ...rest];
const r = spawnSync(node, args, { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
