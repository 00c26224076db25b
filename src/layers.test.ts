import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

/**
 * The import boundaries of docs/ARCHITECTURE.md ("Layers and what may import what"), checked
 * on every non-test source file of src/: a folder may import itself and the folders listed.
 * Tests (*.test.ts) are cross-layer by nature and are not checked.
 */
export const LAYERS: Readonly<Record<string, readonly string[] | '*'>> = {
  util: [],
  model: ['util'],
  sip: ['util'],
  sdp: ['util'],
  media: ['util', 'sdp'],
  config: ['util', 'model'],
  store: ['util', 'model'],
  tenant: ['util', 'model', 'store'],
  edge: ['sip', 'tenant', 'store', 'model', 'util', 'registrar', 'b2bua', 'trunk', 'routing', 'events'],
  registrar: ['sip', 'tenant', 'store', 'model', 'util'],
  b2bua: ['sip', 'sdp', 'media', 'tenant', 'store', 'model', 'util', 'apps', 'routing', 'trunk'],
  apps: ['tenant', 'store', 'model', 'media', 'util'],
  events: ['sip', 'tenant', 'store', 'model', 'util'],
  notify: ['tenant', 'store', 'util'],
  routing: ['sip', 'tenant', 'store', 'model', 'util'],
  trunk: ['sip', 'tenant', 'store', 'model', 'util'],
  admin: ['tenant', 'store', 'model', 'config', 'util'],
  ops: ['store', 'tenant', 'model', 'util'],
  cluster: ['config', 'util'],
  app: '*',
  cli: '*',
};

/**
 * Imports that cross the table today, file -> folder: each one is a debt to pay, not a
 * rule. The check fails on any new one, and on an entry here that is gone (delete it).
 */
const KNOWN: readonly string[] = [
  // the admin API reaches services' types directly (ARCHITECTURE: through ports wired in src/app)
  'admin/live-events.ts -> events',
  'admin/queue-gauges.ts -> apps',
  'admin/routes/routing-write.ts -> apps',
  'admin/routes/tenant-call-flows.ts -> apps',
  'admin/routes/tenant-call-handling.ts -> apps',
  'admin/routes/tenant-calls.ts -> b2bua',
  'admin/routes/tenant-conferences.ts -> b2bua',
  'admin/routes/tenant-pickup-park.ts -> b2bua',
  'admin/routes/tenant-queues.ts -> apps',
  'admin/routes/tenant-resource-kit.ts -> apps',
  'admin/routes/tenant-resource-kit.ts -> b2bua',
  'admin/routes/tenant-voicemail-box.ts -> apps',
  'admin/routes/tenant-voicemail.ts -> apps',
  'admin/routes/voicemail-access.ts -> apps',
  // a test fixture of voicemail measuring folder sizes with the admin's helper
  'apps/voicemail/voicemail-fixture.case.ts -> admin',
  // unsolicited MWI asks the b2bua's types
  'events/unsolicited-mwi.ts -> b2bua',
];

const SRC = fileURLToPath(new URL('./', import.meta.url));

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) yield p;
  }
}

/** The imports of one source file (path relative to src/) that cross the table. */
function crossingsOf(rel: string, text: string): string[] {
  const layer = rel.split('/')[0]!;
  const allowed = LAYERS[layer];
  const out: string[] = [];
  if (!rel.includes('/')) return out;
  for (const m of text.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'|\bimport\(\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = posix.normalize(posix.join(posix.dirname(rel), (m[1] ?? m[2])!));
    const to = target.split('/')[0]!;
    if (to === layer || to === '..' || !target.includes('/')) continue;
    if (allowed === '*' || allowed?.includes(to)) continue;
    out.push(`${rel} -> ${to}`);
  }
  return out;
}

function crossings(): string[] {
  const out = new Set<string>();
  for (const file of sources(SRC)) {
    const rel = relative(SRC, file).replaceAll('\\', '/');
    for (const c of crossingsOf(rel, readFileSync(file, 'utf8'))) out.add(c);
  }
  return [...out].sort();
}

test('every folder of src/ is in the layer table', () => {
  const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  assert.equal(folders.filter((f) => !(f in LAYERS)), []);
});

test('imports stay inside the layer table (docs/ARCHITECTURE.md)', () => {
  const found = crossings();
  assert.ok(found.length < 200, 'the scan reads the imports');
  assert.equal(found.filter((c) => !KNOWN.includes(c)), [], 'new imports across the layer table');
  assert.equal(KNOWN.filter((c) => !found.includes(c)), [], 'debts paid: remove them from KNOWN');
});

test('the scan sees a crossing when there is one', () => {
  assert.equal(crossingsOf('store/x.ts', "import { a } from '../tenant/tenant-context.js';"), ['store/x.ts -> tenant']);
  assert.equal(crossingsOf('sip/message/x.ts', "import type { T } from '../../model/e164.js';\nconst m = await import('../../app/y.js');"), ['sip/message/x.ts -> model', 'sip/message/x.ts -> app']);
  assert.equal(crossingsOf('store/x.ts', "import { b } from '../model/e164.js';\nimport { c } from './y.js';\nimport Database from 'better-sqlite3';"), []);
  assert.equal(crossingsOf('app/x.ts', "import { d } from '../tenant/y.js';"), [], 'the composition root imports everything');
});

test.run();
