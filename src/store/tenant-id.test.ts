import { join, resolve, sep } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidTenantIdError } from '../model/tenant-errors.js';
import { assertTenantId, isValidTenantId, tenantDbFile, tenantDir } from './tenant-id.js';

const dataDir = join('/srv', 'pbx-data');

test('accepts lowercase ids of 1 to 63 characters', () => {
  for (const id of ['a', '0', 'acme', 'acme-corp', 'a1-b2', 'x'.repeat(63), '9-'.padEnd(63, 'z')]) {
    assert.ok(isValidTenantId(id), id);
    assert.is(assertTenantId(id), id);
  }
});

test('refuses traversal attempts and anything outside the pattern', () => {
  const bad: unknown[] = [
    '',
    '..',
    '../x',
    '../../etc/passwd',
    'a/b',
    'a\\b',
    '/abs',
    'acme\0',
    'ac\0me',
    'Acme',
    'ACME',
    'x'.repeat(64),
    '-acme',
    'acme.example',
    'acme\n',
    ' acme',
    'acme ',
    'ac me',
    'acme%2f..',
    undefined,
    null,
    42,
    ['acme'],
  ];
  for (const id of bad) {
    assert.not.ok(isValidTenantId(id), JSON.stringify(id));
    assert.throws(() => assertTenantId(id), (e: unknown) => e instanceof InvalidTenantIdError, JSON.stringify(id));
  }
});

test('tenantDir validates before joining, so no path ever leaves <dataDir>/tenants', () => {
  assert.is(tenantDir(dataDir, 'acme'), join(dataDir, 'tenants', 'acme'));
  assert.is(tenantDbFile(dataDir, 'acme'), join(dataDir, 'tenants', 'acme', 'tenant.sqlite'));
  for (const id of ['../x', 'a/b', '', 'acme\0', 'Acme', 'x'.repeat(64), '..']) {
    assert.throws(() => tenantDir(dataDir, id), (e: unknown) => e instanceof InvalidTenantIdError, id);
    assert.throws(() => tenantDbFile(dataDir, id), (e: unknown) => e instanceof InvalidTenantIdError, id);
  }
  const dir = resolve(tenantDir(dataDir, 'globex'));
  assert.ok(dir.startsWith(resolve(dataDir, 'tenants') + sep));
});

test('the error names the id without echoing unbounded input', () => {
  const err = new InvalidTenantIdError('../' + 'a'.repeat(10_000));
  assert.ok(err.message.length < 200);
  assert.ok(err.message.includes('../'));
});

test.run();
