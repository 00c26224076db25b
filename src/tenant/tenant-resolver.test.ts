import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant, disableTenantsNotIn, type ApplyDeps } from './apply-tenant.js';
import type { BindingRow } from '../store/binding-row.js';
import { TenantStorePool } from '../store/store-pool.js';
import { SystemStore } from '../store/system-store.js';
import { TenantResolver } from './tenant-resolver.js';
import type { TenantSpec } from './tenant-spec.js';

let dir = '';
let sys: SystemStore;
let pool: TenantStorePool;
let resolver: TenantResolver;
let deps: ApplyDeps;

const DIDS: Record<string, string[]> = { acme: ['+14155550100', '+14155550101'], globex: ['+442071838750'] };

const spec = (id: string, domains: string[], ext = '1001', dids = DIDS[id] ?? []): TenantSpec => ({
  id,
  name: `${id} Inc`,
  domains,
  limits: { calls: 3 },
  extensions: [{ ext, name: `${id} user`, password: `${id}-pass-word` }],
  dids,
});

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-resolver-'));
  sys = SystemStore.open(dir);
  pool = new TenantStorePool({ dataDir: dir, clock: new FakeClock() });
  resolver = new TenantResolver({ system: sys, pool, recheckMs: 0 });
  deps = { system: sys, dataDir: dir };
  applyTenant(deps, spec('acme', ['acme.example', 'sip.acme.example', '192.0.2.10', '[2001:db8::10]']));
  applyTenant(deps, spec('globex', ['globex.example']));
});
test.after.each(() => {
  pool.closeAll();
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

test('resolves every domain of a tenant, case-insensitively, to one context', () => {
  const ctx = resolver.resolveDomain('ACME.Example')!;
  assert.is(ctx.id, 'acme');
  assert.is(ctx.name, 'acme Inc');
  assert.is(ctx.realm, 'acme.example');
  assert.equal(ctx.domains, ['acme.example', 'sip.acme.example', '192.0.2.10', '2001:db8::10']);
  assert.equal(ctx.limits, { calls: 3 });
  assert.is(resolver.resolveDomain('sip.acme.example'), ctx);
  assert.is(resolver.resolveDomain('acme.example.'), ctx);
  assert.is(resolver.resolveDomain('192.0.2.10'), ctx);
  assert.is(resolver.resolveDomain('[2001:DB8:0::10]'), ctx);
  assert.is(resolver.resolveDomain('2001:db8::10'), ctx);
  assert.is(resolver.resolveDomain('globex.example')!.id, 'globex');
  assert.is(resolver.getTenant('globex')!.realm, 'globex.example');
});

test('unknown or malformed hosts resolve to undefined', () => {
  for (const h of ['initech.example', 'example', '192.0.2.11', '', '../acme', 'acme.example:5060', 'x.acme.example', 'acme.example\0']) {
    assert.is(resolver.resolveDomain(h), undefined, JSON.stringify(h));
  }
  assert.is(resolver.getTenant('initech'), undefined);
});

test("a context's store reaches only its own tenant", () => {
  const a = resolver.resolveDomain('acme.example')!;
  const g = resolver.resolveDomain('globex.example')!;
  const row: BindingRow = {
    aor: '1001',
    contact: 'sip:1001@10.0.0.1',
    callId: 'c',
    cseq: 1,
    expiresAt: 2_000_000_000_000,
    source: { protocol: 'udp', address: '10.0.0.1', port: 5060, localAddress: '127.0.0.1', localPort: 5060 },
    updatedAt: 1,
  };
  a.store.replaceBindings('1001', [row]);
  assert.equal(g.store.getBindings('1001'), []);
  assert.is(a.store.getExtension('1001')!.realm, 'acme.example');
  assert.is(g.store.getExtension('1001')!.realm, 'globex.example');
  assert.is(a.store.tenantId, 'acme');
});

test('an apply that moves domains is seen at the next lookup', () => {
  assert.is(resolver.resolveDomain('acme.example')!.id, 'acme');
  applyTenant(deps, spec('acme', ['sip.acme.example']));
  applyTenant(deps, spec('globex', ['globex.example', 'acme.example']));
  assert.is(resolver.resolveDomain('acme.example')!.id, 'globex');
  assert.is(resolver.resolveDomain('sip.acme.example')!.realm, 'sip.acme.example');
  assert.is(resolver.resolveDomain('192.0.2.10'), undefined);
});

test('a disabled tenant stops resolving; re-applying brings it back', () => {
  disableTenantsNotIn(sys, ['globex']);
  assert.is(resolver.resolveDomain('acme.example'), undefined);
  assert.is(resolver.getTenant('acme'), undefined);
  applyTenant(deps, spec('acme', ['acme.example']));
  assert.is(resolver.resolveDomain('acme.example')!.id, 'acme');
});

test('changes made by another connection (another process) are picked up', () => {
  assert.ok(resolver.resolveDomain('globex.example'));
  const other = SystemStore.open(dir);
  other.disableTenant('globex');
  other.close();
  assert.is(resolver.resolveDomain('globex.example'), undefined);
});

test("resolveDid: each tenant's DIDs resolve to it, in any form a carrier sends; unknown numbers to undefined", () => {
  const acme = resolver.resolveDomain('acme.example')!;
  const globex = resolver.resolveDomain('globex.example')!;
  assert.is(resolver.resolveDid('+14155550100'), acme, 'the same context as by domain');
  assert.is(resolver.resolveDid('+14155550101'), acme);
  assert.is(resolver.resolveDid('14155550101'), acme);
  assert.is(resolver.resolveDid('+1 (415) 555-0101'), acme);
  assert.is(resolver.resolveDid('+14155550100;npdi'), acme);
  assert.is(resolver.resolveDid('+442071838750'), globex);
  assert.is(resolver.resolveDid('+44-20-7183-8750'), globex);
  for (const n of ['+14155550199', '4155550100', '02071838750', '', 'acme.example', '+', '1001', '+1'.padEnd(80, '5')]) {
    assert.is(resolver.resolveDid(n), undefined, JSON.stringify(n));
  }
});

test('an apply that moves a DID is seen at the next lookup; a disabled tenant stops resolving by DID', () => {
  assert.is(resolver.resolveDid('+14155550101')!.id, 'acme');
  applyTenant(deps, spec('acme', ['acme.example'], '1001', ['+14155550100']));
  assert.is(resolver.resolveDid('+14155550101'), undefined, 'released');
  applyTenant(deps, spec('globex', ['globex.example'], '1001', ['+442071838750', '+14155550101']));
  assert.is(resolver.resolveDid('+14155550101')!.id, 'globex');
  disableTenantsNotIn(sys, ['globex']);
  assert.is(resolver.resolveDid('+14155550100'), undefined);
  applyTenant(deps, spec('acme', ['acme.example'], '1001', ['+14155550100']));
  assert.is(resolver.resolveDid('+14155550100')!.id, 'acme');
});

test('DID changes made by another connection are picked up, after recheckMs', () => {
  const clock = new FakeClock();
  const slow = new TenantResolver({ system: sys, pool, clock, recheckMs: 1000 });
  assert.is(slow.resolveDid('+442071838750')!.id, 'globex');
  const other = SystemStore.open(dir);
  other.setTenantDids('globex', []);
  other.close();
  assert.is(slow.resolveDid('+442071838750')!.id, 'globex', 'the copy is kept for recheckMs');
  clock.advance(1000);
  assert.is(slow.resolveDid('+442071838750'), undefined);
});

test.run();
