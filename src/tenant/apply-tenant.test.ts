import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant, CONFIG_REV_SETTING, disableTenantsNotIn, isApplyTorn, type ApplyDeps } from './apply-tenant.js';
import type { BindingRow } from '../store/binding-row.js';
import { SystemStore } from '../store/system-store.js';
import { TenantSpecError } from '../model/tenant-errors.js';
import { validateTenantSpec, type TenantSpec } from './tenant-spec.js';
import { SqliteTenantStore } from '../store/tenant-store.js';

let dir = '';
let sys: SystemStore;
let deps: ApplyDeps;
const opened: SqliteTenantStore[] = [];

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-apply-'));
  const clock = new FakeClock();
  sys = SystemStore.open(dir, { clock });
  deps = { system: sys, dataDir: dir, clock };
});
test.after.each(() => {
  for (const s of opened.splice(0)) s.close();
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

function store(id: string): SqliteTenantStore {
  // Every read asks PRAGMA data_version (no tick batching): an apply here is seen at once.
  const s = SqliteTenantStore.open(dir, id, { tickScheduler: (fn) => fn() });
  opened.push(s);
  return s;
}

function acme(over: Partial<TenantSpec> = {}): TenantSpec {
  return {
    id: 'acme',
    name: 'Acme Corp',
    domains: ['acme.example'],
    limits: { calls: 10, extensions: 100, storageMB: 500 },
    extensions: [
      { ext: '1001', name: 'Alice', password: 'secret-pass-word', enabled: true },
      { ext: '1002', name: 'Bob', password: 'bob-1002-secret', enabled: true },
    ],
    ...over,
  };
}

function binding(aor: string, n: number): BindingRow {
  return {
    aor,
    contact: `sip:${aor}@10.0.0.${n}:5062`,
    callId: `c${n}`,
    cseq: 1,
    expiresAt: 2_000_000_000_000,
    source: { protocol: 'udp', address: `10.0.0.${n}`, port: 5062, localAddress: '127.0.0.1', localPort: 5060 },
    updatedAt: 1,
  };
}

/** Everything a failed apply must leave as it was. */
function snapshot(id: string) {
  const t = sys.getTenant(id);
  if (!existsSync(join(dir, 'tenants', id, 'tenant.sqlite'))) return { t, exts: undefined, bindings: undefined };
  const s = store(id);
  const snap = { t, exts: s.listExtensions(), bindings: s.listBindings(), rev: s.getSetting(CONFIG_REV_SETTING), routing: s.getRoutingPlan() };
  s.close();
  return snap;
}

/** Acme with every routing feature: numbering, DIDs, both kinds of trunk, ring groups, routes. */
function acmeRouted(over: Partial<TenantSpec> = {}): TenantSpec {
  return acme({
    extensions: [
      { ext: '1001', name: 'Alice', password: 'secret-pass-word', enabled: true, classOfService: 'international', callerId: '+14155550101' },
      { ext: '1002', name: 'Bob', password: 'bob-1002-secret', enabled: true, classOfService: 'internal' },
      { ext: '1003', name: 'Carol', password: 'carol-secret' },
    ],
    countryCode: '1',
    nationalPrefix: '1',
    callerId: '+14155550100',
    dids: ['+14155550100', '+14155550101', '+14155550102'],
    trunks: [
      { name: 'carrier', kind: 'register', host: 'sip.carrier.example', username: 'acme', password: 'trunk-secret', codecs: ['PCMU', 'PCMA'], maxChannels: 4 },
      { name: 'peer', kind: 'ip', host: '203.0.113.5', port: 5080, transport: 'tcp', allowedSources: ['203.0.113.0/24'], outboundProxy: { host: 'proxy.example', port: 5060 } },
    ],
    ringGroups: [
      { name: 'sales', strategy: 'simultaneous', members: ['1001', '1002'], ringSeconds: 20, fallback: { type: 'ringGroup', name: 'support' } },
      { name: 'support', strategy: 'sequential', members: ['1003', '1001'], ringSeconds: 15, fallback: { type: 'extension', ext: '1003' } },
    ],
    inboundRoutes: [
      { did: '+14155550101', destination: { type: 'extension', ext: '1001' } },
      { did: '+14155550100', destination: { type: 'ringGroup', name: 'sales' } },
      { did: '*', destination: { type: 'hangup' } },
    ],
    outboundRoutes: [
      { name: 'emergency', patterns: ['911'], trunks: ['carrier'] },
      { name: 'us', patterns: ['1NXXNXXXXXX', 'nxxnxxxxxx'], prepend: '+1', trunks: ['carrier', 'peer'] },
      { name: 'intl', patterns: ['011.'], strip: 3, prepend: '+', trunks: ['provider-intl'] },
    ],
    ...over,
  });
}

test('a new tenant: system row, domains, extensions with correct HA1, limits', () => {
  const r = applyTenant(deps, acme());
  assert.is(r.created, true);
  assert.is(r.changed, true);
  assert.equal(r.extensions.added, ['1001', '1002']);
  assert.equal(r.domains, { added: ['acme.example'], removed: [] });
  const t = sys.getTenant('acme')!;
  assert.is(t.name, 'Acme Corp');
  assert.is(t.status, 'active');
  assert.equal(t.limits, { calls: 10, extensions: 100, storageMB: 500 });
  const x = store('acme').getExtension('1001')!;
  assert.is(x.realm, 'acme.example');
  // Hand-computed: printf '1001:acme.example:secret-pass-word' | md5sum / sha256sum
  assert.is(x.ha1.MD5, '0f5ec2242751a5d54941e0223e869432');
  assert.is(x.ha1['SHA-256'], 'b76481d821200c27168e050318c004c3d46de3809e57b8fc1338b29d70cbbaba');
  assert.is(r.configRev, 1);
  assert.not.ok(isApplyTorn(sys, store('acme')));
});

test('re-applying the same spec changes nothing and keeps registrations', () => {
  applyTenant(deps, acme());
  const s = store('acme');
  s.replaceBindings('1001', [binding('1001', 1)]);
  const r = applyTenant(deps, acme());
  assert.is(r.changed, false);
  assert.is(r.created, false);
  assert.equal(r.extensions, { added: [], updated: [], removed: [], unchanged: 2, bindingsRemoved: 0 });
  assert.is(r.configRev, 1, 'no new revision for a no-op');
  assert.equal(s.getBindings('1001'), [binding('1001', 1)]);
});

test('a changed password updates the HA1 and keeps the bindings', () => {
  applyTenant(deps, acme());
  const s = store('acme');
  s.replaceBindings('1001', [binding('1001', 1)]);
  const before = s.getExtension('1001')!;
  const spec = acme();
  const r = applyTenant(deps, { ...spec, extensions: [{ ...spec.extensions[0]!, password: 'new-secret' }, spec.extensions[1]!] });
  assert.equal(r.extensions.updated, ['1001']);
  assert.is(r.extensions.unchanged, 1);
  assert.is.not(s.getExtension('1001')!.ha1.MD5, before.ha1.MD5, 'another connection\'s commit empties the extension cache (PRAGMA data_version, once per tick)');
  const after = store('acme').getExtension('1001')!;
  assert.is.not(after.ha1.MD5, before.ha1.MD5);
  assert.is.not(after.ha1['SHA-256'], before.ha1['SHA-256']);
  assert.equal(s.getBindings('1001'), [binding('1001', 1)]);
  assert.is(r.configRev, 2);
});

test('a removed extension loses its bindings; a disabled one too; others keep theirs', () => {
  applyTenant(deps, acme({ extensions: [...acme().extensions, { ext: '1003', name: 'Carol', password: 'c-pass-word', enabled: true }] }));
  const s = store('acme');
  s.replaceBindings('1001', [binding('1001', 1)]);
  s.replaceBindings('1002', [binding('1002', 2), binding('1002', 3)]);
  s.replaceBindings('1003', [binding('1003', 4)]);
  const r = applyTenant(deps, acme({ extensions: [acme().extensions[0]!, { ...acme().extensions[1]!, enabled: false }] }));
  assert.equal(r.extensions.removed, ['1003']);
  assert.equal(r.extensions.updated, ['1002']);
  assert.is(r.extensions.bindingsRemoved, 3);
  assert.is(s.getExtension('1003'), undefined);
  assert.is(s.getExtension('1002')!.enabled, false);
  assert.equal(s.getBindings('1002'), []);
  assert.equal(s.getBindings('1003'), []);
  assert.equal(s.getBindings('1001'), [binding('1001', 1)]);
});

test('a new primary domain re-derives every HA1 for the new realm and keeps bindings', () => {
  applyTenant(deps, acme());
  const s = store('acme');
  s.replaceBindings('1002', [binding('1002', 2)]);
  const r = applyTenant(deps, acme({ domains: ['pbx.acme.example', 'acme.example'] }));
  assert.equal(r.extensions.updated, ['1001', '1002']);
  assert.equal(r.domains, { added: ['pbx.acme.example'], removed: [] });
  assert.is(s.getExtension('1001')!.realm, 'pbx.acme.example');
  assert.equal(sys.getTenant('acme')!.domains, ['pbx.acme.example', 'acme.example']);
  assert.equal(s.getBindings('1002'), [binding('1002', 2)]);
});

test('no plaintext password anywhere in the SQLite files (db, wal, shm)', () => {
  const pw = 'Very-Distinct-Passw0rd-7f3a';
  const s = store('acme'); // keep a connection open so the WAL file stays around
  applyTenant(deps, acme({ extensions: [{ ext: '1001', name: 'Alice', password: pw, enabled: true }] }));
  const files = [
    ...readdirSync(join(dir, 'tenants', 'acme')).map((f) => join(dir, 'tenants', 'acme', f)),
    ...readdirSync(dir).filter((f) => f.startsWith('system.sqlite')).map((f) => join(dir, f)),
  ];
  assert.ok(files.some((f) => f.endsWith('tenant.sqlite-wal')), 'the WAL was searched too');
  for (const f of files) {
    const bytes = readFileSync(f);
    assert.is(bytes.indexOf(Buffer.from(pw, 'utf8')), -1, f);
    assert.is(bytes.indexOf(Buffer.from(pw, 'utf16le')), -1, f);
  }
  s.close();
  const bytes = readFileSync(join(dir, 'tenants', 'acme', 'tenant.sqlite'));
  assert.is(bytes.indexOf(Buffer.from(pw)), -1, 'after checkpoint');
  assert.ok(bytes.indexOf(Buffer.from('acme.example')) >= 0, 'the search does find what is stored');
});

test('a domain owned by another tenant is refused and nothing changes, in either tenant', () => {
  applyTenant(deps, acme());
  applyTenant(deps, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '1001', name: 'G', password: 'g-pass-word' }] });
  store('globex').replaceBindings('1001', [binding('1001', 9)]);
  const before = { acme: snapshot('acme'), globex: snapshot('globex') };
  assert.throws(
    () =>
      applyTenant(deps, {
        id: 'globex',
        name: 'Globex Renamed',
        domains: ['globex.example', 'ACME.EXAMPLE'],
        limits: {},
        extensions: [{ ext: '1005', name: 'new', password: 'x-pass-word' }],
      }),
    (e: unknown) => e instanceof TenantSpecError && e.problems[0]!.path === 'domains[1]' && /acme/.test(e.problems[0]!.message),
  );
  assert.equal(snapshot('acme'), before.acme);
  assert.equal(snapshot('globex'), before.globex);
  // and a brand new tenant that conflicts leaves no folder behind
  assert.throws(() => applyTenant(deps, { ...acme(), id: 'initech' }), (e: unknown) => e instanceof TenantSpecError);
  assert.is(sys.getTenant('initech'), undefined);
  assert.not.ok(existsSync(join(dir, 'tenants', 'initech')));
});

test('a failure late in the tenant file rolls back the system file too', () => {
  applyTenant(deps, acme());
  store('acme').replaceBindings('1001', [binding('1001', 1)]);
  const before = snapshot('acme');
  // Make the tenant database refuse one insert, after the system writes and other tenant writes happened.
  const raw = new Database(join(dir, 'tenants', 'acme', 'tenant.sqlite'));
  raw.exec("CREATE TRIGGER boom BEFORE INSERT ON extensions WHEN NEW.ext = '1009' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
  raw.close();
  const spec = acme({
    name: 'Acme Renamed',
    domains: ['acme.example', 'acme2.example'],
    limits: { calls: 1 },
    extensions: [{ ext: '1001', name: 'Alice2', password: 'changed-pass-word', enabled: true }, { ext: '1009', name: 'x', password: 'y-pass-word', enabled: true }],
  });
  assert.throws(() => applyTenant(deps, spec), /injected failure/);
  assert.equal(snapshot('acme'), before, 'name, limits, domains, extensions, bindings and revision unchanged');
  assert.is(sys.domainOwner('acme2.example'), undefined);
  // The store is still usable afterwards (the attachment was released).
  const again = applyTenant(deps, acme({ name: 'Acme Renamed' }));
  assert.is(again.settingsChanged, true);
});

test('a failure late in the system file rolls back the tenant file too', () => {
  applyTenant(deps, acme());
  const before = snapshot('acme');
  sys.close();
  const raw = new Database(join(dir, 'system.sqlite'));
  raw.exec("CREATE TRIGGER boom BEFORE UPDATE OF config_rev ON tenants BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
  raw.close();
  sys = SystemStore.open(dir, { clock: deps.clock! });
  deps = { ...deps, system: sys };
  const spec = acme({ extensions: [{ ext: '1001', name: 'Alice2', password: 'changed-pass-word', enabled: true }] });
  assert.throws(() => applyTenant(deps, spec), /injected failure/);
  assert.equal(snapshot('acme'), before, 'extension 1002 not removed, 1001 not changed');
});

test('a domain conflict discovered late (inside the transaction) is refused and nothing changes', () => {
  applyTenant(deps, acme());
  applyTenant(deps, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '1001', name: 'G', password: 'g-pass-word' }] });
  const before = { acme: snapshot('acme'), globex: snapshot('globex') };
  // Stand-in for another process claiming the domain after the pre-check: the claim
  // happens inside the apply's own transaction, just before the domains are set.
  sys.close();
  const raw = new Database(join(dir, 'system.sqlite'));
  raw.exec("CREATE TRIGGER steal AFTER UPDATE OF name ON tenants WHEN NEW.id = 'globex' BEGIN INSERT INTO domains VALUES ('late.example', 'acme', 9); END;");
  raw.close();
  sys = SystemStore.open(dir, { clock: deps.clock! });
  deps = { ...deps, system: sys };
  assert.throws(
    () => applyTenant(deps, { id: 'globex', name: 'Globex 2', domains: ['globex.example', 'late.example'], limits: {}, extensions: [] }),
    (e: unknown) => e instanceof TenantSpecError && e.problems[0]!.path === 'domains[1]' && /acme/.test(e.problems[0]!.message),
  );
  assert.equal(snapshot('acme'), before.acme);
  assert.equal(snapshot('globex'), before.globex, 'name, extension 1001 and revision unchanged');
  assert.is(sys.domainOwner('late.example'), undefined, "the trigger's claim rolled back with the rest");
});

test('an invalid spec lists every problem by path and writes nothing', () => {
  const bad = {
    id: 'Acme!',
    name: '',
    domains: ['ok.example', 'bad domain', 'OK.example'],
    limits: { calls: -1, extensions: 1, bogus: 3 },
    extensions: [
      { ext: '1001', name: 'A', password: 'p-pass-word' },
      { ext: '1001', name: 'B', password: 'p-pass-word' },
      { ext: '10:01', name: 'C', password: '' },
      { ext: '1004', name: 'D', password: 'p-pass-word', maxContacts: 0 },
    ],
  } as unknown as TenantSpec;
  let err: TenantSpecError | undefined;
  try {
    applyTenant(deps, bad);
  } catch (e) {
    err = e as TenantSpecError;
  }
  assert.instance(err, TenantSpecError);
  assert.equal(err!.problems.map((p) => p.path), [
    'id',
    'name',
    'domains[1]',
    'domains[2]',
    'limits.calls',
    'limits.bogus',
    'extensions[1].ext',
    'extensions[2].ext',
    'extensions[2].password',
    'extensions[3].maxContacts',
    'extensions',
  ]);
  assert.equal(sys.listTenants(), []);
  assert.equal(readdirSync(dir).filter((f) => f === 'tenants'), []);
});

test('disableTenantsNotIn disables, keeps data, frees domains; applying again re-enables', () => {
  applyTenant(deps, acme());
  applyTenant(deps, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [] });
  store('acme').replaceBindings('1001', [binding('1001', 1)]);
  assert.equal(disableTenantsNotIn(sys, ['globex']), ['acme']);
  assert.equal(disableTenantsNotIn(sys, ['globex']), [], 'idempotent');
  assert.is(sys.getTenant('acme')!.status, 'disabled');
  assert.is(sys.domainOwner('acme.example'), undefined);
  assert.is(store('acme').countExtensions(), 2, 'data kept');
  const r = applyTenant(deps, acme());
  assert.is(r.reenabled, true);
  assert.is(sys.getTenant('acme')!.status, 'active');
  assert.is(sys.domainOwner('acme.example'), 'acme');
  assert.equal(store('acme').getBindings('1001'), [binding('1001', 1)], 're-enabling kept registrations');
});

test('a domain can move from a deleted tenant to a new one', () => {
  applyTenant(deps, acme());
  disableTenantsNotIn(sys, ['newco']);
  const r = applyTenant(deps, { id: 'newco', name: 'NewCo', domains: ['acme.example'], limits: {}, extensions: [] });
  assert.equal(r.domains.added, ['acme.example']);
  assert.is(sys.domainOwner('acme.example'), 'newco');
});

test('a torn apply (revisions differ) is detected and repaired by applying again', () => {
  applyTenant(deps, acme());
  const s = store('acme');
  // Simulate a crash that committed system.sqlite but not tenant.sqlite.
  s.setSetting(CONFIG_REV_SETTING, '0');
  assert.ok(isApplyTorn(sys, s));
  const r = applyTenant(deps, acme());
  assert.is(r.changed, true);
  assert.not.ok(isApplyTorn(sys, s));
  assert.is(s.getSetting(CONFIG_REV_SETTING), String(sys.getTenant('acme')!.configRev));
});

test('extension 1001 is independent in two tenants', () => {
  applyTenant(deps, acme());
  applyTenant(deps, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '1001', name: 'Gus', password: 'secret-pass-word' }] });
  applyTenant(deps, acme({ extensions: [acme().extensions[1]!] }));
  assert.is(store('acme').getExtension('1001'), undefined);
  const g = store('globex').getExtension('1001')!;
  assert.is(g.name, 'Gus');
  assert.is(g.realm, 'globex.example');
  assert.is.not(g.ha1.MD5, '13efbba9f73e8887f478f9b5221a7891', 'same password, other realm, other HA1');
});

test('routing round trip: getRoutingPlan equals validateTenantSpec(spec).routing, extensions carry class of service and caller ID', () => {
  const spec = acmeRouted();
  const r = applyTenant(deps, spec);
  assert.is(r.changed, true);
  assert.equal(r.dids, { added: ['+14155550100', '+14155550101', '+14155550102'], removed: [] });
  assert.equal(r.routing.trunks.added, ['carrier', 'peer']);
  assert.equal(r.routing.ringGroups.added, ['sales', 'support']);
  assert.equal(r.routing.inboundRoutes.added, ['+14155550101', '+14155550100', '*']);
  assert.equal(r.routing.outboundRoutes.added, ['emergency', 'us', 'intl']);
  assert.is(r.routing.numberingChanged, true);
  const want = validateTenantSpec(spec).routing;
  const s = store('acme');
  assert.equal(s.getRoutingPlan(), want);
  assert.is(s.getRoutingPlan().outboundRoutes[1]!.patterns[1], 'NXXNXXXXXX', 'patterns normalised');
  assert.equal(s.getRoutingPlan().trunks[0]!.allowedSources, ['sip.carrier.example'], 'a register trunk accepts its host by default');
  assert.equal(sys.getTenant('acme')!.dids, ['+14155550100', '+14155550101', '+14155550102']);
  const alice = s.getExtension('1001')!;
  assert.is(alice.classOfService, 'international');
  assert.is(alice.callerId, '+14155550101');
  assert.is(s.getExtension('1002')!.classOfService, 'internal');
  assert.is(s.getExtension('1003')!.classOfService, 'national', 'the default');
  assert.not.ok('callerId' in s.getExtension('1003')!);
  // A tenant without any routing reads back the defaults, equal to its validated spec too.
  applyTenant(deps, { id: 'plain', name: 'Plain', domains: ['plain.example'], limits: {}, extensions: [] });
  const plain = validateTenantSpec({ id: 'plain', name: 'Plain', domains: ['plain.example'], limits: {}, extensions: [] }).routing;
  assert.equal(store('plain').getRoutingPlan(), plain);
  assert.equal(plain, { countryCode: '', nationalPrefix: '0', dids: [], trunks: [], ringGroups: [], inboundRoutes: [], outboundRoutes: [] });
});

test('re-applying the same routed spec reports no change and writes nothing', () => {
  applyTenant(deps, acmeRouted());
  const before = snapshot('acme');
  const r = applyTenant(deps, acmeRouted());
  assert.is(r.changed, false);
  assert.is(r.configRev, 1);
  assert.equal(r.dids, { added: [], removed: [] });
  assert.equal(r.routing, {
    numberingChanged: false,
    dids: { added: [], removed: [] },
    trunks: { added: [], updated: [], removed: [] },
    ringGroups: { added: [], updated: [], removed: [] },
    inboundRoutes: { added: [], updated: [], removed: [] },
    outboundRoutes: { added: [], updated: [], removed: [] },
  });
  assert.is(r.extensions.unchanged, 3);
  assert.equal(snapshot('acme'), before);
});

test('routing changes are reported and applied; a changed class of service or caller ID updates the extension', () => {
  applyTenant(deps, acmeRouted());
  const base = acmeRouted();
  const changedSpec = acmeRouted({
    extensions: [{ ...base.extensions[0]!, classOfService: 'premium', callerId: undefined }, base.extensions[1]!, base.extensions[2]!],
    callerId: '+14155550102',
    dids: ['+14155550101', '+14155550100', '+14155550199'],
    trunks: [{ ...base.trunks![0]!, password: 'rotated' }],
    ringGroups: [base.ringGroups![1]!],
    inboundRoutes: [{ did: '+14155550101', destination: { type: 'ringGroup', name: 'support' } }],
    outboundRoutes: [{ ...base.outboundRoutes![1]!, trunks: ['carrier'] }],
  });
  const r = applyTenant(deps, changedSpec);
  assert.is(r.changed, true);
  assert.is(r.configRev, 2);
  assert.equal(r.extensions.updated, ['1001']);
  assert.equal(r.dids, { added: ['+14155550199'], removed: ['+14155550102'] });
  assert.is(r.routing.numberingChanged, true);
  assert.equal(r.routing.dids, { added: ['+14155550199'], removed: ['+14155550102'] });
  assert.equal(r.routing.trunks, { added: [], updated: ['carrier'], removed: ['peer'] });
  assert.equal(r.routing.ringGroups, { added: [], updated: ['support'], removed: ['sales'] }, 'support moved to position 0');
  assert.equal(r.routing.inboundRoutes, { added: [], updated: ['+14155550101'], removed: ['+14155550100', '*'] });
  assert.equal(r.routing.outboundRoutes, { added: [], updated: ['us'], removed: ['emergency', 'intl'] });
  const s = store('acme');
  assert.equal(s.getRoutingPlan(), validateTenantSpec(changedSpec).routing);
  assert.is(s.getRoutingPlan().callerId, '+14155550102');
  assert.equal(s.getRoutingPlan().dids, ['+14155550101', '+14155550100', '+14155550199']);
  assert.is(s.getRoutingPlan().trunks[0]!.password, 'rotated');
  assert.is(s.getExtension('1001')!.classOfService, 'premium');
  assert.not.ok('callerId' in s.getExtension('1001')!);
  assert.is(sys.didOwner('+14155550102'), undefined, 'a dropped DID is released');
  assert.is(sys.didOwner('+14155550199'), 'acme');
  assert.equal(sys.getTenant('acme')!.dids, ['+14155550101', '+14155550100', '+14155550199'], 'in the declared order');
  // Dropping every routing field empties the tables and the inventory.
  const empty = applyTenant(deps, acme());
  assert.equal(empty.dids.removed, ['+14155550101', '+14155550100', '+14155550199']);
  assert.equal(store('acme').getRoutingPlan(), validateTenantSpec(acme()).routing);
  assert.equal(sys.getTenant('acme')!.dids, []);
});

test("a DID of another tenant is refused at dids[i] and nothing changes, in either tenant's file", () => {
  applyTenant(deps, acmeRouted());
  applyTenant(deps, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '1001', name: 'G', password: 'g-pass-word' }], dids: ['+442071838750'] });
  store('globex').replaceBindings('1001', [binding('1001', 9)]);
  const before = { acme: snapshot('acme'), globex: snapshot('globex') };
  let err: unknown;
  try {
    applyTenant(deps, {
      id: 'globex',
      name: 'Globex Renamed',
      domains: ['globex.example'],
      limits: {},
      extensions: [{ ext: '1005', name: 'new', password: 'x-pass-word' }],
      countryCode: '44',
      dids: ['+442071838750', '+442071838751', '+14155550101'],
      inboundRoutes: [{ did: '+14155550101', destination: { type: 'extension', ext: '1005' } }],
    });
  } catch (e) {
    err = e;
  }
  assert.instance(err, TenantSpecError);
  assert.equal((err as TenantSpecError).problems, [{ path: 'dids[2]', message: '+14155550101 belongs to tenant acme' }]);
  assert.equal(snapshot('acme'), before.acme);
  assert.equal(snapshot('globex'), before.globex);
  assert.is(sys.didOwner('+14155550101'), 'acme');
  assert.is(sys.didOwner('+442071838751'), undefined);
  // Domain and DID conflicts are reported together; a new tenant leaves no folder behind.
  assert.throws(
    () => applyTenant(deps, { id: 'initech', name: 'I', domains: ['acme.example'], limits: {}, extensions: [], dids: ['+442071838750'] }),
    (e: unknown) => e instanceof TenantSpecError && e.problems.map((p) => p.path).join() === 'domains[0],dids[0]' && /globex/.test(e.problems[1]!.message),
  );
  assert.not.ok(existsSync(join(dir, 'tenants', 'initech')));
});

test('a DID conflict discovered late (inside the transaction) is refused and nothing changes', () => {
  applyTenant(deps, acmeRouted());
  applyTenant(deps, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '1001', name: 'G', password: 'g-pass-word' }] });
  const before = { acme: snapshot('acme'), globex: snapshot('globex') };
  sys.close();
  const raw = new Database(join(dir, 'system.sqlite'));
  raw.exec("CREATE TRIGGER steal AFTER UPDATE OF name ON tenants WHEN NEW.id = 'globex' BEGIN INSERT INTO dids VALUES ('+442071838799', 'acme', 9); END;");
  raw.close();
  sys = SystemStore.open(dir, { clock: deps.clock! });
  deps = { ...deps, system: sys };
  assert.throws(
    () => applyTenant(deps, { id: 'globex', name: 'Globex 2', domains: ['globex.example'], limits: {}, extensions: [], dids: ['+442071838798', '+442071838799'] }),
    (e: unknown) => e instanceof TenantSpecError && e.problems[0]!.path === 'dids[1]' && e.problems[0]!.message === '+442071838799 belongs to tenant acme',
  );
  assert.equal(snapshot('acme'), before.acme);
  assert.equal(snapshot('globex'), before.globex);
  assert.is(sys.didOwner('+442071838799'), undefined, "the trigger's claim rolled back with the rest");
  assert.is(sys.didOwner('+442071838798'), undefined);
});

test('a disabled tenant releases its DIDs like its domains (keeping its own copy); re-applying claims them again', () => {
  applyTenant(deps, acmeRouted());
  assert.equal(disableTenantsNotIn(sys, []), ['acme']);
  assert.is(sys.didOwner('+14155550100'), undefined);
  assert.equal(sys.getTenant('acme')!.dids, []);
  assert.equal(store('acme').getRoutingPlan().dids, ['+14155550100', '+14155550101', '+14155550102'], 'tenant.sqlite untouched');
  // Another tenant may take one meanwhile; then acme's re-apply is refused until it gives it up.
  applyTenant(deps, { id: 'newco', name: 'NewCo', domains: ['newco.example'], limits: {}, extensions: [], dids: ['+14155550102'] });
  assert.throws(() => applyTenant(deps, acmeRouted()), (e: unknown) => e instanceof TenantSpecError && e.problems[0]!.path === 'dids[2]');
  assert.is(sys.getTenant('acme')!.status, 'disabled', 'still disabled: nothing was written');
  const r = applyTenant(deps, acmeRouted({ dids: ['+14155550100', '+14155550101'] }));
  assert.is(r.reenabled, true);
  assert.equal(r.dids, { added: ['+14155550100', '+14155550101'], removed: [] });
  assert.equal(r.routing.dids, { added: [], removed: ['+14155550102'] });
  assert.is(sys.didOwner('+14155550100'), 'acme');
  assert.is(sys.didOwner('+14155550102'), 'newco');
  // Removing a tenant from system.sqlite releases its DIDs too.
  assert.ok(sys.removeTenant('newco'));
  assert.is(sys.didOwner('+14155550102'), undefined);
});

test.run();
