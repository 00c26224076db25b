// Pickup groups and park slots over the admin API (issue 12), against the real server
// process over HTTP: GET .../pickup-groups and .../park for a file-managed tenant (its
// YAML), PUT refused 409 there; PUT on an API-managed tenant with its extensions checked
// (422 with a JSON pointer per problem); another tenant's token sees 404 and changes nothing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';

const s = suite('pickup and park api');
const ADMIN = 'provider-secret-for-pickup-park';
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', password: 'acme-1001-secret' },
    { ext: '1002', password: 'acme-1002-secret' },
  ],
  extraYaml: ['pickupGroups:', '  desk: [ "1001", "1002" ]', 'park: { slots: "701-703", timeoutSeconds: 60, fallback: { extension: "1001" } }'].join('\n'),
};

let pbx: PbxProcess;
type Answer = { status: number; body: any };

async function api(method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(pbx.apiUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

s.before(async () => {
  const base = 43000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({
    tenants: [ACME],
    transports: ['udp'],
    adminToken: ADMIN,
    extraYaml: [`rtp: { ports: ${base}-${base + 99}, workers: 1 }`, 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }'].join('\n'),
  });
});

s.after(async () => {
  await pbx?.stop();
});

s('a file-managed tenant: its groups and slots read back; PUT refused 409 (the file owns them)', async () => {
  let r = await api('GET', '/tenants/acme/pickup-groups', ADMIN);
  assert.is(r.status, 200);
  assert.equal(r.body, { pickupGroups: { desk: ['1001', '1002'] } });
  r = await api('GET', '/tenants/acme/park', ADMIN);
  assert.is(r.status, 200);
  assert.equal(r.body, { timeoutSeconds: 60, fallback: { type: 'extension', ext: '1001' }, slots: ['701', '702', '703'].map((slot) => ({ slot, state: 'idle' })) });
  r = await api('PUT', '/tenants/acme/pickup-groups', ADMIN, { pickupGroups: {} });
  assert.is(r.status, 409);
  assert.is(r.body.error.code, 'managed_by_file');
});

s('an API-managed tenant: PUT checks members against its own extensions (422), stores, reads back; other tenants see 404', async () => {
  let r = await api('POST', '/tenants', ADMIN, { id: 'initech', name: 'Initech', domains: ['initech.example'] });
  assert.is(r.status, 201, JSON.stringify(r.body));
  for (const ext of ['2001', '2002']) assert.is((await api('POST', '/tenants/initech/extensions', ADMIN, { ext, name: ext, password: `initech-${ext}-secret` })).status, 201);
  r = await api('PUT', '/tenants/initech/pickup-groups', ADMIN, { pickupGroups: { desk: ['2001', '1001'], 'bad name': ['2001'] } });
  assert.is(r.status, 422, JSON.stringify(r.body));
  const paths = JSON.stringify(r.body);
  assert.match(paths, /pickupGroups\/desk\/1/);
  assert.match(paths, /1001 is not an extension of this tenant/, "acme's 1001 is not initech's");
  r = await api('PUT', '/tenants/initech/pickup-groups', ADMIN, { pickupGroups: { desk: ['2001', '2002'] } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body, { pickupGroups: { desk: ['2001', '2002'] } });
  assert.equal((await api('GET', '/tenants/initech/pickup-groups', ADMIN)).body, { pickupGroups: { desk: ['2001', '2002'] } });
  assert.equal((await api('GET', '/tenants/initech/park', ADMIN)).body, { slots: [] }, 'no park slots set');
  // A token of acme reaches nothing of initech.
  const t = await api('POST', '/tokens', ADMIN, { role: 'tenant-admin', tenantId: 'acme' });
  assert.is(t.status, 201);
  assert.is((await api('GET', '/tenants/initech/pickup-groups', t.body.token)).status, 404);
  assert.is((await api('PUT', '/tenants/initech/pickup-groups', t.body.token, { pickupGroups: {} })).status, 404);
  assert.is((await api('GET', '/tenants/initech/park', t.body.token)).status, 404);
  assert.equal((await api('GET', '/tenants/initech/pickup-groups', ADMIN)).body, { pickupGroups: { desk: ['2001', '2002'] } }, 'unchanged');
});

s.run();
