import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';

// Call queues through the real server over real HTTP: a file-managed tenant's queues are
// read with their live statistics and agents (also in /metrics with tenant labels), its
// agents log in and out through the API; an API-managed tenant's queues are created,
// checked (422 with paths, nothing written) and removed; another tenant's admin gets 404
// and another tenant's queue name is unknown.

const s = suite('queues api');
const ADMIN = 'provider-secret-for-queues';
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', password: 'acme-1001-secret' },
    { ext: '1002', password: 'acme-1002-secret' },
  ],
  extraYaml: ['queues:', '  - { name: support, number: "600", strategy: fewestcalls, members: [ "1001" ], agents: [ { ext: "1002", penalty: 2 } ], wrapUpSeconds: 5 }'].join('\n'),
};
const GLOBEX: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '2001', password: 'globex-2001-secret' }] };

let pbx: PbxProcess;
const tok: Record<string, string> = {};

async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(pbx.apiUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: r.status, body: parsed, text };
}

s.before(async () => {
  pbx = await PbxProcess.start({ tenants: [ACME, GLOBEX], transports: ['udp'], adminToken: ADMIN });
  for (const [k, body] of [
    ['adminA', { role: 'tenant-admin', tenantId: 'acme' }],
    ['adminB', { role: 'tenant-admin', tenantId: 'globex' }],
  ] as const) {
    const r = await api('POST', '/tokens', ADMIN, body);
    assert.is(r.status, 201);
    tok[k] = r.body.token;
  }
});
s.after(async () => {
  await pbx?.dispose();
});

s('the YAML queue is served with its statistics and agents; agents log in and out', async () => {
  const list = await api('GET', '/tenants/acme/queues', tok['adminA']!);
  assert.is(list.status, 200);
  assert.is(list.body.items[0].name, 'support');
  assert.equal(list.body.items[0].agents, [{ ext: '1002', penalty: 2 }]);
  let st = await api('GET', '/tenants/acme/queues/support/stats', tok['adminA']!);
  assert.is(st.status, 200);
  assert.equal(st.body.stats, { waiting: 0, longestWaitSeconds: 0, offered: 0, answered: 0, abandoned: 0, overflowed: 0, answeredWithinServiceLevel: 0, serviceLevel: 1, averageWaitSeconds: 0 });
  assert.equal(
    st.body.agents.map((a: any) => [a.ext, a.kind, a.loggedIn, a.state]),
    [
      ['1001', 'member', true, 'free'],
      ['1002', 'agent', false, 'free'],
    ],
  );
  const login = await api('PUT', '/tenants/acme/queues/support/agents/1002', tok['adminA']!);
  assert.is(login.status, 200, login.text);
  st = await api('GET', '/tenants/acme/queues/support/stats', tok['adminA']!);
  assert.is(st.body.agents[1].loggedIn, true);
  const notAgent = await api('PUT', '/tenants/acme/queues/support/agents/1001', tok['adminA']!);
  assert.is(notAgent.status, 422);
  const logout = await api('DELETE', '/tenants/acme/queues/support/agents/1002', tok['adminA']!);
  assert.is(logout.status, 200);
  st = await api('GET', '/tenants/acme/queues/support/stats', tok['adminA']!);
  assert.is(st.body.agents[1].loggedIn, false);
  // A file-managed tenant's queues are its YAML's.
  const put = await api('PUT', '/tenants/acme/queues/other', tok['adminA']!, { members: ['1001'] });
  assert.is(put.status, 409);
});

s('/metrics has the queue gauges with tenant and queue labels', async () => {
  const r = await fetch(`http://127.0.0.1:${pbx.apiPort}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.is(r.status, 200);
  const m = { text: await r.text() };
  assert.match(m.text, /pbx_queue_waiting\{tenant="acme",queue="support"\} 0/);
  assert.match(m.text, /pbx_queue_service_level\{tenant="acme",queue="support"\} 1/);
});

s('isolation: another tenant\'s admin and another tenant\'s name get 404', async () => {
  assert.is((await api('GET', '/tenants/acme/queues/support', tok['adminB']!)).status === 200, false);
  assert.is((await api('GET', '/tenants/globex/queues/support', tok['adminB']!)).status, 404);
  assert.is((await api('GET', '/tenants/globex/queues/support/stats', tok['adminB']!)).status, 404);
  assert.is((await api('PUT', '/tenants/globex/queues/support/agents/1002', tok['adminB']!)).status, 404);
  const list = await api('GET', '/tenants/globex/queues', tok['adminB']!);
  assert.equal(list.body, { items: [] });
});

s('an API tenant: create, refuse bad input with paths (nothing written), delete', async () => {
  assert.is((await api('POST', '/tenants', ADMIN, { id: 'initech', name: 'Initech', domains: ['initech.example'] })).status, 201);
  for (const e of ['3001', '3002']) assert.is((await api('POST', '/tenants/initech/extensions', ADMIN, { ext: e, name: `E${e}` })).status, 201);
  let r = await api('PUT', '/tenants/initech/queues/help', ADMIN, { number: '700', strategy: 'roundrobin', members: ['3001', { ext: '3002', penalty: 1 }], maxWaitSeconds: 60, overflow: { extension: '3001' } });
  assert.is(r.status, 200, r.text);
  assert.equal(r.body.members, [
    { ext: '3001', penalty: 0 },
    { ext: '3002', penalty: 1 },
  ]);
  assert.is(r.body.ringSeconds, 15);
  r = await api('PUT', '/tenants/initech/queues/bad', ADMIN, { strategy: 'loudest', members: ['1001'], overflow: { queue: 'nowhere' } });
  assert.is(r.status, 422);
  const paths = (r.body.error?.details ?? r.body.details).map((p: { path: string }) => p.path).sort();
  assert.ok(paths.includes('/strategy'), JSON.stringify(paths));
  r = await api('PUT', '/tenants/initech/queues/bad', ADMIN, { members: ['3001'], overflow: { queue: 'nowhere' } });
  assert.is(r.status, 422);
  assert.equal((r.body.error?.details ?? r.body.details).map((d: { path: string }) => d.path), ['/overflow/queue']);
  // acme's extension 1001 is not initech's.
  r = await api('PUT', '/tenants/initech/queues/bad', ADMIN, { members: ['1001'] });
  assert.is(r.status, 422);
  assert.match(r.text, /no extension '1001' in this tenant/);
  r = await api('PUT', '/tenants/initech/queues/bad', ADMIN, { number: '3001', members: ['3001'] });
  assert.is(r.status, 422);
  assert.is((await api('GET', '/tenants/initech/queues/bad', ADMIN)).status, 404);
  assert.is((await api('GET', '/tenants/initech/queues', ADMIN)).body.items.length, 1);
  // A forward may lead to the queue (stored in the tenant's SQLite file); an unknown queue is refused.
  const ch = (body: unknown) => api('PUT', '/tenants/initech/extensions/3002/call-handling', ADMIN, body);
  r = await ch({ forward: { always: { type: 'queue', name: 'nowhere' } } });
  assert.is(r.status, 422);
  assert.match(r.text, /nowhere is not a call queue of this tenant/);
  r = await ch({ forward: { always: { type: 'queue', name: 'help' } } });
  assert.is(r.status, 200, r.text);
  assert.equal((await api('GET', '/tenants/initech/extensions/3002/call-handling', ADMIN)).body.forward.always, { type: 'queue', name: 'help' });
  r = await api('DELETE', '/tenants/initech/queues/help', ADMIN);
  assert.is(r.status, 422, 'a forward still leads to it');
  assert.match(r.text, /extension 3002 forwards to queue help/);
  assert.is((await ch({ forward: {} })).status, 200);
  // An IVR may send callers to the queue; the queue cannot be removed while it does.
  r = await api('PUT', '/tenants/initech/ivrs/main', ADMIN, { greeting: 'welcome', options: { '1': { queue: 'help' } } });
  assert.is(r.status, 200, r.text);
  assert.is((await api('DELETE', '/tenants/initech/queues/help', ADMIN)).status, 422);
  assert.is((await api('DELETE', '/tenants/initech/ivrs/main', ADMIN)).status, 204);
  assert.is((await api('DELETE', '/tenants/initech/queues/help', ADMIN)).status, 204);
  assert.equal((await api('GET', '/tenants/initech/queues', ADMIN)).body, { items: [] });
});

s.run();
