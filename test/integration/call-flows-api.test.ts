import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';

// Call flows through the real server over real HTTP: a file-managed tenant's menus and time
// conditions are read, its override set (an act of the moment, not configuration) but not
// its flows; an API-managed tenant's flows are replaced, bad input is 422 with JSON pointers
// and changes nothing; another tenant's admin gets 404 for everything.

const s = suite('call flows api');
const ADMIN = 'provider-secret-for-call-flows';
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [{ ext: '1001', password: 'acme-1001-secret' }],
  extraYaml: [
    'timezone: Europe/Berlin',
    'schedules:',
    '  - { name: office, weekly: [ { days: mon-sun, from: "00:00", to: "24:00" } ] }',
    'timeConditions:',
    '  - { name: hours, schedule: office, open: { ivr: main }, closed: { voicemail: "1001" } }',
    'ivrs:',
    '  - { name: main, greeting: welcome, options: { "1": { extension: "1001" } } }',
  ].join('\n'),
};
const GLOBEX: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '2001', password: 'globex-2001-secret' }] };

let pbx: PbxProcess;
const tok: Record<string, string> = {};

async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(pbx.apiUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

async function token(body: Record<string, unknown>): Promise<string> {
  const r = await api('POST', '/tokens', ADMIN, body);
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.token;
}

s.before(async () => {
  pbx = await PbxProcess.start({ tenants: [ACME, GLOBEX], transports: ['udp'], adminToken: ADMIN });
  tok['adminA'] = await token({ role: 'tenant-admin', tenantId: 'acme' });
  tok['adminB'] = await token({ role: 'tenant-admin', tenantId: 'globex' });
  tok['userA'] = await token({ role: 'user', tenantId: 'acme', ext: '1001' });
});
s.after(async () => {
  await pbx?.dispose();
});

s('the YAML tenant\'s menus and conditions are served; its override can be set, its flows cannot', async () => {
  const ivrs = await api('GET', '/tenants/acme/ivrs', tok['adminA']!);
  assert.is(ivrs.status, 200);
  assert.equal(ivrs.body.items[0].options['1'], { type: 'extension', ext: '1001' });
  let tcs = await api('GET', '/tenants/acme/timeConditions', tok['adminA']!);
  assert.equal([tcs.body.items[0].state, tcs.body.items[0].override], ['open', 'auto']);
  const forced = await api('PUT', '/tenants/acme/timeConditions/hours/override', tok['adminA']!, { override: 'closed' });
  assert.is(forced.status, 200, JSON.stringify(forced.body));
  assert.equal(forced.body.destination, { type: 'voicemail', box: '1001' });
  tcs = await api('GET', '/tenants/acme/timeConditions', tok['adminA']!);
  assert.is(tcs.body.items[0].state, 'closed');
  const bad = await api('PUT', '/tenants/acme/timeConditions/hours/override', tok['adminA']!, { override: 'sometimes' });
  assert.is(bad.status, 422);
  const put = await api('PUT', '/tenants/acme/call-flows', tok['adminA']!, { ivrs: [] });
  assert.is(put.status, 409);
  assert.is(put.body.error?.code ?? put.body.code, 'managed_by_file');
});

s('another tenant\'s admin gets 404 and a user 403', async () => {
  for (const [m, p, body] of [
    ['GET', '/tenants/acme/ivrs', undefined],
    ['GET', '/tenants/acme/ivrs/main', undefined],
    ['GET', '/tenants/acme/timeConditions', undefined],
    ['PUT', '/tenants/acme/timeConditions/hours/override', { override: 'open' }],
  ] as const) {
    const r = await api(m, p, tok['adminB']!, body);
    assert.is(r.status, 404, `${m} ${p}`);
  }
  assert.is((await api('GET', '/tenants/acme/ivrs', tok['userA']!)).status, 403);
  assert.equal((await api('GET', '/tenants/globex/ivrs', tok['adminB']!)).body, { items: [] });
});

s('an API-managed tenant: flows replaced; bad input 422 with JSON pointers, nothing changed', async () => {
  const created = await api('POST', '/tenants', ADMIN, { id: 'initech', name: 'Initech', domains: ['initech.example'] });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const ext = await api('POST', '/tenants/initech/extensions', ADMIN, { ext: '3001', name: 'Peter' });
  assert.is(ext.status, 201, JSON.stringify(ext.body));
  const good = { timezone: 'America/New_York', ivrs: [{ name: 'main', greeting: 'welcome', options: { '1': { extension: '3001' } } }] };
  let r = await api('PUT', '/tenants/initech/call-flows', ADMIN, good);
  assert.is(r.status, 200, JSON.stringify(r.body));
  r = await api('PUT', '/tenants/initech/call-flows', ADMIN, {
    timezone: 'America/Nowhere',
    ivrs: [{ name: 'main', greeting: 'welcome', options: { '1': { extension: '1001' }, '2': { ivr: 'main' } } }],
  });
  assert.is(r.status, 422);
  const pointers = (r.body.error?.details ?? r.body.details).map((d: { path: string }) => d.path).sort();
  assert.equal(pointers, ['/ivrs/0/options/1/extension', '/timezone']);
  r = await api('PUT', '/tenants/initech/ivrs/main', ADMIN, { greeting: 'welcome', options: { '2': { ivr: 'main' } } });
  assert.is(r.status, 422);
  assert.match(JSON.stringify(r.body), /circle: ivr main -> ivr main/);
  const after = await api('GET', '/tenants/initech/call-flows', ADMIN);
  assert.equal(after.body.timezone, 'America/New_York');
  assert.equal(after.body.ivrs[0].options, { '1': { type: 'extension', ext: '3001' } });
});

s.run();
