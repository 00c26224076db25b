import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCallFlows } from '../store/call-flows-store.js';
import { TenantStorePool } from '../store/store-pool.js';
import { SystemStore } from '../store/system-store.js';
import { SqliteTenantStore } from '../store/tenant-store.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import { TenantSync } from './tenant-sync.js';

let dir = '';
let tenantsDir = '';
let sys: SystemStore;
let pool: TenantStorePool;
let sync: TenantSync;

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-sync-flows-'));
  tenantsDir = join(dir, 'tenants-yaml');
  mkdirSync(tenantsDir);
  const clock = new FakeClock();
  sys = SystemStore.open(dir, { clock });
  pool = new TenantStorePool({ dataDir: dir, clock });
  sync = new TenantSync({ system: sys, pool, dataDir: dir, tenantsDir, clock, logger: silentLogger, env: {} });
});
test.after.each(() => {
  pool.closeAll();
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

const file = (greeting: string, extra = '') => `id: acme
domains: [ acme.example ]
limits: {}
extensions:
  - { ext: "1001", password: "alice-1001-secret" }
ivrs:
  - name: main
    greeting: ${greeting}
    options: { "1": { extension: "1001" } }
${extra}`;

function stored(): string[] {
  const s = SqliteTenantStore.open(dir, 'acme');
  try {
    return readCallFlows(s).ivrs.map((m) => m.greeting);
  } finally {
    s.close();
  }
}

test('a greeting of the built-in set applies; an unknown one is refused at file:line:col and the last good menu stays', () => {
  writeFileSync(join(tenantsDir, 'acme.yaml'), file('welcome'));
  let r = sync.sync();
  assert.equal(r.failed, []);
  assert.equal(stored(), ['welcome']);

  writeFileSync(join(tenantsDir, 'acme.yaml'), file('acme-welcome'));
  r = sync.sync();
  assert.is(r.failed.length, 1);
  assert.match(r.failed[0]!.errors[0]!, /acme\.yaml:8:15: ivrs\[0\]\.greeting: no prompt 'acme-welcome'/);
  assert.equal(stored(), ['welcome'], 'nothing changed');
});

test("a prompt uploaded by the tenant counts; another tenant's upload of that name does not", () => {
  mkdirSync(join(dir, 'tenants', 'globex', 'prompts'), { recursive: true });
  writeFileSync(join(dir, 'tenants', 'globex', 'prompts', 'acme-welcome.wav'), 'RIFF');
  writeFileSync(join(tenantsDir, 'acme.yaml'), file('acme-welcome'));
  assert.is(sync.sync().failed.length, 1, "globex's prompt is not acme's");
  mkdirSync(join(dir, 'tenants', 'acme', 'prompts'), { recursive: true });
  writeFileSync(join(dir, 'tenants', 'acme', 'prompts', 'acme-welcome.wav'), 'RIFF');
  assert.equal(sync.sync().failed, []);
  assert.equal(stored(), ['acme-welcome']);
});

test('a menu that points to itself in the file: refused with its line, nothing applied', () => {
  writeFileSync(join(tenantsDir, 'acme.yaml'), file('welcome', '  - { name: loop, greeting: welcome, options: { "9": { ivr: loop } } }\n'));
  const r = sync.sync();
  assert.is(r.failed.length, 1);
  assert.match(r.failed[0]!.errors.join('\n'), /acme\.yaml:10:\d+: ivrs\[1\]\.options\.9: leads back in a circle: ivr loop -> ivr loop/);
});

test.run();
