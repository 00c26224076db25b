import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { callersCsv, calleesCsv, makeCallData } from './data.mjs';

test('callers and callees are disjoint, in the same tenant, and the load is spread over tenants', () => {
  const { users, pairs } = makeCallData(3, 4);
  assert.is(users.length, 24);
  assert.is(pairs.length, 12);
  const callers = new Set(pairs.map((p) => `${p.caller.ext}@${p.caller.domain}`));
  const callees = new Set(pairs.map((p) => `${p.callee.ext}@${p.callee.domain}`));
  assert.is(callers.size, 12);
  assert.is(callees.size, 12);
  for (const c of callers) assert.not.ok(callees.has(c));
  for (const p of pairs) assert.is(p.caller.tenant, p.callee.tenant);
  assert.equal(pairs.slice(0, 3).map((p) => p.caller.tenant), ['t000', 't001', 't002']);
});

test('injection files carry the auth keyword and the callee as user@domain', () => {
  const { pairs } = makeCallData(1, 1);
  const [head, row] = callersCsv(pairs, () => ['40000']).trim().split('\n');
  assert.is(head, 'SEQUENTIAL');
  const f = row.split(';');
  assert.is(f.length, 6);
  assert.is(f[3], `[authentication username=${f[0]} password=${f[2]}]`);
  assert.is(f[4], '1001@t000.bench');
  assert.is(f[5], '40000');
  assert.match(calleesCsv(pairs, '127.0.0.1:5072'), /^SEQUENTIAL\n1001;t000\.bench;[0-9a-f]{16};\[authentication username=1001 password=[0-9a-f]{16}\];127\.0\.0\.1:5072;3600\n$/);
});

test.run();
