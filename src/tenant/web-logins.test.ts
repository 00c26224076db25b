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
import { hashWebPassword, isWebPasswordHash, verifyWebPassword, verifyWebPasswordSync, webPasswordProblem } from './web-password.js';

// Issue 14: console (web) passwords: scrypt hashes with their parameters, the tenant YAML's
// webPassword/webAdmin applied into web_logins, a password set through the API surviving
// re-applies of an unchanged file, and export writing hashes only.

const FILE = '/etc/pbx/tenants/acme.yaml';
const yaml = (alice: string, extra = '') =>
  [
    'id: acme',
    'domains: [acme.example]',
    'extensions:',
    `  - { ext: "1001", password: "alice-sip-secret", webPassword: "${alice}" }`,
    `  - { ext: "1002", password: "bob-sip-secret", webPassword: "bob-web-pass", webAdmin: true${extra} }`,
    '  - { ext: "1003", password: "carol-sip-secret" }',
  ].join('\n');
const spec = (text: string) => parseTenantConfig(text, FILE, {}) as unknown as TenantSpec;

test('hashes carry their parameters and salt; verify is constant-time and false for anything malformed', async () => {
  const h = hashWebPassword('correct horse');
  assert.match(h, /^\$scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]{43}=$/);
  assert.ok(isWebPasswordHash(h));
  assert.is.not(hashWebPassword('correct horse'), h, 'a new salt each time');
  assert.ok(verifyWebPasswordSync('correct horse', h));
  assert.not.ok(verifyWebPasswordSync('correct horsE', h));
  assert.ok(await verifyWebPassword('correct horse', h));
  assert.not.ok(await verifyWebPassword('wrong horse!', h));
  assert.not.ok(await verifyWebPassword('correct horse', undefined), 'no account: false (after the same work)');
  for (const bad of ['', 'scrypt$1$2', h.replace('N=16384', 'N=3'), h.replace('N=16384', 'N=1073741824'), h.slice(0, -3)]) {
    assert.not.ok(isWebPasswordHash(bad), bad);
    assert.not.ok(verifyWebPasswordSync('correct horse', bad), bad);
  }
  assert.is(webPasswordProblem('short'), 'must be 8 to 128 characters');
  assert.is(webPasswordProblem('x'.repeat(129)), 'must be 8 to 128 characters');
  assert.is(webPasswordProblem('tab\there!'), 'must not contain control characters');
  assert.is(webPasswordProblem(12345678), 'must be a string');
  assert.is(webPasswordProblem('eight ch'), undefined);
  assert.throws(() => hashWebPassword('short'));
});

test('the tenant file: a short webPassword is refused at file:line:col; webAdmin must be a boolean', () => {
  try {
    parseTenantConfig(yaml('short'), FILE, {});
    assert.unreachable('parsed');
  } catch (e) {
    assert.instance(e, ConfigErrors);
    assert.match(String((e as Error).message), /acme\.yaml:4:\d+.*8 to 128/);
  }
  try {
    parseTenantConfig(yaml('alice-web-pass', ', webAdmin: "yes"'), FILE, {});
    assert.unreachable('parsed');
  } catch (e) {
    assert.instance(e, ConfigErrors);
  }
});

test('apply stores hashes and the admin flag; an unchanged file keeps an API-set password; a changed one wins; export round-trips', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-weblogin-'));
  const sys = SystemStore.open(dir);
  try {
    applyTenant({ system: sys, dataDir: dir }, spec(yaml('alice-web-pass')));
    const store = SqliteTenantStore.open(dir, 'acme');
    const a = store.webLogins.get('1001')!;
    assert.ok(verifyWebPasswordSync('alice-web-pass', a.passwordHash));
    assert.not.ok(JSON.stringify(a).includes('alice-web-pass'));
    assert.is(a.webAdmin, false);
    assert.is(store.webLogins.get('1002')!.webAdmin, true);
    assert.is(store.webLogins.get('1003'), undefined, 'no web password, no row');

    // The same file again: the stored hash stays (no new salt).
    applyTenant({ system: sys, dataDir: dir }, spec(yaml('alice-web-pass')));
    assert.is(store.webLogins.get('1001')!.passwordHash, a.passwordHash);

    // The user changes it (the API), the unchanged file is applied again (a restart): the user's stays.
    const mine = hashWebPassword('alice-own-choice');
    store.webLogins.setPasswordHash('1001', mine, 1);
    applyTenant({ system: sys, dataDir: dir }, spec(yaml('alice-web-pass')));
    assert.is(store.webLogins.get('1001')!.passwordHash, mine);
    // The file says something new: that wins.
    applyTenant({ system: sys, dataDir: dir }, spec(yaml('alice-new-from-file')));
    assert.ok(verifyWebPasswordSync('alice-new-from-file', store.webLogins.get('1001')!.passwordHash));

    // Export: hashes only, and the admin flag; applying the export back changes no login.
    const before = ['1001', '1002'].map((x) => store.webLogins.get(x));
    const text = tenantYamlText(exportTenantSpec(sys, store, 'acme') as never);
    assert.not.ok(text.includes('alice-new-from-file'));
    assert.not.ok(text.includes('bob-web-pass'));
    assert.match(text, /webPassword: \$scrypt\$N=16384/);
    assert.match(text, /webAdmin: true/);
    applyTenant({ system: sys, dataDir: dir }, spec(text));
    assert.equal(['1001', '1002'].map((x) => store.webLogins.get(x)), before);

    // webAdmin dropped from the file: gone; the extension removed: its login with it.
    applyTenant({ system: sys, dataDir: dir }, spec(yaml('alice-new-from-file').replace(', webAdmin: true', '').replace(/\n.*"1003".*$/, '')));
    assert.is(store.webLogins.get('1002')!.webAdmin, false);
    applyTenant({ system: sys, dataDir: dir }, spec(yaml('alice-new-from-file').split('\n').filter((l) => !l.includes('"1002"')).join('\n')));
    assert.is(store.webLogins.get('1002'), undefined);
    store.close();
  } finally {
    sys.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a spec from the API or a pack: webPassword checked like the YAML', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-weblogin-'));
  const sys = SystemStore.open(dir);
  try {
    const s = spec(yaml('alice-web-pass'));
    (s.extensions[0] as { webPassword?: string }).webPassword = 'short';
    try {
      applyTenant({ system: sys, dataDir: dir }, s);
      assert.unreachable('applied');
    } catch (e) {
      assert.instance(e, TenantSpecError);
      assert.ok((e as TenantSpecError).problems.some((p) => p.path === 'extensions[0].webPassword'));
    }
  } finally {
    sys.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
