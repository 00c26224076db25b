import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TenantContext } from '../tenant/tenant-context.js';
import { buildChallengeSnapshot } from './front-challenge-snapshot.js';

const tenant = (id: string, realm: string, status: 'active' | 'suspended', domains: string[]): TenantContext =>
  ({ id, name: id, status, realm, domains, limits: {}, store: {} as never }) as TenantContext;

const acme = tenant('acme', 'acme.example', 'active', ['acme.example', 'voice.acme.example']);
const globex = tenant('globex', 'globex.example', 'active', ['globex.example']);
const initech = tenant('initech', 'initech.example', 'suspended', ['initech.example']);

test("each domain that may be challenged gets its tenant's realm and offered algorithms; a suspended tenant and a tenant whose store is not open are left out", () => {
  const snap = buildChallengeSnapshot({
    domains: () => [
      ['acme.example', acme],
      ['voice.acme.example', acme],
      ['globex.example', globex],
      ['initech.example', initech],
    ],
    algorithmsOf: (t) => (t.id === 'acme' || t.id === 'initech' ? ['SHA-256', 'MD5'] : undefined),
    trustedEdges: () => ['10.0.0.0/8'],
    serverHeader: () => 'pbx/1',
  });
  assert.equal(snap, {
    domains: {
      'acme.example': { realm: 'acme.example', algorithms: ['SHA-256', 'MD5'] },
      'voice.acme.example': { realm: 'acme.example', algorithms: ['SHA-256', 'MD5'] },
    },
    trustedEdges: ['10.0.0.0/8'],
    serverHeader: 'pbx/1',
  });
});

test('no Server header configured: none in the snapshot', () => {
  const snap = buildChallengeSnapshot({ domains: () => [], algorithmsOf: () => undefined, trustedEdges: () => [], serverHeader: () => undefined });
  assert.equal(snap, { domains: {}, trustedEdges: [] });
});

test.run();
