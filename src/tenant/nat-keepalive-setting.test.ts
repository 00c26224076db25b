import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTenantConfig } from '../config/tenant-config.js';
import { tenantYamlText } from '../config/tenant-yaml.js';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant } from './apply-tenant.js';
import { exportTenantSpec } from './export-tenant.js';
import { NAT_KEEPALIVE_SETTING, natKeepaliveProblems, readNatKeepalive } from './nat-keepalive-setting.js';
import { SystemStore } from '../store/system-store.js';
import { TenantSpecError } from '../model/tenant-errors.js';
import type { TenantSpec } from './tenant-spec.js';
import { SqliteTenantStore } from '../store/tenant-store.js';

const spec = (over: Partial<TenantSpec> = {}): TenantSpec => ({
  id: 'acme',
  name: 'Acme',
  domains: ['acme.example'],
  limits: { calls: 10, extensions: 10, storageMB: 100 },
  extensions: [{ ext: '1001', name: 'A', password: 'secret-pass-word', enabled: true }],
  ...over,
});

test('natKeepalive: applied into the settings, read back, exported, written as YAML and parsed again; removing it turns it off', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-keepalive-'));
  const clock = new FakeClock();
  const sys = SystemStore.open(dir, { clock });
  try {
    applyTenant({ system: sys, dataDir: dir, clock }, spec({ natKeepalive: { optionsSeconds: 30, dropAfterMisses: 3 } }));
    let store = SqliteTenantStore.open(dir, 'acme');
    assert.equal(readNatKeepalive(store.getSetting(NAT_KEEPALIVE_SETTING)), { optionsSeconds: 30, dropAfterMisses: 3 });
    const exported = exportTenantSpec(sys, store, 'acme');
    assert.equal(exported.natKeepalive, { optionsSeconds: 30, dropAfterMisses: 3 });
    store.close();
    const again = parseTenantConfig(tenantYamlText(exported as Parameters<typeof tenantYamlText>[0]), '/t/acme.yaml', {});
    assert.equal(again.natKeepalive, { optionsSeconds: 30, dropAfterMisses: 3 });
    applyTenant({ system: sys, dataDir: dir, clock }, spec());
    store = SqliteTenantStore.open(dir, 'acme');
    assert.is(store.getSetting(NAT_KEEPALIVE_SETTING), undefined, 'absent from the spec: off');
    assert.is(exportTenantSpec(sys, store, 'acme').natKeepalive, undefined);
    store.close();
  } finally {
    sys.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('natKeepalive: bad values are refused by the spec check (the API path) and by the YAML loader at file:line:col', () => {
  assert.equal(natKeepaliveProblems({ optionsSeconds: 30 }), []);
  assert.equal(natKeepaliveProblems({ optionsSeconds: 0 }), []);
  assert.equal(natKeepaliveProblems({ optionsSeconds: 5 }).map((p) => p[0]), ['natKeepalive.optionsSeconds']);
  assert.equal(natKeepaliveProblems({ optionsSeconds: 30.5, dropAfterMisses: -1, every: 1 }).map((p) => p[0]), ['natKeepalive.every', 'natKeepalive.optionsSeconds', 'natKeepalive.dropAfterMisses']);
  assert.equal(natKeepaliveProblems('30').map((p) => p[0]), ['natKeepalive']);
  const dir = mkdtempSync(join(tmpdir(), 'pbx-keepalive-'));
  const clock = new FakeClock();
  const sys = SystemStore.open(dir, { clock });
  try {
    assert.throws(() => applyTenant({ system: sys, dataDir: dir, clock }, spec({ natKeepalive: { optionsSeconds: 4 } })), (e: unknown) => e instanceof TenantSpecError && /natKeepalive\.optionsSeconds/.test(e.message));
  } finally {
    sys.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const yaml = (v: string) => `id: acme\ndomains: [ a.example ]\nnatKeepalive: ${v}\n`;
  assert.equal(parseTenantConfig(yaml('{ optionsSeconds: 15 }'), '/t/acme.yaml', {}).natKeepalive, { optionsSeconds: 15, dropAfterMisses: 0 });
  assert.throws(() => parseTenantConfig(yaml('{ optionsSeconds: 5 }'), '/t/acme.yaml', {}), /acme\.yaml:3:\d+: natKeepalive\.optionsSeconds: must be 0 \(off\) or at least 10/);
  assert.throws(() => parseTenantConfig(yaml('{ optionsSeconds: 7200 }'), '/t/acme.yaml', {}), /acme\.yaml:3:\d+: natKeepalive\.optionsSeconds/);
  assert.throws(() => parseTenantConfig(yaml('{ dropAfterMisses: x }'), '/t/acme.yaml', {}), /acme\.yaml:3:\d+: natKeepalive\.dropAfterMisses/);
  assert.throws(() => parseTenantConfig(yaml('{ seconds: 30 }'), '/t/acme.yaml', {}), /acme\.yaml:3:\d+: natKeepalive\.seconds: unknown key/);
});

test('an unreadable setting is off, never a crash', () => {
  assert.equal(readNatKeepalive('{'), { optionsSeconds: 0, dropAfterMisses: 0 });
  assert.equal(readNatKeepalive('{"optionsSeconds":2}'), { optionsSeconds: 0, dropAfterMisses: 0 });
  assert.equal(readNatKeepalive(undefined), { optionsSeconds: 0, dropAfterMisses: 0 });
});

test.run();
