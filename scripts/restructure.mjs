#!/usr/bin/env node
/**
 * Issue 13, point 6: the folder moves, as a script the lead can run again after merging
 * other branches. It `git mv`s every file of MOVES, removes the re-export shims of
 * REPLACED, and rewrites every relative import in src/, test/, bench/, scripts/ and web/
 * that points at a moved file (`from '...'`, `import '...'`, `import(...)`, `export ... from`,
 * `new URL('...', import.meta.url)`), with or without the `.js`/`.ts` suffix. A moved file's
 * own relative imports are rewritten for its new folder.
 *
 * Idempotent: a file already at its new path is skipped; running it twice changes nothing.
 * Imports of the old paths added later (another branch merged after a run) are rewritten
 * on the next run, since they resolve through the map, not through the disk.
 *
 *   node scripts/restructure.mjs            # move and rewrite (stage with git add -A)
 *   node scripts/restructure.mjs --dry-run  # print what it would do
 *   node scripts/restructure.mjs --map      # print the move map
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DRY = process.argv.includes('--dry-run');

/** old path -> new path, relative to the repository; a file's `.test.ts` follows it when it exists. */
const MOVES = {
  // src/tenant split: the SQLite files (schemas, tables, rows, stores, pool, migrations, where a tenant's files live) -> src/store
  'src/tenant/api-token-store.ts': 'src/store/api-token-store.ts',
  'src/tenant/audit-table.ts': 'src/store/audit-table.ts',
  'src/tenant/binding-row.ts': 'src/store/binding-row.ts',
  'src/tenant/call-flows-store.ts': 'src/store/call-flows-store.ts',
  'src/tenant/call-handling-table.ts': 'src/store/call-handling-table.ts',
  'src/tenant/console-session-table.ts': 'src/store/console-session-table.ts',
  'src/tenant/cdr-row.ts': 'src/store/cdr-row.ts',
  'src/tenant/cdr-table.ts': 'src/store/cdr-table.ts',
  'src/tenant/data-version-watch.ts': 'src/store/data-version-watch.ts',
  'src/tenant/migrations.ts': 'src/store/migrations.ts',
  'src/tenant/queue-destination-migration.test.ts': 'src/store/queue-destination-migration.test.ts',
  'src/tenant/recording-table.ts': 'src/store/recording-table.ts',
  'src/tenant/routing-table.ts': 'src/store/routing-table.ts',
  'src/tenant/sqlite-open.ts': 'src/store/sqlite-open.ts',
  'src/tenant/store-pool.ts': 'src/store/store-pool.ts',
  'src/tenant/store-read-cache.ts': 'src/store/store-read-cache.ts',
  'src/tenant/sync-routing.ts': 'src/store/sync-routing.ts',
  'src/tenant/system-schema.ts': 'src/store/system-schema.ts',
  'src/tenant/system-store.ts': 'src/store/system-store.ts',
  'src/tenant/tenant-file-index.ts': 'src/store/tenant-file-index.ts',
  'src/tenant/tenant-id.ts': 'src/store/tenant-id.ts',
  'src/tenant/tenant-schema.ts': 'src/store/tenant-schema.ts',
  'src/tenant/tenant-store.ts': 'src/store/tenant-store.ts',
  'src/tenant/tenant-store-admin.test.ts': 'src/store/tenant-store-admin.test.ts',
  'src/tenant/tenant-trunk-table.ts': 'src/store/tenant-trunk-table.ts',
  'src/tenant/voicemail-table.ts': 'src/store/voicemail-table.ts',
  'src/tenant/web-login-table.ts': 'src/store/web-login-table.ts',
  // pure rules and types the store shares with tenant, config and the services -> src/model (store may import only model and util)
  'src/tenant/auth-algorithms.ts': 'src/model/auth-algorithms.ts',
  'src/tenant/call-handling.ts': 'src/model/call-handling.ts',
  'src/tenant/destination.ts': 'src/model/destination.ts',
  'src/tenant/ha1.ts': 'src/model/ha1.ts',
  'src/tenant/routing-plan.ts': 'src/model/routing-plan.ts',
  'src/tenant/tenant-errors.ts': 'src/model/tenant-errors.ts',
  'src/tenant/tenant-features.ts': 'src/model/tenant-features.ts',
  // src/app reduced to wiring: operations on data at rest -> src/ops
  'src/app/backup.ts': 'src/ops/backup.ts',
  'src/app/backup-schedule.ts': 'src/ops/backup-schedule.ts',
  'src/app/data-files.ts': 'src/ops/data-files.ts',
  'src/app/tar.ts': 'src/ops/tar.ts',
  'src/app/tenant-install.ts': 'src/ops/tenant-install.ts',
  'src/app/tenant-pack.ts': 'src/ops/tenant-pack.ts',
  'src/app/tenant-pack-format.test.ts': 'src/ops/tenant-pack-format.test.ts',
  'src/app/fixtures/oldpack-hand-tar.pbxtenant.tar.gz': 'src/ops/fixtures/oldpack-hand-tar.pbxtenant.tar.gz',
  'src/app/tenant-system-rows.ts': 'src/ops/tenant-system-rows.ts',
  // ... and helpers to the services that own them
  'src/app/trunk-book.ts': 'src/trunk/trunk-book.ts',
  'src/app/tenant-trunk-index.ts': 'src/trunk/tenant-trunk-index.ts',
  'src/app/binding-sweeper.ts': 'src/registrar/binding-sweeper.ts',
  'src/app/outside-forward-check.ts': 'src/routing/outside-forward-check.ts',
};

/** Re-export shims (old path) of a module that already lives at the new path: removed, their importers pointed at the module. */
const REPLACED = {
  'src/tenant/destination-graph.ts': 'src/model/destination-graph.ts',
  'src/tenant/domain-name.ts': 'src/model/domain-name.ts',
  'src/tenant/tenant-limits.ts': 'src/model/tenant-limits.ts',
};

const SCAN = ['src', 'test', 'bench', 'scripts', 'web'];
/** Where repository paths written as text (a child process's import, a comment) are rewritten too. */
const TEXT_SCAN = [...SCAN, 'docs'];
const CODE = /\.(?:ts|tsx|mts|cts|js|mjs|cjs)$/;
const TEXT = /\.(?:ts|tsx|mts|cts|js|mjs|cjs|md)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'fixtures']);

/** The full map: MOVES plus each moved file's `.test.ts` sibling, and REPLACED. */
function fullMap() {
  const map = new Map();
  for (const [from, to] of Object.entries(MOVES)) {
    map.set(from, to);
    if (!from.endsWith('.test.ts')) {
      const t = from.replace(/\.ts$/, '.test.ts');
      const tt = to.replace(/\.ts$/, '.test.ts');
      if (existsSync(join(ROOT, t)) || existsSync(join(ROOT, tt))) map.set(t, tt);
    }
  }
  for (const [from, to] of Object.entries(REPLACED)) map.set(from, to);
  return map;
}

function git(...args) {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
}

function* codeFiles(dir, pattern = CODE) {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return;
  for (const e of readdirSync(abs, { withFileTypes: true })) {
    if (SKIP_DIRS.has(e.name)) continue;
    const rel = posix.join(dir, e.name);
    if (e.isDirectory()) yield* codeFiles(rel, pattern);
    else if (pattern.test(e.name) && !e.name.endsWith('.d.ts')) yield rel;
  }
}

/** The repository path a relative specifier names from a folder, as a `.ts` source when it is one; plus the suffix style. */
function target(fromDir, spec, map) {
  const joined = posix.normalize(posix.join(fromDir, spec));
  if (map.has(joined)) return { path: joined, suffix: '', keep: true };
  const m = /^(.*?)(\.js|\.ts|\.mjs)?$/.exec(joined);
  const base = m[1];
  const suffix = m[2] ?? '';
  if (suffix === '.mjs') return { path: joined, suffix: '', keep: true };
  return { path: `${base}.ts`, suffix, keep: false };
}

function specifier(fromDir, toPath, suffix, keep) {
  let rel = posix.relative(fromDir, keep ? toPath : toPath.replace(/\.ts$/, ''));
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return keep ? rel : rel + suffix;
}

const IMPORT_RE = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bnew URL\(\s*)(['"])(\.{1,2}\/[^'"\n]+)\2/g;

function main() {
  const map = fullMap();
  if (process.argv.includes('--map')) {
    for (const [from, to] of map) console.log(`${from} -> ${to}${REPLACED[from] ? '   (re-export shim removed)' : ''}`);
    return;
  }
  // 1. Move (or drop shims). `movedNow` remembers the folder each moved file's imports were written from.
  const movedNow = new Map();
  let moves = 0;
  let skipped = 0;
  for (const [from, to] of map) {
    const hasFrom = existsSync(join(ROOT, from));
    const hasTo = existsSync(join(ROOT, to));
    if (REPLACED[from]) {
      if (hasFrom) {
        console.log(`rm ${from} (shim of ${to})`);
        if (!DRY) git('rm', '-q', from);
        moves++;
      } else skipped++;
      continue;
    }
    if (!hasFrom) {
      if (hasTo) skipped++;
      else console.warn(`warning: neither ${from} nor ${to} exists`);
      continue;
    }
    if (hasTo) throw new Error(`both ${from} and ${to} exist: merge them by hand, then run again`);
    console.log(`mv ${from} -> ${to}`);
    if (!DRY) {
      mkdirSync(dirname(join(ROOT, to)), { recursive: true });
      git('mv', from, to);
    }
    movedNow.set(DRY ? from : to, posix.dirname(from));
    moves++;
  }
  // 2. Rewrite relative imports everywhere.
  let files = 0;
  let rewrites = 0;
  for (const top of SCAN) {
    for (const file of codeFiles(top)) {
      const here = posix.dirname(DRY && map.has(file) ? map.get(file) : file);
      const writtenFrom = movedNow.get(file) ?? posix.dirname(file);
      const text = readFileSync(join(ROOT, file), 'utf8');
      let count = 0;
      const out = text.replace(IMPORT_RE, (all, lead, quote, spec) => {
        const t = target(writtenFrom, spec, map);
        const dest = map.get(t.path) ?? t.path;
        if (dest === t.path && writtenFrom === here) return all;
        const next = specifier(here, dest, t.suffix, t.keep);
        if (next === spec) return all;
        count++;
        return `${lead}${quote}${next}${quote}`;
      });
      if (count === 0) continue;
      files++;
      rewrites += count;
      if (DRY) console.log(`rewrite ${file}: ${count} import(s)`);
      else writeFileSync(join(ROOT, file), out);
    }
  }
  // 3. Repository paths written as text: `src/tenant/tenant-store.ts` (e.g. a child process's
  //    import built with join(REPO, ...)) and, in comments, the short `tenant/tenant-store.ts`.
  const escape = (x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pairs = [...map];
  let texts = 0;
  for (const top of TEXT_SCAN) {
    for (const file of codeFiles(top, TEXT)) {
      if (file === 'scripts/restructure.mjs') continue;
      const abs = join(ROOT, file);
      if (!existsSync(abs)) continue;
      const text = readFileSync(abs, 'utf8');
      let out = text;
      for (const [from, to] of pairs) {
        out = out.replace(new RegExp(`(?<![\\w./-])${escape(from)}(?![\\w-])`, 'g'), to);
        const shortFrom = from.replace(/^src\//, '');
        const shortTo = to.replace(/^src\//, '');
        out = out.replace(new RegExp(`(?<![\\w./-])${escape(shortFrom)}(?![\\w-])`, 'g'), shortTo);
      }
      if (out === text) continue;
      texts++;
      if (DRY) console.log(`paths in text: ${file}`);
      else writeFileSync(abs, out);
    }
  }
  console.log(`${texts} file(s) with repository paths in text rewritten${DRY ? ' (dry run)' : ''}`);
  console.log(`${moves} moved or removed, ${skipped} already done; ${rewrites} import(s) rewritten in ${files} file(s)${DRY ? ' (dry run)' : ''}`);
}

main();
