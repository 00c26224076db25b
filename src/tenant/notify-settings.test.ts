// Webhooks and per-extension MWI modes through the tenant pipeline: validated, applied
// into the tenant's own store, read back by the services and exported as they were given.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant, type ApplyDeps } from './apply-tenant.js';
import { exportTenantSpec } from './export-tenant.js';
import { readMwiModes, validateMwiModes } from './mwi-spec.js';
import { SystemStore } from '../store/system-store.js';
import { TenantSpecError } from '../model/tenant-errors.js';
import type { TenantSpec } from './tenant-spec.js';
import { SqliteTenantStore } from '../store/tenant-store.js';
import { readWebhooks } from './webhook-spec.js';

const HOOK = { url: 'https://hooks.acme.example/pbx', secret: 'acme-webhook-secret-0123', events: ['voicemail.new'] };

function spec(id: string, over: Partial<TenantSpec> = {}): TenantSpec {
  return {
    id,
    name: id,
    domains: [`${id}.example`],
    limits: {},
    extensions: [
      { ext: '1001', name: 'A', password: 'secret-pass-word', voicemail: { mwi: 'unsolicited' } },
      { ext: '1002', name: 'B', password: 'secret-pass-word', voicemail: { mwi: 'subscribe' } },
      { ext: '1003', name: 'C', password: 'secret-pass-word' },
    ],
    ...over,
  };
}

let dir = '';
let sys: SystemStore;
let deps: ApplyDeps;
const opened: SqliteTenantStore[] = [];

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-notify-settings-'));
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

test('applied into the tenant\'s store, read back, exported the same; another tenant has none', () => {
  applyTenant(deps, spec('acme', { webhooks: [HOOK] }));
  applyTenant(deps, spec('globex', { extensions: [{ ext: '1001', name: 'G', password: 'secret-pass-word' }] }));
  const acme = store('acme');
  assert.equal(readWebhooks(acme), [HOOK]);
  assert.equal([...readMwiModes(acme)], [['1001', 'unsolicited']]);
  const globex = store('globex');
  assert.equal(readWebhooks(globex), []);
  assert.equal(readMwiModes(globex).size, 0);
  const out = exportTenantSpec(sys, acme, 'acme');
  assert.equal(out.webhooks, [HOOK]);
  assert.equal(out.extensions.map((e) => e.voicemail), [{ mwi: 'unsolicited' }, { mwi: 'subscribe' }, undefined]);
});

test('removed from the file: removed from the store', () => {
  applyTenant(deps, spec('acme', { webhooks: [HOOK] }));
  applyTenant(deps, spec('acme', { extensions: [{ ext: '1001', name: 'A', password: 'secret-pass-word' }] }));
  const acme = store('acme');
  assert.equal(readWebhooks(acme), []);
  assert.equal(readMwiModes(acme).size, 0);
});

test('bad values are refused with their path and change nothing', () => {
  applyTenant(deps, spec('acme', { webhooks: [HOOK] }));
  try {
    applyTenant(deps, spec('acme', { webhooks: [{ url: 'file:///etc/passwd', secret: 'x', events: [] }], extensions: [{ ext: '1001', name: 'A', password: 'secret-pass-word', voicemail: { mwi: 'always' as 'both' } }] }));
    assert.unreachable('applied');
  } catch (e) {
    assert.instance(e, TenantSpecError);
    const paths = (e as TenantSpecError).problems.map((p) => p.path);
    assert.ok(paths.includes('webhooks[0].url') && paths.includes('webhooks[0].secret') && paths.includes('extensions[0].voicemail.mwi'), paths.join(', '));
  }
  assert.equal(readWebhooks(store('acme')), [HOOK]);
});

test('validateMwiModes keeps only the modes that are not the default', () => {
  assert.equal(validateMwiModes([{ ext: '1', voicemail: { mwi: 'both' } }, { ext: '2', voicemail: { mwi: 'subscribe' } }], () => {}), { '1': 'both' });
  assert.is(validateMwiModes([{ ext: '1' }], () => {}), undefined);
});

test.run();
