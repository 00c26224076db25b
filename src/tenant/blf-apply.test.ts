// The tenant file's `blf:` through validate → apply (the settings row) → read → export, on real
// SQLite files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant } from './apply-tenant.js';
import { readBlfSettings } from './blf-setting.js';
import { exportTenantSpec } from './export-tenant.js';
import { SystemStore } from '../store/system-store.js';
import { TenantSpecError } from '../model/tenant-errors.js';
import { validateTenantSpec, type TenantSpec } from './tenant-spec.js';
import { SqliteTenantStore } from '../store/tenant-store.js';

const spec = (over: Partial<TenantSpec> = {}): TenantSpec => ({
  id: 'acme',
  name: 'Acme',
  domains: ['acme.example'],
  limits: { extensions: 10 },
  extensions: [{ ext: '1001', name: 'Alice', password: 'alice-1001-secret', enabled: true }],
  ...over,
});

test('showPeers true is stored, read back and exported; removing it from the file restores the private default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-blf-'));
  const clock = new FakeClock();
  const system = SystemStore.open(dir, { clock });
  try {
    applyTenant({ system, dataDir: dir, clock }, spec({ blf: { showPeers: true } }));
    let store = SqliteTenantStore.open(dir, 'acme');
    assert.equal(readBlfSettings(store), { showPeers: true });
    assert.equal(exportTenantSpec(system, store, 'acme').blf, { showPeers: true });
    store.close();
    applyTenant({ system, dataDir: dir, clock }, spec());
    store = SqliteTenantStore.open(dir, 'acme');
    assert.equal(readBlfSettings(store), { showPeers: false });
    assert.is(exportTenantSpec(system, store, 'acme').blf, undefined);
    store.close();
  } finally {
    system.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad blf value is refused by path', () => {
  try {
    validateTenantSpec(spec({ blf: { showPeers: 'yes' as unknown as boolean } }));
    assert.unreachable('refused');
  } catch (e) {
    assert.instance(e, TenantSpecError);
    assert.match(String((e as Error).message), 'blf.showPeers');
  }
});

test.run();
