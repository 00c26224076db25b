import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeUsers } from '../../lib/tenant-data.mjs';
import { splitTenants } from './split-tenants.mjs';

test('whole tenants, round robin: equal shares, no tenant on two nodes, nobody lost', () => {
  const users = makeUsers(5, 3);
  const [a, b] = splitTenants(users, 2);
  assert.equal([...new Set(a.map((u) => u.tenant))], ['t000', 't002', 't004']);
  assert.equal([...new Set(b.map((u) => u.tenant))], ['t001', 't003']);
  assert.is(a.length + b.length, users.length);
});

test.run();
