import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

// Issue 14, point 4: the SDES-SRTP policies of a tenant through the admin API (GET/PUT
// /tenants/{t}/srtp), against the real server over real HTTP and SIP: a policy set by the API
// applies to the next call (an extension made `required` and reachable over UDP only cannot be
// called: 488), another tenant's administrator and a user cannot read or change it, a
// file-managed tenant refuses the write, and bad values and foreign extensions get 422.

const s = suite('srtp api');
const ADMIN = 'provider-secret-for-srtp-api';
// No voicemail: a call refused for its media must reach the caller as 488, not a box's greeting.
const NO_VM = 'voicemail: { enabled: false }';
const ACME: TestTenant = { id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002'].map((ext) => ({ ext, password: `acme-${ext}-secret`, extraKeys: NO_VM })) };
const GLOBEX: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret', extraKeys: NO_VM }] };

let pbx: PbxProcess;
const phones: UdpPhone[] = [];
const tok: Record<string, string> = {};

async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(pbx.apiUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

async function phone(user: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain: 'acme.example', password: `acme-${user}-secret`, server: { host: '127.0.0.1', port: pbx.ports.udp } });
  phones.push(p);
  return p;
}

s.before(async () => {
  pbx = await PbxProcess.create({ tenants: [ACME, GLOBEX], transports: ['udp'], adminToken: ADMIN, extraYaml: 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }' });
  await pbx.start();
  // acme is run through the API from here on; globex stays configured by its file.
  assert.is((await api('POST', '/tenants/acme/take-over', ADMIN)).status, 200);
  for (const [name, body] of [
    ['adminA', { role: 'tenant-admin', tenantId: 'acme' }],
    ['adminB', { role: 'tenant-admin', tenantId: 'globex' }],
    ['user1001', { role: 'user', tenantId: 'acme', ext: '1001' }],
  ] as const) {
    const r = await api('POST', '/tokens', ADMIN, body);
    assert.is(r.status, 201, JSON.stringify(r.body));
    tok[name] = r.body.token;
  }
});

s.after(async () => {
  for (const p of phones) p.close();
  await pbx?.stop();
});

s('no policy set: the default; a policy PUT by the tenant admin applies to the next call (required over UDP → 488)', async () => {
  assert.equal((await api('GET', '/tenants/acme/srtp', tok['adminA']!)).body, { extensions: {} });
  const caller = await phone('1001');
  const callee = await phone('1002');
  assert.is(await caller.register(), 200);
  assert.is(await callee.register(), 200);
  const before = await caller.call('1002');
  assert.is(before.status, 200, 'plain RTP over UDP is fine while 1002 has the default policy');
  await caller.inDialog('BYE');

  const put = await api('PUT', '/tenants/acme/srtp', tok['adminA']!, { tenant: 'optional', extensions: { '1002': 'required' } });
  assert.is(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body, { tenant: 'optional', extensions: { '1002': 'required' } });
  assert.equal((await api('GET', '/tenants/acme/srtp', ADMIN)).body, { tenant: 'optional', extensions: { '1002': 'required' } });
  const after = await caller.call('1002');
  assert.is(after.status, 488, '1002 must use SRTP now and is reachable over UDP only');

  const clear = await api('PUT', '/tenants/acme/srtp', tok['adminA']!, {});
  assert.equal([clear.status, clear.body], [200, { extensions: {} }]);
  const again = await caller.call('1002');
  assert.is(again.status, 200, 'cleared: the default again');
  await caller.inDialog('BYE');
});

s('bad input: an unknown policy and another tenant\'s extension get 422 and change nothing', async () => {
  await api('PUT', '/tenants/acme/srtp', tok['adminA']!, { extensions: { '1001': 'optional' } });
  const bad = await api('PUT', '/tenants/acme/srtp', tok['adminA']!, { tenant: 'always' });
  assert.is(bad.status, 422, JSON.stringify(bad.body));
  const foreign = await api('PUT', '/tenants/acme/srtp', tok['adminA']!, { extensions: { '9999': 'required' } });
  assert.is(foreign.status, 422, JSON.stringify(foreign.body));
  assert.ok(JSON.stringify(foreign.body).includes('/extensions/9999'), JSON.stringify(foreign.body));
  assert.equal((await api('GET', '/tenants/acme/srtp', ADMIN)).body, { extensions: { '1001': 'optional' } }, 'unchanged');
});

s('isolation: another tenant\'s admin gets 404, a user 403, a file-managed tenant 409', async () => {
  for (const m of ['GET', 'PUT'] as const) {
    const r = await api(m, '/tenants/acme/srtp', tok['adminB']!, m === 'PUT' ? { tenant: 'none' } : undefined);
    assert.is(r.status, 404, `${m} by globex's admin: ${JSON.stringify(r.body)}`);
    const u = await api(m, '/tenants/acme/srtp', tok['user1001']!, m === 'PUT' ? { tenant: 'none' } : undefined);
    assert.is(u.status, 403, `${m} by a user: ${JSON.stringify(u.body)}`);
  }
  const file = await api('PUT', '/tenants/globex/srtp', tok['adminB']!, { tenant: 'required' });
  assert.equal([file.status, file.body.error.code], [409, 'managed_by_file']);
  assert.equal((await api('GET', '/tenants/acme/srtp', ADMIN)).body, { extensions: { '1001': 'optional' } }, 'acme unchanged');
});

s.run();
