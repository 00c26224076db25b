import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { specProblemsAt } from './spec-positions.js';

const text = ['id: acme', 'domains:', '  - acme.example', '  - globex.example', 'dids: [ "+14155550100", "+14155550101" ]', 'extensions:', '  - { ext: "1001", password: "alice-secret" }', ''].join('\n');

test('a problem found after decoding is placed at its node: file:line:col', () => {
  const e = specProblemsAt(text, 'tenants/acme.yaml', [
    { path: 'dids[1]', message: '+14155550101 belongs to tenant globex' },
    { path: 'domains[1]', message: 'globex.example belongs to tenant globex' },
    { path: 'extensions[0].password', message: 'too weak' },
  ]);
  assert.equal(e.errors.map((x) => x.message), [
    'tenants/acme.yaml:4:5: domains[1]: globex.example belongs to tenant globex',
    'tenants/acme.yaml:5:25: dids[1]: +14155550101 belongs to tenant globex',
    'tenants/acme.yaml:7:30: extensions[0].password: too weak',
  ]);
});

test('a path that is not in the file lands at the deepest node on its way', () => {
  const e = specProblemsAt(text, 'acme.yaml', [{ path: 'extensions[0].ha1.realm', message: 'x' }, { path: 'limits.calls', message: 'y' }, { path: '', message: 'z' }]);
  assert.equal(e.errors.map((x) => x.message), ['acme.yaml:1:1: limits.calls: y', 'acme.yaml:1:1: z', 'acme.yaml:7:5: extensions[0].ha1.realm: x']);
});

test.run();
