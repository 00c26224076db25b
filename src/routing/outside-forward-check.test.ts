// The class-of-service check of forwards to outside numbers at apply time, through the real
// outbound router and a real tenant store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyTenant, type ApplyDeps } from '../tenant/apply-tenant.js';
import { SystemStore } from '../store/system-store.js';
import { TenantSpecError } from '../model/tenant-errors.js';
import type { TenantSpec } from '../tenant/tenant-spec.js';
import { SqliteTenantStore } from '../store/tenant-store.js';
import { FakeClock } from '../util/fake-clock.js';
import { outsideForwardCheck } from './outside-forward-check.js';

let dir = '';
let sys: SystemStore;
let deps: ApplyDeps;
const clock = new FakeClock(1_700_000_000_000);

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-fwd-cos-'));
  sys = SystemStore.open(dir, { clock });
  deps = { system: sys, dataDir: dir, clock };
});
test.after.each(() => {
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

function spec(over: Partial<TenantSpec>): TenantSpec {
  return { id: 'acme', name: 'acme', domains: ['acme.example'], limits: {}, countryCode: '49', extensions: [], ...over };
}

function problems(s: TenantSpec, d: ApplyDeps): string[] {
  try {
    applyTenant(d, s);
  } catch (e) {
    assert.instance(e, TenantSpecError);
    return (e as TenantSpecError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.unreachable('applied');
  return [];
}

function store(id: string): SqliteTenantStore {
  return SqliteTenantStore.open(dir, id);
}

test("a forward to an outside number the extension's class of service does not allow is refused at apply, at its path", () => {
  const d: ApplyDeps = { ...deps, outsideForward: outsideForwardCheck(() => ['112']) };
  const withForward = (cos: 'internal' | 'national', number: string) =>
    spec({
      nationalPrefix: '0',
      outboundRoutes: [{ name: 'out', patterns: ['0.'], trunks: ['carrier'] }],
      extensions: [{ ext: '1001', name: 'Alice', password: 'alice-1001-secret', classOfService: cos, forward: { noAnswer: { to: { type: 'number', number } } } }],
    });
  assert.equal(problems(withForward('internal', '030123456'), d), ['extensions[0].forward.noAnswer.to.number: 1001 may not forward to 030123456: class of service internal allows no outside calls']);
  assert.equal(problems(withForward('national', '0044207946000'), d), ['extensions[0].forward.noAnswer.to.number: 1001 may not forward to 0044207946000: class of service national does not allow international numbers']);
  applyTenant(d, withForward('national', '030123456'));
  const s = store('acme');
  assert.equal(s.callHandling.get('1001').noAnswer, { to: { type: 'number', number: '030123456' }, afterSeconds: 20 });
  s.close();
  assert.equal(problems(withForward('national', '112'), d), ['extensions[0].forward.noAnswer.to.number: 1001 may not forward to 112: an emergency number']);
});

test.run();
