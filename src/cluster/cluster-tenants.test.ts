import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClusterConfig } from '../config/cluster-config.js';
import { formatClusterTenants, listClusterTenants } from './cluster-tenants.js';

// Two node APIs on loopback answering GET /tenants and GET /dids as the PBX's provider API does;
// a third node's address answers nothing.
function nodeApi(token: string, tenants: unknown[], dids: unknown[]): Promise<Server> {
  const srv = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.statusCode = 401;
      res.end('{}');
      return;
    }
    const body = req.url === '/api/v1/tenants' ? { items: tenants } : req.url === '/api/v1/dids' ? { items: dids } : undefined;
    res.statusCode = body ? 200 : 404;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body ?? {}));
  });
  return new Promise((r) => srv.listen(0, '127.0.0.1', () => r(srv)));
}

test('every tenant with its node, domains and DIDs; a node that does not answer is named, the others still listed', async () => {
  const a = await nodeApi('tok-a', [{ id: 'acme', status: 'active', domains: ['acme.example'] }, { id: 'gone', status: 'deleted', domains: ['gone.example'] }], [{ number: '+4930100', tenantId: 'acme' }, { number: '+4930999', tenantId: 'gone' }]);
  const b = await nodeApi('tok-b', [{ id: 'globex', status: 'suspended', domains: ['GLOBEX.example', 'g2.example'] }], []);
  const port = (s: Server) => (s.address() as AddressInfo).port;
  const node = (name: string, p: number, token: string) => ({ name, sip: { host: '127.0.0.1', port: 5060 }, api: `http://127.0.0.1:${p}/api/v1`, token, media: 'direct' as const });
  const cluster = { nodes: [node('node2', port(b), 'tok-b'), node('node1', port(a), 'tok-a'), node('node3', 9, 'x')] } as unknown as ClusterConfig;
  try {
    const t = await listClusterTenants(cluster, (url, init) => fetch(url, init));
    assert.equal(t.rows, [
      { tenant: 'acme', node: 'node1', domains: ['acme.example'], dids: ['+4930100'] },
      { tenant: 'globex', node: 'node2', domains: ['globex.example', 'g2.example'], dids: [] },
    ]);
    assert.equal(t.unreachable.map((u) => u.node), ['node3']);
    const lines = formatClusterTenants(t);
    assert.is(lines[1], 'acme\tnode1\tacme.example\t+4930100');
    assert.match(lines[3]!, /^\(node node3 unreachable: GET \/tenants failed/);
  } finally {
    a.close();
    b.close();
  }
});

test.run();
