import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DigestAuthenticator } from '../sip/auth/digest-authenticator.js';
import type { TenantStorePool } from '../store/store-pool.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { TenantResolver } from '../tenant/tenant-resolver.js';
import { frontChallenges } from './front-challenge-wiring.js';

const clock = { now: () => 0, setTimeout: () => ({}) as never, clearTimeout: () => {} };

test("a tenant's algorithms are read only from an open store, kept while it is closed again, and forgotten at a change", () => {
  let plan: { auth?: { algorithms: Array<'SHA-256' | 'MD5'> } } = { auth: { algorithms: ['SHA-256', 'MD5'] } };
  let reads = 0;
  const acme = {
    id: 'acme',
    status: 'active',
    realm: 'acme.example',
    domains: ['acme.example'],
    store: {
      getRoutingPlan: () => {
        reads++;
        return plan;
      },
    },
  } as unknown as TenantContext;
  let open = false;
  const c = frontChallenges({
    secret: Buffer.alloc(32, 1),
    epoch: 1,
    nonceTtlSeconds: 300,
    auth: new DigestAuthenticator({ secret: Buffer.alloc(32, 1), clock, nonceTtlSeconds: 300, algorithms: ['MD5'] }),
    resolver: { domainEntries: () => [['acme.example', acme]] } as unknown as TenantResolver,
    pool: { isOpen: () => open } as unknown as TenantStorePool,
    config: () => ({ sip: { trustedEdges: [] } }),
  });
  assert.equal(c.snapshot().domains, {}, 'store never opened: left out, and not opened for it');
  assert.is(reads, 0);
  open = true;
  assert.equal(c.snapshot().domains['acme.example'], { realm: 'acme.example', algorithms: ['SHA-256', 'MD5'] });
  open = false;
  assert.equal(c.snapshot().domains['acme.example']?.algorithms, ['SHA-256', 'MD5'], 'closed again: remembered');
  plan = {};
  c.changed();
  assert.equal(c.snapshot().domains, {}, 'after a change: forgotten until the store is open again');
  open = true;
  assert.equal(c.snapshot().domains['acme.example']?.algorithms, ['MD5'], "no list of its own: the server's");
});

test.run();
