import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { SystemStore } from './system-store.js';
import { DidConflictError, DomainConflictError, InvalidTenantIdError, TenantSpecError } from '../model/tenant-errors.js';

let dir = '';
let clock: FakeClock;
let sys: SystemStore;
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-system-'));
  clock = new FakeClock(1_700_000_000_000);
  sys = SystemStore.open(dir, { clock });
});
test.after.each(() => {
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

test('upsertTenant creates, updates only on change, and keeps created_at', () => {
  assert.equal(sys.upsertTenant({ id: 'acme', name: 'Acme', limits: { calls: 10 } }), { created: true, changed: true });
  clock.advance(1000);
  assert.equal(sys.upsertTenant({ id: 'acme', name: 'Acme', limits: { calls: 10 } }), { created: false, changed: false });
  assert.is(sys.getTenant('acme')!.updatedAt, 1_700_000_000_000, 'no-op upsert leaves updated_at');
  assert.equal(sys.upsertTenant({ id: 'acme', name: 'Acme Corp' }), { created: false, changed: true });
  const t = sys.getTenant('acme')!;
  assert.is(t.name, 'Acme Corp');
  assert.equal(t.limits, { calls: 10 }, 'limits kept when omitted');
  assert.is(t.status, 'active');
  assert.is(t.createdAt, 1_700_000_000_000);
  assert.is(t.updatedAt, 1_700_000_001_000);
  assert.is(sys.getTenant('globex'), undefined);
});

test('refuses invalid tenant ids', () => {
  for (const id of ['../x', 'A', '', 'a/b']) {
    assert.throws(() => sys.upsertTenant({ id, name: 'x' }), (e: unknown) => e instanceof InvalidTenantIdError);
    assert.throws(() => sys.setTenantDomains(id, []), (e: unknown) => e instanceof InvalidTenantIdError);
  }
  assert.equal(sys.listTenants(), []);
});

test('setTenantDomains keeps order, normalizes, and reports what changed', () => {
  sys.upsertTenant({ id: 'acme', name: 'Acme' });
  assert.equal(sys.setTenantDomains('acme', ['Acme.Example', 'sip.acme.example.', '10.0.0.1']), {
    added: ['acme.example', 'sip.acme.example', '10.0.0.1'],
    removed: [],
  });
  assert.equal(sys.getTenant('acme')!.domains, ['acme.example', 'sip.acme.example', '10.0.0.1']);
  assert.equal(sys.setTenantDomains('acme', ['sip.acme.example', 'acme.example']), { added: [], removed: ['10.0.0.1'] });
  assert.equal(sys.getTenantDomains('acme'), ['sip.acme.example', 'acme.example'], 'primary changed');
  assert.is(sys.domainOwner('ACME.example'), 'acme');
  assert.is(sys.domainOwner('10.0.0.1'), undefined);
  assert.is(sys.domainOwner('not a domain'), undefined);
});

test('a domain owned by another tenant is an error and changes nothing', () => {
  sys.upsertTenant({ id: 'acme', name: 'Acme' });
  sys.upsertTenant({ id: 'globex', name: 'Globex' });
  sys.setTenantDomains('acme', ['acme.example']);
  sys.setTenantDomains('globex', ['globex.example']);
  assert.throws(
    () => sys.setTenantDomains('globex', ['globex2.example', 'ACME.example']),
    (e: unknown) => e instanceof DomainConflictError && e.domain === 'acme.example' && e.owner === 'acme',
  );
  assert.equal(sys.getTenantDomains('globex'), ['globex.example']);
  assert.equal(sys.getTenantDomains('acme'), ['acme.example']);
  assert.is(sys.domainOwner('globex2.example'), undefined);
});

test('invalid or repeated domains are refused whole', () => {
  sys.upsertTenant({ id: 'acme', name: 'Acme' });
  sys.setTenantDomains('acme', ['acme.example']);
  assert.throws(
    () => sys.setTenantDomains('acme', ['ok.example', '../etc', 'OK.example']),
    (e: unknown) => e instanceof TenantSpecError && e.problems.map((p) => p.path).join() === 'domains[1],domains[2]',
  );
  assert.equal(sys.getTenantDomains('acme'), ['acme.example']);
});

test('disableTenant releases domains and keeps the row; removeTenant deletes it', () => {
  sys.upsertTenant({ id: 'acme', name: 'Acme' });
  sys.setTenantDomains('acme', ['acme.example']);
  assert.ok(sys.disableTenant('acme'));
  assert.not.ok(sys.disableTenant('acme'), 'already disabled');
  assert.is(sys.getTenant('acme')!.status, 'disabled');
  assert.is(sys.domainOwner('acme.example'), undefined);
  assert.equal(sys.listTenants({ status: 'active' }), []);
  assert.equal(sys.listTenants({ status: 'disabled' }).map((t) => t.id), ['acme']);
  sys.upsertTenant({ id: 'globex', name: 'Globex' });
  sys.setTenantDomains('globex', ['acme.example']);
  assert.is(sys.domainOwner('acme.example'), 'globex', 'a released domain can be claimed');
  assert.ok(sys.removeTenant('globex'));
  assert.is(sys.getTenant('globex'), undefined);
  assert.is(sys.domainOwner('acme.example'), undefined, 'domains go with the tenant');
  assert.not.ok(sys.removeTenant('nobody'));
});

test('listTenants groups domains per tenant, ordered by id', () => {
  for (const id of ['globex', 'acme', 'initech']) {
    sys.upsertTenant({ id, name: id.toUpperCase() });
    sys.setTenantDomains(id, [`${id}.example`, `sip.${id}.example`]);
  }
  const all = sys.listTenants();
  assert.equal(all.map((t) => t.id), ['acme', 'globex', 'initech']);
  assert.equal(all[1]!.domains, ['globex.example', 'sip.globex.example']);
});

test('data persists across close and reopen; the file is WAL with a busy timeout', () => {
  sys.upsertTenant({ id: 'acme', name: 'Acme', limits: { calls: 5, registrations: 20 } });
  sys.setTenantDomains('acme', ['acme.example']);
  sys.close();
  sys = SystemStore.open(dir, { clock });
  const t = sys.getTenant('acme')!;
  assert.equal(t.domains, ['acme.example']);
  assert.equal(t.limits, { calls: 5, registrations: 20 });
  const raw = new Database(join(dir, 'system.sqlite'));
  assert.is(raw.pragma('journal_mode', { simple: true }), 'wal');
  raw.close();
});

test('revision() changes on its own writes and on writes by another connection', () => {
  const r0 = sys.revision();
  assert.is(sys.revision(), r0, 'stable while nothing changes');
  sys.upsertTenant({ id: 'acme', name: 'Acme' });
  const r1 = sys.revision();
  assert.is.not(r1, r0);
  const other = SystemStore.open(dir, { clock });
  other.upsertTenant({ id: 'globex', name: 'Globex' });
  other.close();
  assert.is.not(sys.revision(), r1);
  assert.ok(sys.getTenant('globex'));
});

test('setTenantDids keeps order, writes only the difference, and reports what changed', () => {
  sys.upsertTenant({ id: 'acme', name: 'Acme' });
  assert.equal(sys.setTenantDids('acme', ['+14155550100', '+14155550101']), { added: ['+14155550100', '+14155550101'], removed: [] });
  assert.equal(sys.setTenantDids('acme', ['+14155550100', '+14155550101']), { added: [], removed: [] });
  const rev = sys.revision();
  assert.equal(sys.setTenantDids('acme', ['+14155550102', '+14155550101']), { added: ['+14155550102'], removed: ['+14155550100'] });
  assert.is.not(sys.revision(), rev);
  assert.equal(sys.getTenantDids('acme'), ['+14155550102', '+14155550101']);
  assert.equal(sys.setTenantDids('acme', ['+14155550101', '+14155550102']), { added: [], removed: [] }, 'a reorder adds and removes nothing');
  assert.equal(sys.getTenant('acme')!.dids, ['+14155550101', '+14155550102']);
  assert.equal(sys.setTenantDids('acme', []), { added: [], removed: ['+14155550101', '+14155550102'] });
  assert.equal(sys.getTenantDids('acme'), []);
  assert.throws(() => sys.setTenantDids('nobody', ['+14155550100']), /does not exist/);
});

test('didOwner normalises what a carrier sends; unknown and malformed numbers have no owner', () => {
  sys.upsertTenant({ id: 'acme', name: 'Acme' });
  sys.setTenantDids('acme', ['+14155550100']);
  for (const n of ['+14155550100', '14155550100', '+1 (415) 555-0100', '+1-415-555-0100', '+14155550100;npdi']) assert.is(sys.didOwner(n), 'acme', n);
  for (const n of ['+14155550199', '4155550100', '', 'acme', '+1415555010x', '0'.repeat(100)]) assert.is(sys.didOwner(n), undefined, n);
});

test("a DID owned by another tenant is an error and changes nothing; bad lists are refused whole", () => {
  sys.upsertTenant({ id: 'acme', name: 'Acme' });
  sys.upsertTenant({ id: 'globex', name: 'Globex' });
  sys.setTenantDids('acme', ['+14155550100']);
  sys.setTenantDids('globex', ['+442071838750']);
  assert.throws(
    () => sys.setTenantDids('globex', ['+442071838751', '+14155550100']),
    (e: unknown) => e instanceof DidConflictError && e.number === '+14155550100' && e.owner === 'acme' && e.tenantId === 'globex',
  );
  assert.equal(sys.getTenantDids('globex'), ['+442071838750']);
  assert.is(sys.didOwner('+442071838751'), undefined);
  assert.throws(
    () => sys.setTenantDids('globex', ['+442071838750', '4155550100', '+442071838750']),
    (e: unknown) => e instanceof TenantSpecError && e.problems.map((p) => p.path).join() === 'dids[1],dids[2]',
  );
  assert.equal(sys.getTenantDids('globex'), ['+442071838750']);
});

test('disableTenant releases DIDs as it does domains; removeTenant deletes them', () => {
  sys.upsertTenant({ id: 'acme', name: 'Acme' });
  sys.setTenantDids('acme', ['+14155550100']);
  assert.ok(sys.disableTenant('acme'));
  assert.is(sys.didOwner('+14155550100'), undefined);
  assert.equal(sys.getTenant('acme')!.dids, []);
  sys.upsertTenant({ id: 'globex', name: 'Globex' });
  sys.setTenantDids('globex', ['+14155550100']);
  assert.is(sys.didOwner('+14155550100'), 'globex', 'a released DID can be claimed');
  assert.equal(sys.listTenants().map((t) => [t.id, t.dids]), [['acme', []], ['globex', ['+14155550100']]]);
  assert.ok(sys.removeTenant('globex'));
  assert.is(sys.didOwner('+14155550100'), undefined, 'DIDs go with the tenant');
});

test.run();
