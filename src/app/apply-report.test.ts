// The report of `pbx tenant apply [--dry-run]`, from real applies to a scratch data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTenantConfig } from '../config/tenant-config.js';
import { applyTenant } from '../tenant/apply-tenant.js';
import { SystemStore } from '../store/system-store.js';
import { formatApplyResult } from './apply-report.js';

let dir = '';
let system: SystemStore;
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-apply-report-'));
  system = SystemStore.open(dir);
});
test.after.each(() => {
  system.close();
  rmSync(dir, { recursive: true, force: true });
});

const file = '/etc/pbx/tenants/acme.yaml';
const plain = 'id: acme\ndomains: [ acme.example ]\nlimits: {}\nextensions:\n  - { ext: "1001", password: "alice-secret" }\n';

test('a dry run of a new tenant whose file has no numbering does not report a numbering change', () => {
  const r = applyTenant({ system, dataDir: dir }, parseTenantConfig(plain, file, {}), { dryRun: true });
  const lines = formatApplyResult(r, { dryRun: true });
  assert.is(lines[0], 'tenant acme: would be created (dry run: nothing written)');
  assert.ok(lines.includes('  extensions: added 1001'), lines.join('\n'));
  assert.not.ok(lines.some((l) => l.includes('numbering')), lines.join('\n'));
});

test('a new tenant with numbering, and a later change of it, do report it', () => {
  const numbered = plain + 'countryCode: "1"\nnationalPrefix: "1"\n';
  const created = applyTenant({ system, dataDir: dir }, parseTenantConfig(numbered, file, {}));
  assert.ok(formatApplyResult(created, { dryRun: false }).includes('  numbering: country code, national prefix or caller ID changed'));
  const same = applyTenant({ system, dataDir: dir }, parseTenantConfig(numbered, file, {}), { dryRun: true });
  assert.equal(formatApplyResult(same, { dryRun: true }), ['tenant acme: unchanged (dry run: nothing written)']);
  const back = applyTenant({ system, dataDir: dir }, parseTenantConfig(plain, file, {}), { dryRun: true });
  assert.ok(formatApplyResult(back, { dryRun: true }).includes('  numbering: country code, national prefix or caller ID changed'));
});

test.run();
