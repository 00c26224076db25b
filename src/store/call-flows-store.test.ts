import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant, type ApplyDeps } from '../tenant/apply-tenant.js';
import { CALL_FLOWS_SETTING, readCallFlows, readOverride, writeOverride } from './call-flows-store.js';
import { exportTenantSpec } from '../tenant/export-tenant.js';
import { SystemStore } from './system-store.js';
import { TenantSpecError } from '../model/tenant-errors.js';
import type { TenantSpec } from '../tenant/tenant-spec.js';
import { SqliteTenantStore } from './tenant-store.js';

let dir = '';
let sys: SystemStore;
let deps: ApplyDeps;
const opened: SqliteTenantStore[] = [];

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-flows-'));
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

const flows = {
  timezone: 'America/New_York',
  schedules: [{ name: 'office', weekly: [{ days: ['mon', 'tue'], from: '09:00', to: '17:00' }], holidays: [{ date: '2026-07-03' }] }],
  timeConditions: [{ name: 'hours', schedule: 'office', open: { ivr: 'main' }, closed: 'hangup' }],
  ivrs: [{ name: 'main', greeting: 'welcome', options: { '1': { extension: '1001' } } }],
};

function spec(id: string, over: Record<string, unknown> = {}): TenantSpec {
  return {
    id,
    name: id,
    domains: [`${id}.example`],
    limits: {},
    extensions: [{ ext: '1001', name: 'Alice', password: 'secret-pass-word' }],
    ...flows,
    ...over,
  } as unknown as TenantSpec;
}

test('apply stores the checked call flows; export gives them back', () => {
  const r = applyTenant(deps, spec('acme'));
  assert.ok(r.changed);
  const s = store('acme');
  const f = readCallFlows(s);
  assert.is(f.timezone, 'America/New_York');
  assert.equal(f.ivrs[0]!.options['1'], { type: 'extension', ext: '1001' });
  assert.equal(f.timeConditions[0]!.open, { type: 'ivr', name: 'main' });
  const out = exportTenantSpec(sys, s, 'acme');
  assert.equal(out.ivrs, f.ivrs);
  assert.equal(out.schedules, f.schedules);
  // The same spec again changes nothing.
  assert.not.ok(applyTenant(deps, spec('acme')).changed);
});

test('a bad document is refused with its paths and nothing changes', () => {
  applyTenant(deps, spec('acme'));
  const before = store('acme').getSetting(CALL_FLOWS_SETTING);
  const bad = spec('acme', {
    timezone: 'Atlantis/Capital',
    ivrs: [{ name: 'main', greeting: 'welcome', options: { '1': { ivr: 'main' } } }],
    schedules: [{ name: 'office', weekly: [{ days: 'mon', from: '18:00', to: '09:00' }] }],
  });
  try {
    applyTenant(deps, bad);
    assert.unreachable('applied');
  } catch (e) {
    assert.instance(e, TenantSpecError);
    const paths = (e as TenantSpecError).problems.map((p) => p.path).sort();
    assert.equal(paths, ['schedules[0].weekly[0].to', 'timezone']);
  }
  // The circle is found once the rest is right.
  try {
    applyTenant(deps, spec('acme', { ivrs: [{ name: 'main', greeting: 'welcome', options: { '1': { ivr: 'main' } } }] }));
    assert.unreachable('applied');
  } catch (e) {
    assert.equal((e as TenantSpecError).problems, [{ path: 'ivrs[0].options.1', message: 'leads back in a circle: ivr main -> ivr main' }]);
  }
  assert.is(store('acme').getSetting(CALL_FLOWS_SETTING), before);
});

test('isolation: a menu of one tenant cannot name an extension or menu that only another tenant has', () => {
  applyTenant(deps, spec('globex', { extensions: [{ ext: '2001', name: 'G', password: 'secret-pass-word' }], ivrs: [{ name: 'gmain', greeting: 'welcome', options: {} }], timeConditions: [], schedules: [] }));
  try {
    applyTenant(deps, spec('acme', { ivrs: [{ name: 'main', greeting: 'welcome', options: { '1': { extension: '2001' }, '2': { ivr: 'gmain' } } }], timeConditions: [] }));
    assert.unreachable('applied');
  } catch (e) {
    assert.equal((e as TenantSpecError).problems.map((p) => p.path), ['ivrs[0].options.1.extension', 'ivrs[0].options.2.ivr']);
  }
  assert.equal(readCallFlows(store('acme')).ivrs, []);
});

test('overrides are kept per condition and survive a re-apply; auto clears', () => {
  applyTenant(deps, spec('acme'));
  const s = store('acme');
  assert.is(readOverride(s, 'hours'), 'auto');
  writeOverride(s, 'hours', 'closed');
  assert.is(readOverride(s, 'hours'), 'closed');
  applyTenant(deps, spec('acme', { name: 'Acme renamed' }));
  assert.is(readOverride(store('acme'), 'hours'), 'closed');
  writeOverride(s, 'hours', 'auto');
  assert.is(readOverride(s, 'hours'), 'auto');
});

test('a damaged stored document reads as none (never throws on the call path)', () => {
  applyTenant(deps, spec('acme'));
  const s = store('acme');
  s.setSetting(CALL_FLOWS_SETTING, '{not json');
  assert.equal(readCallFlows(s).ivrs, []);
  s.setSetting(CALL_FLOWS_SETTING, JSON.stringify({ ivrs: [{ name: 'x', greeting: 'welcome', options: { '1': { ivr: 'x' } } }] }));
  assert.equal(readCallFlows(s).ivrs, [], 'a stored circle is not trusted');
});

test('removing every flow removes the setting', () => {
  applyTenant(deps, spec('acme'));
  applyTenant(deps, spec('acme', { timezone: undefined, schedules: [], timeConditions: [], ivrs: [] }));
  assert.is(store('acme').getSetting(CALL_FLOWS_SETTING), undefined);
});

test.run();
