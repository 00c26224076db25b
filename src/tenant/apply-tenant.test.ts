import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant, CONFIG_REV_SETTING, disableTenantsNotIn, isApplyTorn, type ApplyDeps } from './apply-tenant.js';
import type { BindingRow } from './binding-row.js';
import { SystemStore } from './system-store.js';
import { TenantSpecError } from './tenant-errors.js';
import type { TenantSpec } from './tenant-spec.js';
import { SqliteTenantStore } from './tenant-store.js';

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
  const s = SqliteTenantStore.open(dir, id);
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
      { ext: '1001', name: 'Alice', password: 'secret', enabled: true },
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
  const snap = { t, exts: s.listExtensions(), bindings: s.listBindings(), rev: s.getSetting(CONFIG_REV_SETTING) };
  s.close();
  return snap;
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
  // Hand-computed: printf '1001:acme.example:secret' | md5sum / sha256sum
  assert.is(x.ha1.MD5, '13efbba9f73e8887f478f9b5221a7891');
  assert.is(x.ha1['SHA-256'], '3e6004299928699c7d605c1f0c999d2de9f92cd86270b2b31e4dda693bedfecd');
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
  assert.is(s.getExtension('1001'), before, 'a connection caches extensions until it is reopened (TenantStorePool.reopen)');
  const after = store('acme').getExtension('1001')!;
  assert.is.not(after.ha1.MD5, before.ha1.MD5);
  assert.is.not(after.ha1['SHA-256'], before.ha1['SHA-256']);
  assert.equal(s.getBindings('1001'), [binding('1001', 1)]);
  assert.is(r.configRev, 2);
});

test('a removed extension loses its bindings; a disabled one too; others keep theirs', () => {
  applyTenant(deps, acme({ extensions: [...acme().extensions, { ext: '1003', name: 'Carol', password: 'c', enabled: true }] }));
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
  applyTenant(deps, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '1001', name: 'G', password: 'g' }] });
  store('globex').replaceBindings('1001', [binding('1001', 9)]);
  const before = { acme: snapshot('acme'), globex: snapshot('globex') };
  assert.throws(
    () =>
      applyTenant(deps, {
        id: 'globex',
        name: 'Globex Renamed',
        domains: ['globex.example', 'ACME.EXAMPLE'],
        limits: {},
        extensions: [{ ext: '1005', name: 'new', password: 'x' }],
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
    extensions: [{ ext: '1001', name: 'Alice2', password: 'changed', enabled: true }, { ext: '1009', name: 'x', password: 'y', enabled: true }],
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
  const spec = acme({ extensions: [{ ext: '1001', name: 'Alice2', password: 'changed', enabled: true }] });
  assert.throws(() => applyTenant(deps, spec), /injected failure/);
  assert.equal(snapshot('acme'), before, 'extension 1002 not removed, 1001 not changed');
});

test('a domain conflict discovered late (inside the transaction) is refused and nothing changes', () => {
  applyTenant(deps, acme());
  applyTenant(deps, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '1001', name: 'G', password: 'g' }] });
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
      { ext: '1001', name: 'A', password: 'p' },
      { ext: '1001', name: 'B', password: 'p' },
      { ext: '10:01', name: 'C', password: '' },
      { ext: '1004', name: 'D', password: 'p', maxContacts: 0 },
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
  applyTenant(deps, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '1001', name: 'Gus', password: 'secret' }] });
  applyTenant(deps, acme({ extensions: [acme().extensions[1]!] }));
  assert.is(store('acme').getExtension('1001'), undefined);
  const g = store('globex').getExtension('1001')!;
  assert.is(g.name, 'Gus');
  assert.is(g.realm, 'globex.example');
  assert.is.not(g.ha1.MD5, '13efbba9f73e8887f478f9b5221a7891', 'same password, other realm, other HA1');
});

test.run();
