import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTenantConfig } from '../../src/config/index.js';
import { tenantYamlText } from '../../src/config/tenant-yaml.js';
import { applyTenant } from '../../src/tenant/apply-tenant.js';
import { exportTenantSpec } from '../../src/tenant/export-tenant.js';
import { computeHa1Set } from '../../src/model/ha1.js';
import { SystemStore } from '../../src/store/system-store.js';
import { TenantSpecError } from '../../src/model/tenant-errors.js';
import type { TenantSpec } from '../../src/tenant/tenant-spec.js';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';

const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pbx-export-'));
  dirs.push(d);
  return d;
}
test.after.each(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const YAML = `id: acme
name: Acme Corp
domains: [ acme.example, alt.acme.example ]
limits: { calls: 10, extensions: 100, trunkCalls: 4 }
countryCode: "1"
nationalPrefix: "1"
callerId: "+14155550100"
auth: { algorithms: [ SHA-256, MD5 ] }
recording: on-demand
featureCodes: { recordToggle: "#77" }
moh: { class: jazz }
dids: [ "+14155550100", "+14155550101" ]
extensions:
  - { ext: "1001", name: Alice, password: "alice-1001-secret", classOfService: international, callerId: "+14155550111" }
  - { ext: "1002", password: "bob-1002-secret", maxContacts: 3, algorithms: [ SHA-256 ], recording: always }
  - { ext: "1003", password: "carol-1003-secret", classOfService: internal, enabled: false }
trunks:
  - { name: sip-co, kind: register, host: sip.carrier.example, username: acme-account, password: "trunk-pw", registerExpires: 600 }
  - { name: ipco, kind: ip, host: 192.0.2.10, port: 5080, transport: tcp, allowedSources: [ "192.0.2.0/28" ], codecs: [ PCMA, PCMU ], maxChannels: 30, outboundProxy: "192.0.2.11:5060" }
ringGroups:
  - { name: sales, strategy: simultaneous, members: [ "1001", "1002" ], ringSeconds: 20, fallback: { extension: "1003" } }
  - { name: night, strategy: sequential, members: [ "1002" ], ringSeconds: 15, fallback: { ringGroup: sales } }
  - { name: none, strategy: sequential, members: [ "1001" ], ringSeconds: 15, fallback: hangup }
inboundRoutes:
  - { did: "+14155550100", destination: { ringGroup: sales } }
  - { did: "*", destination: { extension: "1003" } }
outboundRoutes:
  - { name: local, patterns: [ "NXXNXXXXXX" ], prepend: "+1", trunks: [ sip-co, ipco ] }
  - { name: intl, patterns: [ "011." ], strip: 3, prepend: "+", trunks: [ ipco ] }
`;

function exportFrom(dir: string, id = 'acme'): TenantSpec {
  const sys = SystemStore.open(dir);
  const store = SqliteTenantStore.open(dir, id, { create: false });
  try {
    return exportTenantSpec(sys, store, id);
  } finally {
    store.close();
    sys.close();
  }
}

function apply(dir: string, spec: TenantSpec, dryRun = false) {
  const sys = SystemStore.open(dir);
  try {
    return applyTenant({ system: sys, dataDir: dir }, spec, { dryRun });
  } finally {
    sys.close();
  }
}

test('export round trip: apply -> export -> YAML -> parse -> apply to a fresh data dir -> export again is identical; applying the export back changes nothing', () => {
  const one = dataDir();
  const spec = parseTenantConfig(YAML, '/etc/pbx/tenants/acme.yaml', {});
  assert.ok(apply(one, spec).created);
  const exported = exportFrom(one);
  assert.is(exported.extensions.every((x) => x.password === undefined && x.ha1?.realm === 'acme.example'), true);
  assert.equal(exported.extensions[0]!.ha1!.md5, computeHa1Set('1001', 'acme.example', 'alice-1001-secret').MD5);

  // The tenant's and the extension's digest algorithms come out as they went in.
  assert.equal(exported.auth, { algorithms: ['SHA-256', 'MD5'] });
  assert.equal(exported.extensions.find((x) => x.ext === '1002')!.algorithms, ['SHA-256']);
  assert.is(exported.extensions.find((x) => x.ext === '1001')!.algorithms, undefined);
  // The recording policy: the tenant's and one extension's, as the admin API reads them.
  assert.is(exported.recording, 'on-demand');
  assert.equal(exported.featureCodes, { recordToggle: '#77' });
  assert.equal(exported.moh, { class: 'jazz' });
  assert.equal(exported.extensions.map((x) => x.recording), [undefined, 'always', undefined]);

  const text = tenantYamlText(exported, 'exported');
  const back = parseTenantConfig(text, '/tmp/elsewhere/acme.yaml', {});

  // The same tenant: nothing to do.
  const same = apply(one, back);
  assert.is(same.changed, false, JSON.stringify(same));

  // A fresh data dir: the same state.
  const two = dataDir();
  assert.ok(apply(two, back).created);
  assert.equal(exportFrom(two), exported);
  assert.is(tenantYamlText(exportFrom(two)), tenantYamlText(exported));
});

test('recording policy from the file lands where the admin API reads and writes it; removing it from the file clears it', () => {
  const one = dataDir();
  const spec = parseTenantConfig(YAML, '/etc/pbx/tenants/acme.yaml', {});
  apply(one, spec);
  const read = () => {
    const s = SqliteTenantStore.open(one, 'acme', { create: false });
    try {
      return [s.getSetting('recording'), s.recordings.extensionMode('1001'), s.recordings.extensionMode('1002')];
    } finally {
      s.close();
    }
  };
  assert.equal(read(), ['on-demand', undefined, 'always']);
  // A change of policy alone is a change (and counts as a settings change).
  const changed = apply(one, { ...spec, recording: 'always', extensions: spec.extensions.map((x) => (x.ext === '1001' ? { ...x, recording: 'never' as const } : x)) });
  assert.is(changed.changed, true);
  assert.is(changed.settingsChanged, true);
  assert.equal(changed.extensions.updated, ['1001']);
  assert.equal(read(), ['always', 'never', 'always']);
  // The file decides: keys taken out of it are taken out of the store (never; the tenant's).
  const { recording: _r, ...rest } = spec;
  const cleared = apply(one, { ...rest, extensions: spec.extensions.map(({ recording: _x, ...x }) => x) });
  assert.is(cleared.changed, true);
  assert.equal(cleared.extensions.updated, ['1001', '1002']);
  assert.equal(read(), [undefined, undefined, undefined]);
  const again = apply(one, { ...rest, extensions: spec.extensions.map(({ recording: _x, ...x }) => x) });
  assert.is(again.changed, false);
});

test('the spec refuses a recording policy it does not know, at its path, and writes nothing', () => {
  const one = dataDir();
  const spec = parseTenantConfig(YAML, '/etc/pbx/tenants/acme.yaml', {});
  try {
    apply(one, { ...spec, recording: 'sometimes', extensions: spec.extensions.map((x, i) => (i === 2 ? { ...x, recording: 'ALWAYS' } : x)) } as TenantSpec);
    assert.unreachable('applied');
  } catch (e) {
    assert.instance(e, TenantSpecError);
    assert.equal((e as TenantSpecError).problems.map((p) => p.path), ['recording', 'extensions[2].recording']);
  }
  const sys = SystemStore.open(one);
  try {
    assert.is(sys.getTenant('acme'), undefined);
  } finally {
    sys.close();
  }
});

test('ha1 in a tenant file: exactly one of password and ha1; the realm must be the first domain (file:line:col)', () => {
  const h = computeHa1Set('1001', 'acme.example', 'x-secret-1');
  const file = '/etc/pbx/tenants/acme.yaml';
  const base = (ext: string, domains = '[ acme.example ]') => `id: acme\ndomains: ${domains}\nlimits: {}\nextensions:\n  - ${ext}\n`;
  const ok = parseTenantConfig(base(`{ ext: "1001", ha1: { realm: acme.example, md5: ${h.MD5}, sha256: ${h['SHA-256']} } }`), file, {});
  assert.equal(ok.extensions[0]!.ha1, { realm: 'acme.example', md5: h.MD5, sha256: h['SHA-256'] });
  assert.is(ok.extensions[0]!.password, undefined);

  const fails = (text: string, re: RegExp) => {
    try {
      parseTenantConfig(text, file, {});
      assert.unreachable('should fail');
    } catch (e) {
      assert.match((e as Error).message, re);
    }
  };
  fails(base(`{ ext: "1001", password: "long-enough", ha1: { realm: acme.example, md5: ${h.MD5}, sha256: ${h['SHA-256']} } }`), /acme\.yaml:5:\d+: extensions\[0\]\.ha1: give either password or ha1, not both/);
  fails(base(`{ ext: "1001" }`), /extensions\[0\]\.password: a password is required \(or ha1/);
  fails(base(`{ ext: "1001", ha1: { realm: other.example, md5: ${h.MD5}, sha256: ${h['SHA-256']} } }`), /acme\.yaml:5:\d+: extensions\[0\]\.ha1\.realm: the digests were computed for realm other\.example, but this tenant's realm \(its first domain\) is acme\.example/);
  fails(base(`{ ext: "1001", ha1: { realm: acme.example, md5: xyz, sha256: ${h['SHA-256']} } }`), /ha1\.md5: must be 32 lowercase hex digits/);
});

test('the spec refuses ha1 for another realm, and both password and ha1', () => {
  const dir = dataDir();
  const h = computeHa1Set('1001', 'old.example', 'pw');
  const spec: TenantSpec = { id: 'acme', name: 'Acme', domains: ['acme.example'], limits: {}, extensions: [{ ext: '1001', name: 'A', ha1: { realm: 'old.example', md5: h.MD5, sha256: h['SHA-256'] } }] };
  try {
    apply(dir, spec);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, TenantSpecError);
    assert.match((e as TenantSpecError).problems[0]!.path, /extensions\[0\]\.ha1\.realm/);
  }
  try {
    apply(dir, { ...spec, extensions: [{ ext: '1001', name: 'A', password: 'pw', ha1: { realm: 'acme.example', md5: h.MD5, sha256: h['SHA-256'] } }] });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, TenantSpecError);
  }
});

test('dry run: reports the changes apply would make, and writes nothing (data read back, bytes and mtimes unchanged; a new tenant leaves no folder)', () => {
  const dir = dataDir();
  const spec = parseTenantConfig(YAML, '/etc/pbx/tenants/acme.yaml', {});
  // A new tenant on an empty data dir.
  const sys0 = SystemStore.open(dir);
  sys0.close();
  const preview = apply(dir, spec, true);
  assert.ok(preview.created);
  assert.equal(preview.extensions.added, ['1001', '1002', '1003']);
  const sys1 = SystemStore.open(dir);
  assert.is(sys1.getTenant('acme'), undefined);
  assert.is(sys1.domainOwner('acme.example'), undefined);
  sys1.close();
  assert.not.ok(statSync(join(dir, 'tenants'), { throwIfNoEntry: false })?.isDirectory() && statSync(join(dir, 'tenants', 'acme'), { throwIfNoEntry: false }));

  // An existing tenant: a change previewed equals the change applied, and nothing is written.
  apply(dir, spec);
  const before = exportFrom(dir);
  const files = [join(dir, 'system.sqlite'), join(dir, 'tenants', 'acme', 'tenant.sqlite')];
  const snap = () => files.map((f) => [readFileSync(f).toString('base64'), statSync(f).mtimeMs]);
  const was = snap();
  const changed: TenantSpec = {
    ...spec,
    domains: ['acme.example', 'new.acme.example'],
    dids: ['+14155550100', '+14155550199'],
    extensions: [...spec.extensions.slice(0, 2).map((x, i) => (i === 1 ? { ...x, name: 'Robert' } : x)), { ext: '1004', name: 'Dan', password: 'dan-1004-secret' }],
    inboundRoutes: [{ did: '+14155550100', destination: { type: 'extension', ext: '1001' } }],
    ringGroups: [{ name: 'sales', strategy: 'simultaneous', members: ['1001', '1002'], ringSeconds: 20 }],
  };
  const dry = apply(dir, changed, true);
  assert.equal(snap(), was, 'both files byte for byte and mtime');
  assert.equal(exportFrom(dir), before, 'the data read back is the same');
  assert.equal(dry.domains, { added: ['new.acme.example'], removed: ['alt.acme.example'] });
  assert.equal(dry.dids, { added: ['+14155550199'], removed: ['+14155550101'] });
  assert.equal(dry.extensions.added, ['1004']);
  assert.equal(dry.extensions.updated, ['1002']);
  assert.equal(dry.extensions.removed, ['1003']);
  const real = apply(dir, changed);
  assert.equal({ ...real }, { ...dry });
});

test('export refuses an unknown tenant', () => {
  const dir = dataDir();
  writeFileSync(join(dir, 'x'), '');
  const sys = SystemStore.open(dir);
  const store = SqliteTenantStore.open(dir, 'ghost');
  try {
    assert.throws(() => exportTenantSpec(sys, store, 'ghost'), /does not exist/);
  } finally {
    store.close();
    sys.close();
  }
});

test.run();
