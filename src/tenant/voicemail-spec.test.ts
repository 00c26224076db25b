import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTenantConfig } from '../config/tenant-config.js';
import { tenantYamlText } from '../config/tenant-yaml.js';
import { ConfigErrors } from '../util/errors.js';
import { applyTenant } from './apply-tenant.js';
import { exportTenantSpec } from './export-tenant.js';
import { SystemStore } from '../store/system-store.js';
import { TenantSpecError } from '../model/tenant-errors.js';
import { SqliteTenantStore } from '../store/tenant-store.js';
import type { TenantSpec } from './tenant-spec.js';
import { hashPin, verifyPin } from './voicemail-pin.js';

const FILE = '/etc/pbx/tenants/acme.yaml';
const YAML = [
  'id: acme',
  'domains: [acme.example]',
  'limits: {}',
  'extensions:',
  '  - { ext: "1001", password: alice-1001-secret, voicemail: { pin: "0123", email: a@acme.example, maxMessages: 20, mwi: both } }',
  '  - { ext: "1002", password: bob-1002-secret, voicemail: { enabled: false } }',
  '  - { ext: "1003", password: carol-1003-secret }',
  'voicemailBoxes:',
  '  - { box: "800", name: Sales, pin: "8080", members: ["1001"], operator: { extension: "1003" } }',
  '',
].join('\n');

function problems(text: string): string[] {
  try {
    parseTenantConfig(text, FILE, {});
  } catch (e) {
    if (e instanceof ConfigErrors) return e.errors.map((x) => x.message ?? String(x));
    throw e;
  }
  return [];
}

test('a PIN of letters, a short PIN, a shared box on an extension number or with a stranger as member: file:line:col', () => {
  const message = (t: string) => String((() => { try { parseTenantConfig(t, FILE, {}); } catch (e) { return (e as Error).message; } return ''; })());
  assert.match(message(YAML.replace('pin: "0123"', 'pin: "12ab"')), /acme\.yaml:5:\d+.*4 to 16 digits/);
  // Cross checks run once every value decodes.
  const cross = message(YAML.replace('members: ["1001"]', 'members: ["1009"]').replace('box: "800"', 'box: "1003"'));
  assert.match(cross, /acme\.yaml:9:\d+.*1003 is an extension of this tenant/);
  assert.match(cross, /acme\.yaml:9:\d+.*1009 is not an extension/);
  assert.match(String((() => { try { parseTenantConfig(YAML.replace('pin: "0123"', 'pin: "123"'), FILE, {}); } catch (e) { return (e as Error).message; } return ''; })()), /4 to 16 digits/);
  assert.equal(problems(YAML), []);
});

test('the spec check (API path) refuses letters at the JSON path too', () => {
  const spec = parseTenantConfig(YAML, FILE, {}) as unknown as TenantSpec;
  const dir = mkdtempSync(join(tmpdir(), 'pbx-vmspec-'));
  const sys = SystemStore.open(dir);
  try {
    const broken = { ...spec, extensions: spec.extensions.map((e, i) => (i === 0 ? { ...e, voicemail: { pin: 'abcd' } } : e)) };
    try {
      applyTenant({ system: sys, dataDir: dir }, broken);
      assert.unreachable('applied');
    } catch (e) {
      assert.instance(e, TenantSpecError);
      assert.ok((e as TenantSpecError).problems.some((p) => p.path === 'extensions[0].voicemail.pin'));
    }
  } finally {
    sys.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('apply stores hashed PINs (never the PIN); export writes pinHash; the export applies back as no change', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-vmspec-'));
  const sys = SystemStore.open(dir);
  try {
    const spec = parseTenantConfig(YAML, FILE, {}) as unknown as TenantSpec;
    applyTenant({ system: sys, dataDir: dir }, spec);
    const store = SqliteTenantStore.open(dir, 'acme');
    const boxes = store.voicemail.boxes();
    assert.equal(boxes.map((b) => b.box), ['1001', '1003', '800']);
    const b1001 = boxes[0]!;
    assert.ok(verifyPin('0123', b1001.pinHash));
    assert.not.ok(JSON.stringify(boxes).includes('0123'));
    assert.equal([b1001.email, b1001.maxMessages, b1001.mwi, b1001.allowNoPinFromOwnPhone], ['a@acme.example', 20, 'both', true]);
    assert.equal(boxes[2]!.members, ['1001']);
    assert.equal(boxes[2]!.operator, { type: 'extension', ext: '1003' });
    // Same file again: same hashes, nothing changed.
    const again = applyTenant({ system: sys, dataDir: dir }, parseTenantConfig(YAML, FILE, {}) as unknown as TenantSpec);
    assert.is(again.changed, false);
    assert.equal(store.voicemail.box('1001')!.pinHash, b1001.pinHash);

    const text = tenantYamlText(exportTenantSpec(sys, store, 'acme') as never);
    assert.not.ok(text.includes('0123'));
    assert.match(text, /pinHash: scrypt\$/);
    const back = applyTenant({ system: sys, dataDir: dir }, parseTenantConfig(text, FILE, {}) as unknown as TenantSpec);
    assert.is(back.changed, false, text);
    assert.is(store.voicemail.box('1002'), undefined, 'enabled: false exports as such and stays boxless');
    store.close();
  } finally {
    sys.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a PIN set since (phone or API) survives a re-apply of a file that declares none; a PIN in the file wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-vmspec-'));
  const sys = SystemStore.open(dir);
  try {
    applyTenant({ system: sys, dataDir: dir }, parseTenantConfig(YAML, FILE, {}) as unknown as TenantSpec);
    const store = SqliteTenantStore.open(dir, 'acme');
    assert.is(store.voicemail.box('1003')!.pinHash, undefined);
    store.voicemail.setPinHash('1003', hashPin('2468'));
    store.voicemail.setPinHash('1001', hashPin('1357'));
    applyTenant({ system: sys, dataDir: dir }, parseTenantConfig(YAML, FILE, {}) as unknown as TenantSpec);
    assert.ok(verifyPin('2468', store.voicemail.box('1003')!.pinHash), "the owner's PIN is kept");
    assert.ok(verifyPin('0123', store.voicemail.box('1001')!.pinHash), "the file's PIN wins");
    store.close();
  } finally {
    sys.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
