// Applying destinations of every kind, forwards, DND and feature codes to a real tenant
// store: refused with the spec path when they name nothing of THIS tenant or loop, kept as
// a phone set them across re-applies of the same file, exported back.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant, type ApplyDeps } from './apply-tenant.js';
import { exportTenantSpec } from './export-tenant.js';
import { featureCodeTableOf } from './feature-codes.js';
import { TENANT_MIGRATIONS } from '../store/tenant-schema.js';
import { applyMigrations } from '../store/migrations.js';
import { SystemStore } from '../store/system-store.js';
import { TenantSpecError } from '../model/tenant-errors.js';
import type { TenantSpec } from './tenant-spec.js';
import { SqliteTenantStore } from '../store/tenant-store.js';

let dir = '';
let sys: SystemStore;
let deps: ApplyDeps;
const clock = new FakeClock(1_700_000_000_000);
const opened: SqliteTenantStore[] = [];

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-callflows-'));
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

function spec(over: Partial<TenantSpec> = {}, id = 'acme'): TenantSpec {
  return {
    id,
    name: id,
    domains: [`${id}.example`],
    limits: {},
    countryCode: '49',
    dids: ['+4930123450', '+4930123451', '+4930123452'],
    extensions: [
      { ext: '1001', name: 'Alice', password: 'alice-1001-secret' },
      { ext: '1002', name: 'Bob', password: 'bob-1002-secret' },
    ],
    conferences: [{ number: '800' }],
    ...over,
  };
}

function problems(s: TenantSpec, d: ApplyDeps = deps): string[] {
  try {
    applyTenant(d, s);
  } catch (e) {
    assert.instance(e, TenantSpecError);
    return (e as TenantSpecError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.unreachable('applied');
  return [];
}

test('every kind of destination is stored in its two columns and read back; export gives the same spec', () => {
  applyTenant(
    deps,
    spec({
      ringGroups: [{ name: 'sales', strategy: 'simultaneous', members: ['1001'], ringSeconds: 20, fallback: { type: 'voicemail', box: '1001' } }],
      inboundRoutes: [
        { did: '+4930123450', destination: { type: 'conference', room: '800' } },
        { did: '+4930123451', destination: { type: 'number', number: '+4930999999' } },
        { did: '+4930123452', destination: { type: 'play', prompt: 'closed' } },
      ],
    }),
  );
  const s = store('acme');
  const plan = s.getRoutingPlan();
  assert.equal(plan.ringGroups[0]!.fallback, { type: 'voicemail', box: '1001' });
  assert.equal(plan.inboundRoutes.map((r) => r.destination), [
    { type: 'conference', room: '800' },
    { type: 'number', number: '+4930999999' },
    { type: 'play', prompt: 'closed' },
  ]);
  const exported = exportTenantSpec(sys, s, 'acme');
  assert.equal(exported.inboundRoutes, plan.inboundRoutes);
  assert.is(applyTenant(deps, exported).changed, false, 'the export applies back unchanged');
});

test("a destination naming another tenant's box, room or ring group is refused at its path; an IVR or time condition that does not exist too", () => {
  applyTenant(deps, spec({ extensions: [{ ext: '2001', name: 'Gina', password: 'gina-2001-secret' }], conferences: [{ number: '900' }], ringGroups: [{ name: 'support', strategy: 'simultaneous', members: ['2001'], ringSeconds: 20 }] }, 'globex'));
  const errs = problems(
    spec({
      inboundRoutes: [
        { did: '+4930123450', destination: { type: 'voicemail', box: '2001' } },
        { did: '+4930123451', destination: { type: 'conference', room: '900' } },
        { did: '+4930123452', destination: { type: 'ringGroup', name: 'support' } },
        { did: '*', destination: { type: 'ivr', name: 'main' } },
      ],
      ringGroups: [{ name: 'sales', strategy: 'sequential', members: ['1002'], ringSeconds: 10, fallback: { type: 'timeCondition', name: 'hours' } }],
    }),
  );
  assert.equal(errs, [
    'ringGroups[0].fallback.name: hours is not a time condition of this tenant',
    'inboundRoutes[0].destination.box: 2001 is not a voicemail box of this tenant',
    'inboundRoutes[1].destination.room: 900 is not a conference room of this tenant',
    'inboundRoutes[2].destination.name: support is not a ring group of this tenant',
    'inboundRoutes[3].destination.name: main is not an IVR menu of this tenant',
  ]);
  assert.is(sys.getTenant('acme'), undefined, 'nothing was written');
});

test('voicemail destinations name the boxes the tenant has: an extension whose box is off is refused, a shared box is accepted', () => {
  const withBoxes = (box: string) =>
    spec({
      extensions: [
        { ext: '1001', name: 'Alice', password: 'alice-1001-secret', voicemail: { enabled: false } },
        { ext: '1002', name: 'Bob', password: 'bob-1002-secret', forward: { busy: { type: 'voicemail', box } } },
      ],
      voicemailBoxes: [{ box: '500', name: 'Sales', pin: '4321' }],
    });
  assert.equal(problems(withBoxes('1001')), ['extensions[1].forward.busy.box: 1001 is not a voicemail box of this tenant']);
  const badOperator = spec({ voicemailBoxes: [{ box: '500', pin: '4321', operator: { type: 'ringGroup', name: 'support' } }] });
  assert.equal(problems(badOperator), ['voicemailBoxes[0].operator.name: support is not a ring group of this tenant']);
  applyTenant(deps, withBoxes('500'));
  assert.equal(store('acme').callHandling.get('1002').busy, { type: 'voicemail', box: '500' });
});

test('a play destination is checked against the prompts the tenant has, when the caller can look', () => {
  const has = (tenantId: string, name: string) => tenantId === 'acme' && name === 'closed';
  const d = { ...deps, promptExists: has };
  assert.equal(problems(spec({ inboundRoutes: [{ did: '*', destination: { type: 'play', prompt: 'gone' } }] }), d), ['inboundRoutes[0].destination.prompt: no prompt gone for this tenant (neither uploaded nor built in)']);
  applyTenant(d, spec({ inboundRoutes: [{ did: '*', destination: { type: 'play', prompt: 'closed' } }] }));
});

test('forwards and DND: stored; a loop through forwards and a fallback refused with its path at each node', () => {
  const errs = problems(
    spec({
      extensions: [
        { ext: '1001', name: 'Alice', password: 'alice-1001-secret', forward: { busy: { type: 'ringGroup', name: 'sales' } } },
        { ext: '1002', name: 'Bob', password: 'bob-1002-secret', forward: { noAnswer: { to: { type: 'extension', ext: '1002' } } } },
      ],
      ringGroups: [{ name: 'sales', strategy: 'simultaneous', members: ['1002'], ringSeconds: 20, fallback: { type: 'extension', ext: '1001' } }],
    }),
  );
  assert.equal(errs, [
    'extensions[1].forward.noAnswer.to: 1002 cannot forward to itself',
    'ringGroups[0].fallback: the destinations loop: ringGroup:sales -> ext:1001 -> ringGroup:sales',
    'extensions[0].forward: the destinations loop: ringGroup:sales -> ext:1001 -> ringGroup:sales',
  ]);

  applyTenant(
    deps,
    spec({
      extensions: [
        { ext: '1001', name: 'Alice', password: 'alice-1001-secret', dnd: true, forward: { noAnswer: { to: { type: 'voicemail', box: '1001' }, after: 15 }, unavailable: { type: 'number', number: '+4930555' } } },
        { ext: '1002', name: 'Bob', password: 'bob-1002-secret' },
      ],
    }),
  );
  const s = store('acme');
  assert.equal(s.callHandling.get('1001'), { dnd: true, noAnswer: { to: { type: 'voicemail', box: '1001' }, afterSeconds: 15 }, unavailable: { type: 'number', number: '+4930555' } });
  assert.equal(s.callHandling.get('1002'), { dnd: false });
  const exported = exportTenantSpec(sys, s, 'acme');
  assert.equal(exported.extensions[0]!.forward, { noAnswer: { to: { type: 'voicemail', box: '1001' }, after: 15 }, unavailable: { type: 'number', number: '+4930555' } });
  assert.is(exported.extensions[0]!.dnd, true);
});

test('what a phone set survives a re-apply of the same file, and gives way when the file changes what it says for that extension', () => {
  const file = spec({ extensions: [{ ext: '1001', name: 'Alice', password: 'alice-1001-secret', forward: { busy: { type: 'voicemail', box: '1001' } } }, { ext: '1002', name: 'Bob', password: 'bob-1002-secret' }] });
  applyTenant(deps, file);
  const s = store('acme');
  // *72 from 1001 and *78 from 1002 (the store calls the feature-code apps make).
  s.callHandling.set('1001', { dnd: false, busy: { type: 'voicemail', box: '1001' }, always: { type: 'extension', ext: '1002' } }, clock.now());
  s.callHandling.set('1002', { dnd: true }, clock.now());
  assert.is(applyTenant(deps, file).changed, false, 'a restart re-applies the same file: nothing changes');
  assert.equal(s.callHandling.get('1001').always, { type: 'extension', ext: '1002' });
  assert.is(s.callHandling.get('1002').dnd, true);
  const edited = { ...file, extensions: [{ ...file.extensions[0]!, forward: { busy: { type: 'hangup' as const } } }, file.extensions[1]!] };
  assert.is(applyTenant(deps, edited).changed, true);
  assert.equal(s.callHandling.get('1001'), { dnd: false, busy: { type: 'hangup' } }, 'the file said something new for 1001');
  assert.is(s.callHandling.get('1002').dnd, true, '1002 is untouched: the file still says nothing for it');
  // An extension removed from the file takes its settings with it.
  applyTenant(deps, { ...edited, extensions: [edited.extensions[0]!] });
  assert.equal(s.callHandling.list().has('1002'), false);
});

test('feature codes: stored as settings, read back as a table, exported; conflicts refused at featureCodes.<id>', () => {
  applyTenant(deps, spec({ featureCodes: { forwardOn: '*21', dndOn: false, recordToggle: '*5' } }));
  const s = store('acme');
  const table = featureCodeTableOf(s);
  assert.is(table.find((e) => e.id === 'forwardOn')!.code, '*21');
  assert.is(table.find((e) => e.id === 'dndOn')!.code, null);
  assert.is(table.find((e) => e.id === 'recordToggle')!.code, '*5');
  assert.is(s.getSetting('featureCodes.recordToggle'), '*5', 'the setting the B2BUA reads for recordToggle is kept');
  assert.equal(exportTenantSpec(sys, s, 'acme').featureCodes, { forwardOn: '*21', dndOn: false, recordToggle: '*5' });
  assert.equal(problems(spec({ featureCodes: { dndOn: '*97' } })), ['featureCodes.dndOn: *97 is the code of both voicemail and dndOn']);
  applyTenant(deps, spec());
  assert.is(featureCodeTableOf(s).find((e) => e.id === 'dndOn')!.code, '*78', 'a key left out of the file goes back to its default');
});

test('migration 7 keeps the ring groups and inbound routes of an older store and accepts the new kinds', () => {
  const folder = join(dir, 'tenants', 'old');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'tenant.sqlite');
  const db = new Database(file);
  applyMigrations(db, TENANT_MIGRATIONS.slice(0, 6));
  db.prepare("INSERT INTO extensions (ext, name, ha1_md5, ha1_sha256, realm, updated_at) VALUES ('1001', 'A', 'x', 'y', 'old.example', 1)").run();
  db.prepare("INSERT INTO ring_groups (name, position, strategy, ring_seconds, fallback_type, fallback_target, updated_at) VALUES ('g', 0, 'simultaneous', 20, 'hangup', NULL, 1)").run();
  db.prepare("INSERT INTO ring_group_members (ring_group, position, ext) VALUES ('g', 0, '1001')").run();
  db.prepare("INSERT INTO inbound_routes (did, position, dest_type, dest_target, updated_at) VALUES ('*', 0, 'ringGroup', 'g', 1)").run();
  assert.throws(() => db.prepare("INSERT INTO inbound_routes (did, position, dest_type, dest_target, updated_at) VALUES ('+1', 1, 'ivr', 'm', 1)").run());
  db.close();
  writeFileSync(join(folder, '.keep'), '');
  const s = store('old');
  const plan = s.getRoutingPlan();
  assert.equal(plan.ringGroups, [{ name: 'g', strategy: 'simultaneous', members: ['1001'], ringSeconds: 20, fallback: { type: 'hangup' } }]);
  assert.equal(plan.inboundRoutes, [{ did: '*', destination: { type: 'ringGroup', name: 'g' } }]);
  const raw = new Database(file);
  raw.prepare("INSERT INTO inbound_routes (did, position, dest_type, dest_target, updated_at) VALUES ('+1', 1, 'ivr', 'm', 1)").run();
  assert.equal(raw.pragma('foreign_key_check'), []);
  raw.close();
});

test.run();
