import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClusterConfig } from '../config/cluster-config.js';
import { kamailioTables } from './kamailio-tables.js';
import { fetchNodeHosting, NodeUnreachableError, type Fetch } from './node-hosting.js';
import { buildPlacement, PlacementConflictError } from './placement.js';

const cluster: ClusterConfig = {
  file: 'cluster.yaml',
  edge: { sip: { host: '203.0.113.1', port: 5060 }, kamailio: 'k', runDir: '/run', rpc: { kamcmd: 'kc', socket: '/run/ctl' }, probeSeconds: 5, retryAfterSeconds: 30, floodRate: 300 },
  nodes: [
    { name: 'n1', sip: { host: '10.0.0.11', port: 5060 }, api: 'http://10.0.0.11:8080/api/v1', token: 't1', media: 'direct' },
    { name: 'n2', sip: { host: '2001:db8::12', port: 5070 }, api: 'http://10.0.0.12:8080/api/v1', token: 't2', media: 'direct' },
  ],
};

test('placement: each domain, DID and tenant to its node; the tables name the node by its set', () => {
  const p = buildPlacement([
    { node: 'n1', tenants: [{ id: 'acme', domains: ['acme.example', 'acme.test'] }], dids: [{ number: '+14155550100', tenantId: 'acme' }] },
    { node: 'n2', tenants: [{ id: 'globex', domains: ['globex.example'] }], dids: [] },
  ]);
  assert.equal([...p.domains], [['acme.example', 'n1'], ['acme.test', 'n1'], ['globex.example', 'n2']]);
  const t = kamailioTables(cluster, p);
  assert.match(t.dbText['edge_domain']!, /\n1:acme\.example:0:1:1:0\n2:acme\.test:0:1:1:0\n3:globex\.example:0:1:2:0\n$/);
  assert.match(t.dbText['edge_did']!, /\n1:\+14155550100:0:1:1:0\n$/);
  assert.match(t.dispatcherList, /\n1 sip:10\.0\.0\.11:5060 0 0 node=n1\n2 sip:\[2001:db8::12\]:5070 0 0 node=n2\n$/);
});

test('placement: a domain, DID or tenant on two nodes is refused as a whole, every conflict named', () => {
  try {
    buildPlacement([
      { node: 'n1', tenants: [{ id: 'acme', domains: ['acme.example'] }], dids: [{ number: '+1555', tenantId: 'acme' }] },
      { node: 'n2', tenants: [{ id: 'acme', domains: ['acme.example'] }], dids: [{ number: '+1555', tenantId: 'acme' }] },
    ]);
    assert.unreachable('a conflict must throw');
  } catch (e) {
    assert.instance(e, PlacementConflictError);
    assert.equal((e as PlacementConflictError).conflicts.map((c) => `${c.kind} ${c.value}`), ['tenant acme', 'domain acme.example', 'did +1555']);
  }
});

test('node hosting: deleted tenants are not placed, DIDs of unplaced tenants dropped; a malformed or failing node is unreachable', async () => {
  const answers: Record<string, unknown> = {
    '/tenants': { items: [{ id: 'acme', domains: ['ACME.example'], status: 'active' }, { id: 'old', domains: ['old.example'], status: 'deleted' }] },
    '/dids': { items: [{ number: '+1555', tenantId: 'acme' }, { number: '+1666', tenantId: 'old' }] },
  };
  const f = (over: Record<string, unknown> = {}, status = 200): Fetch => async (url, init) => {
    assert.is(init.headers['authorization'], 'Bearer t1');
    const path = url.replace(cluster.nodes[0]!.api, '');
    return { status, json: async () => ({ ...answers, ...over })[path] };
  };
  const h = await fetchNodeHosting(cluster.nodes[0]!, f());
  assert.equal(h, { node: 'n1', tenants: [{ id: 'acme', domains: ['acme.example'] }], dids: [{ number: '+1555', tenantId: 'acme' }] });
  for (const bad of [f({}, 401), f({ '/tenants': { items: [{ id: 5, domains: [] , status: 'active' }] } }), f({ '/dids': 'nope' }), async () => Promise.reject(new Error('ECONNREFUSED'))] as Fetch[]) {
    try {
      await fetchNodeHosting(cluster.nodes[0]!, bad);
      assert.unreachable('must refuse');
    } catch (e) {
      assert.instance(e, NodeUnreachableError);
    }
  }
});

test.run();
