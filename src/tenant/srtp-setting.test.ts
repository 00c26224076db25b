import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { callSrtpPolicies } from '../b2bua/srtp-call-policy.js';
import { parseTenantConfig } from '../config/tenant-config.js';
import { ConfigErrors } from '../util/errors.js';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant } from './apply-tenant.js';
import { exportTenantSpec } from './export-tenant.js';
import { readSrtpSetting, SRTP_SETTING, srtpSettingJson } from './srtp-setting.js';
import { SystemStore } from '../store/system-store.js';
import { TenantSpecError } from '../model/tenant-errors.js';
import type { TenantSpec } from './tenant-spec.js';
import { SqliteTenantStore } from '../store/tenant-store.js';

const FILE = '/etc/pbx/tenants/acme.yaml';

function problems(text: string): string[] {
  try {
    parseTenantConfig(text, FILE, {});
  } catch (err) {
    assert.instance(err, ConfigErrors);
    return (err as ConfigErrors).errors.map((e) => e.message);
  }
  assert.unreachable('no ConfigErrors thrown');
  return [];
}

test('tenant YAML: srtp per tenant and per extension, a bad value at file:line:col', () => {
  const ok = parseTenantConfig(['id: acme', 'domains: [ a.example ]', 'srtp: required', 'extensions:', '  - { ext: "1001", password: "long-enough", srtp: none }', '  - { ext: "1002", password: "long-enough" }'].join('\n'), FILE, {});
  assert.is(ok.srtp, 'required');
  assert.equal(ok.extensions.map((e) => e.srtp), ['none', undefined]);
  assert.is(parseTenantConfig('id: acme\ndomains: [ a.example ]\n', FILE, {}).srtp, undefined, 'absent: optional (on TLS)');
  const got = problems(['id: acme', 'domains: [ a.example ]', 'srtp: always', 'extensions:', '  - { ext: "1001", password: "long-enough", srtp: yes }'].join('\n'));
  assert.is(got.length, 2, got.join('\n'));
  assert.match(got[0]!, /^\/etc\/pbx\/tenants\/acme\.yaml:3:7: srtp: expected one of none, optional, required, got 'always'$/);
  assert.match(got[1]!, /^\/etc\/pbx\/tenants\/acme\.yaml:5:\d+: extensions\[0\]\.srtp: expected one of none, optional, required/);
});

test('the setting: written only when a policy is set, read back; a damaged value reads as none set', () => {
  assert.is(srtpSettingJson(undefined, [{ ext: '1001' }]), undefined);
  const text = srtpSettingJson('optional', [{ ext: '1001', srtp: 'required' }, { ext: '1002' }])!;
  assert.equal(readSrtpSetting(text), { tenant: 'optional', extensions: { '1001': 'required' } });
  assert.equal(readSrtpSetting('{not json'), { extensions: {} });
  assert.equal(readSrtpSetting('{"tenant":"sometimes","extensions":{"1001":"x","1002":"none"}}'), { extensions: { '1002': 'none' } });
});

test("a call's legs: the extension's own policy, else the tenant's, else optional", () => {
  const store = (v: string | undefined) => ({ getSetting: (k: string) => (k === SRTP_SETTING ? v : undefined) });
  assert.equal(callSrtpPolicies(store(undefined), '1001', '1002'), { caller: 'optional', callee: 'optional' });
  const s = store(srtpSettingJson('none', [{ ext: '1001', srtp: 'required' }]));
  assert.equal(callSrtpPolicies(s, '1001', '1002'), { caller: 'required', callee: 'none' });
  assert.equal(callSrtpPolicies(s, undefined, '1001'), { caller: 'none', callee: 'required' }, 'a trunk caller has the tenant policy');
  assert.equal(callSrtpPolicies(s, '__proto__', 'constructor'), { caller: 'none', callee: 'none' }, 'names of Object members are no extension');
});

test('apply → store → export keeps the policies; a bad one in a spec is refused by path, nothing applied', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-srtp-'));
  const clock = new FakeClock();
  const sys = SystemStore.open(dir, { clock });
  const spec = (over: Partial<TenantSpec> = {}): TenantSpec => ({
    id: 'acme',
    name: 'Acme',
    domains: ['acme.example'],
    limits: { calls: 10, extensions: 100, storageMB: 500 },
    extensions: [
      { ext: '1001', name: 'Alice', password: 'secret-pass-word', srtp: 'required' },
      { ext: '1002', name: 'Bob', password: 'bob-1002-secret' },
    ],
    srtp: 'none',
    ...over,
  });
  try {
    applyTenant({ system: sys, dataDir: dir, clock }, spec());
    const st = SqliteTenantStore.open(dir, 'acme');
    try {
      assert.equal(readSrtpSetting(st.getSetting(SRTP_SETTING)), { tenant: 'none', extensions: { '1001': 'required' } });
      const out = exportTenantSpec(sys, st, 'acme');
      assert.is(out.srtp, 'none');
      assert.equal(out.extensions.map((e) => e.srtp), ['required', undefined]);
    } finally {
      st.close();
    }
    assert.throws(
      () => applyTenant({ system: sys, dataDir: dir, clock }, spec({ srtp: 'maybe', extensions: [{ ext: '1001', name: 'A', password: 'secret-pass-word', srtp: 'on' }] })),
      (e: unknown) => e instanceof TenantSpecError && /srtp/.test(e.message) && /extensions\[0\]\.srtp/.test(e.message),
    );
    // Removing the keys removes the setting (the defaults again).
    applyTenant({ system: sys, dataDir: dir, clock }, spec({ srtp: undefined, extensions: [{ ext: '1001', name: 'Alice', password: 'secret-pass-word' }] }));
    const st2 = SqliteTenantStore.open(dir, 'acme');
    try {
      assert.is(st2.getSetting(SRTP_SETTING), undefined);
    } finally {
      st2.close();
    }
  } finally {
    sys.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
