import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';

// Issue 11 points 5 and 6 against the real server over HTTP: an extension's forwards and DND
// (GET/PUT .../extensions/{ext}/call-handling) with the roles and tenant scope the server
// enforces, the checks of a destination against THIS tenant, loops and the class of service,
// the feature-code listing, and settings that survive a restart (which re-applies the file).

const s = suite('call handling api');
const ADMIN = 'provider-secret-for-call-handling';
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', password: 'acme-1001-secret', classOfService: 'national' },
    { ext: '1002', password: 'acme-1002-secret', classOfService: 'internal' },
  ],
  extraYaml: [
    'countryCode: "49"',
    'nationalPrefix: "0"',
    'featureCodes: { dndOn: "*55", forwardOff: false }',
    'conferences: [ { number: "800" } ]',
    'ringGroups: [ { name: sales, strategy: simultaneous, members: [ "1002" ], ringSeconds: 20, fallback: { voicemail: "1002" } } ]',
    'outboundRoutes: [ { name: out, patterns: [ "0." ], trunks: [ carrier ] } ]',
    'trunks: [ { name: carrier, kind: ip, host: 192.0.2.10, allowedSources: [ 192.0.2.10 ] } ]',
  ].join('\n'),
};
const GLOBEX: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }, { ext: '2002', password: 'globex-2002-secret' }] };

// A file whose fallbacks loop: refused at start with file:line:col, the tenant not created.
const LOOPY: TestTenant = {
  id: 'initech',
  domains: ['initech.example'],
  extensions: [{ ext: '1001', password: 'initech-1001-secret' }],
  extraYaml: [
    'ringGroups:',
    '  - { name: a, strategy: simultaneous, members: [ "1001" ], ringSeconds: 20, fallback: { ringGroup: b } }',
    '  - { name: b, strategy: simultaneous, members: [ "1001" ], ringSeconds: 20, fallback: { ringGroup: a } }',
  ].join('\n'),
};

let pbx: PbxProcess;
const tok: Record<string, string> = {};
type Answer = { status: number; body: any };

async function api(method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(pbx.apiUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

async function newToken(body: Record<string, unknown>): Promise<string> {
  const r = await api('POST', '/tokens', ADMIN, body);
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.token;
}

s.before(async () => {
  const base = 43000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({
    tenants: [ACME, GLOBEX, LOOPY],
    transports: ['udp'],
    adminToken: ADMIN,
    extraYaml: [`rtp: { ports: ${base}-${base + 99}, workers: 1 }`, 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0, tenantTrunkPrivateNetworks: true }'].join('\n'),
  });
  tok['adminA'] = await newToken({ role: 'tenant-admin', tenantId: 'acme' });
  tok['adminB'] = await newToken({ role: 'tenant-admin', tenantId: 'globex' });
  tok['user1001'] = await newToken({ role: 'user', tenantId: 'acme', ext: '1001' });
});

s.after(async () => {
  await pbx?.dispose();
});

const CH = (tenant: string, ext: string) => `/tenants/${tenant}/extensions/${ext}/call-handling`;

s('a user sets its own forwards and DND; reads them back; the tenant admin sees the same', async () => {
  assert.equal((await api('GET', CH('acme', '1001'), tok['user1001']!)).body, {});
  const body = { dnd: true, forward: { busy: { type: 'voicemail', box: '1001' }, noAnswer: { to: { type: 'ringGroup', name: 'sales' }, after: 15 }, unavailable: { type: 'number', number: '030123456' } } };
  const put = await api('PUT', CH('acme', '1001'), tok['user1001']!, body);
  assert.is(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body, body);
  assert.equal((await api('GET', CH('acme', '1001'), tok['adminA']!)).body, body);
});

s("a user on another extension's settings, and tenant B's admin on A's extension: 404, nothing changed", async () => {
  const before = (await api('GET', CH('acme', '1002'), tok['adminA']!)).body;
  assert.is((await api('GET', CH('acme', '1002'), tok['user1001']!)).status, 404);
  assert.is((await api('PUT', CH('acme', '1002'), tok['user1001']!, { dnd: true })).status, 404);
  assert.is((await api('PUT', CH('acme', '1002'), tok['adminB']!, { dnd: true })).status, 404);
  assert.is((await api('GET', CH('acme', '1001'), tok['adminB']!)).status, 404);
  assert.equal((await api('GET', CH('acme', '1002'), tok['adminA']!)).body, before);
  assert.is((await api('GET', CH('acme', '9999'), tok['adminA']!)).status, 404, 'no such extension');
});

s("bad input: 422 with JSON pointers, nothing changed: B's box, unknown IVR, forward to itself, a class of service that forbids the number, a loop", async () => {
  const before = (await api('GET', CH('acme', '1002'), tok['adminA']!)).body;
  const r = await api('PUT', CH('acme', '1002'), tok['adminA']!, {
    forward: { always: { type: 'voicemail', box: '2002' }, busy: { type: 'ivr', name: 'main' }, unavailable: { type: 'extension', ext: '1002' } },
  });
  assert.is(r.status, 422, JSON.stringify(r.body));
  const text = JSON.stringify(r.body);
  assert.match(text, /\/forward\/always\/box/);
  assert.match(text, /2002 is not a voicemail box of this tenant/);
  assert.match(text, /main is not an IVR menu of this tenant/);
  assert.match(text, /1002 cannot forward to itself/);
  const cos = await api('PUT', CH('acme', '1002'), tok['adminA']!, { forward: { always: { type: 'number', number: '030123456' } } });
  assert.is(cos.status, 422);
  assert.match(JSON.stringify(cos.body), /1002 may not forward to 030123456: class of service internal allows no outside calls/);
  // 1002 -> 1001 is fine (1001 forwards to sales, which falls back to a box); 1001 -> 1002 then closes a loop.
  const loop1 = await api('PUT', CH('acme', '1002'), tok['adminA']!, { forward: { always: { type: 'extension', ext: '1001' } } });
  assert.is(loop1.status, 200, JSON.stringify(loop1.body));
  const loop2 = await api('PUT', CH('acme', '1001'), tok['adminA']!, { forward: { always: { type: 'extension', ext: '1002' } } });
  assert.is(loop2.status, 422);
  assert.match(JSON.stringify(loop2.body), /the destinations loop: ext:1001 -> ext:1002 -> ext:1001/);
  const schema = await api('PUT', CH('acme', '1002'), tok['adminA']!, { forward: { always: { type: 'queue', name: 'x' } } });
  assert.is(schema.status, 422, 'an unknown kind is refused by the schema');
  assert.equal((await api('GET', CH('acme', '1002'), tok['adminA']!)).body, { forward: { always: { type: 'extension', ext: '1001' } } }, 'only the accepted change is there');
  assert.equal(before, {});
});

s("feature codes: the tenant's renames and disables; a user reads them through its own extension only", async () => {
  const r = await api('GET', '/tenants/acme/feature-codes', tok['adminA']!);
  assert.is(r.status, 200);
  const byId = Object.fromEntries(r.body.featureCodes.map((e: { id: string; code: string | null }) => [e.id, e.code]));
  assert.is(byId['dndOn'], '*55');
  assert.is(byId['forwardOff'], null);
  assert.is(byId['forwardOn'], '*72');
  assert.is(byId['recordToggle'], '*1');
  assert.is((await api('GET', '/tenants/acme/extensions/1001/feature-codes', tok['user1001']!)).status, 200);
  assert.is((await api('GET', '/tenants/acme/extensions/1002/feature-codes', tok['user1001']!)).status, 404);
  assert.is((await api('GET', '/tenants/acme/feature-codes', tok['user1001']!)).status, 403);
  const b = await api('GET', '/tenants/globex/feature-codes', tok['adminB']!);
  assert.is(Object.fromEntries(b.body.featureCodes.map((e: { id: string; code: string | null }) => [e.id, e.code]))['dndOn'], '*78', "globex keeps its defaults: acme's renames are acme's");
  assert.is((await api('GET', '/tenants/acme/feature-codes', tok['adminB']!)).status, 404);
});

s('what was set through the API survives a restart, which re-applies the unchanged tenant file', async () => {
  const before = (await api('GET', CH('acme', '1001'), tok['adminA']!)).body;
  assert.ok(before.dnd === true && before.forward?.busy, JSON.stringify(before));
  await pbx.restart();
  assert.equal((await api('GET', CH('acme', '1001'), tok['adminA']!)).body, before);
});

s('a tenant file whose ring groups fall back in a circle is refused at start with file:line:col and the loop', async () => {
  const line = pbx.logs.find((l) => l.includes('the destinations loop'));
  assert.ok(line, 'the refusal is logged');
  assert.match(line!, /initech\.yaml:7:\d+: ringGroups\[0\]\.fallback: the destinations loop: ringGroup:a -> ringGroup:b -> ringGroup:a/);
  assert.is((await api('GET', '/tenants/initech/feature-codes', ADMIN)).status, 404, 'the tenant was not created');
});

s.run();
