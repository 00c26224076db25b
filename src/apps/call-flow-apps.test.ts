import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyTenant } from '../tenant/apply-tenant.js';
import { readOverride } from '../store/call-flows-store.js';
import { SystemStore } from '../store/system-store.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { TenantSpec } from '../tenant/tenant-spec.js';
import { SqliteTenantStore } from '../store/tenant-store.js';
import { FakeClock } from '../util/fake-clock.js';
import { callFlowApps } from './call-flow-apps.js';
import { FakeAppChannel } from './fake-app-channel.js';

let dir = '';
let sys: SystemStore;
const opened: SqliteTenantStore[] = [];
const utc = (iso: string) => Date.parse(`${iso}Z`);

function spec(id: string, ext: string, zone: string, ivr: string, tc: string): TenantSpec {
  return {
    id,
    name: id,
    domains: [`${id}.example`],
    limits: {},
    extensions: [{ ext, name: 'x', password: 'secret-pass-word' }],
    timezone: zone,
    schedules: [{ name: 'office', weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }], holidays: [] }],
    timeConditions: [{ name: tc, schedule: 'office', open: { type: 'ivr', name: ivr }, closed: { type: 'voicemail', box: ext } }],
    ivrs: [{ name: ivr, greeting: 'welcome', options: { '1': { type: 'extension', ext } }, directDial: false, interDigitSeconds: 3, timeoutSeconds: 10, retries: 2, invalidPrompt: 'invalid-option' }],
  };
}

function tenant(id: string): TenantContext {
  const store = SqliteTenantStore.open(dir, id);
  opened.push(store);
  return { id, name: id, status: 'active', realm: `${id}.example`, domains: [`${id}.example`], limits: {}, store };
}

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-flowapps-'));
  const clock = new FakeClock();
  sys = SystemStore.open(dir, { clock });
  applyTenant({ system: sys, dataDir: dir, clock }, spec('acme', '1001', 'Europe/Berlin', 'main', 'office-hours'));
  applyTenant({ system: sys, dataDir: dir, clock }, spec('globex', '2001', 'America/New_York', 'gmain', 'g-hours'));
});
test.after.each(() => {
  for (const s of opened.splice(0)) s.close();
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a time condition routes by the tenant\'s zone across the DST change, with an injected clock', () => {
  const apps = callFlowApps({ clock: new FakeClock() });
  const acme = tenant('acme');
  const globex = tenant('globex');
  // Monday 2026-03-30, the day after Berlin's change; New York changed on 2026-03-08.
  const clock = new FakeClock(utc('2026-03-30T06:59:00'));
  assert.equal(apps.timeCondition(acme, 'office-hours', clock.now()), { type: 'voicemail', box: '1001' }, '08:59 CEST');
  clock.advance(60_000);
  assert.equal(apps.timeCondition(acme, 'office-hours', clock.now()), { type: 'ivr', name: 'main' }, '09:00 CEST');
  // The same instant is 03:00 in New York: closed there.
  assert.equal(apps.timeCondition(globex, 'g-hours', clock.now()), { type: 'voicemail', box: '2001' });
  clock.advanceTo(utc('2026-03-30T13:00:00'));
  assert.equal(apps.timeCondition(globex, 'g-hours', clock.now()), { type: 'ivr', name: 'gmain' }, '09:00 EDT');
  // A week before, Berlin was still on CET: 09:00 was 08:00 UTC.
  assert.equal(apps.timeCondition(acme, 'office-hours', utc('2026-03-23T07:30:00')), { type: 'voicemail', box: '1001' }, '08:30 CET');
  assert.equal(apps.timeCondition(acme, 'office-hours', utc('2026-03-23T08:00:00')), { type: 'ivr', name: 'main' }, '09:00 CET');
});

test('isolation: a tenant reaches only its own menus and conditions by name', () => {
  const apps = callFlowApps({ clock: new FakeClock() });
  const acme = tenant('acme');
  assert.ok(apps.ivr(acme, 'main'));
  assert.is(apps.ivr(acme, 'gmain'), undefined, "globex's menu");
  assert.is(apps.timeCondition(acme, 'g-hours', Date.now()), undefined, "globex's condition");
  assert.is(apps.ivr(tenant('globex'), 'main'), undefined, "acme's menu");
});

test('the toggle feature code cycles auto -> open -> closed -> auto for the caller\'s tenant only', async () => {
  const clock = new FakeClock(utc('2026-03-29T10:00:00')); // a Sunday: closed by schedule
  const apps = callFlowApps({ clock });
  const acme = tenant('acme');
  const globex = tenant('globex');
  const said: string[][] = [];
  for (const expected of ['open', 'closed', 'auto'] as const) {
    const ch = new FakeAppChannel(acme, clock, new Set(['activated', 'deactivated', 'thank-you']));
    await apps.timeConditionToggle(acme, '1').run(ch);
    assert.is(readOverride(acme.store, 'office-hours'), expected);
    assert.is(ch.hungUpWith, 'normal');
    said.push(...ch.played);
    if (expected === 'open') assert.equal(apps.timeCondition(acme, 'office-hours', clock.now()), { type: 'ivr', name: 'main' }, 'forced open on a Sunday');
    if (expected === 'closed') assert.equal(apps.timeCondition(acme, 'office-hours', utc('2026-03-30T10:00:00')), { type: 'voicemail', box: '1001' }, 'forced closed on a Monday');
  }
  assert.equal(said, [['/prompts/activated.wav'], ['/prompts/deactivated.wav'], ['/prompts/thank-you.wav']]);
  assert.is(readOverride(globex.store, 'g-hours'), 'auto', 'the other tenant is untouched');
  const audit = acme.store.listAudit().filter((a) => a.action === 'timeCondition.override');
  assert.is(audit.length, 3);

  const bad = new FakeAppChannel(acme, clock);
  await apps.timeConditionToggle(acme, '2').run(bad);
  assert.equal(bad.played, [['/prompts/invalid-option.wav']], 'acme has one condition');
});

test('the IVR app from the port runs the stored menu of the tenant', async () => {
  const clock = new FakeClock();
  const apps = callFlowApps({ clock });
  const acme = tenant('acme');
  const ch = new FakeAppChannel(acme, clock);
  const done = apps.ivr(acme, 'main')!.run(ch);
  await new Promise<void>((r) => setImmediate(r));
  ch.press('1');
  await done;
  assert.equal(ch.continued?.d, { type: 'extension', ext: '1001' });
});

test.run();
