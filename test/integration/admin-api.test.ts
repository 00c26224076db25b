import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

// Issue 5: the admin API against the real server over real HTTP: the authorisation matrix
// (built from the served OpenAPI document, i.e. from the route definitions), suspend and
// resume as the phones see them, limits, tokens, delete with a grace period, DIDs.

const s = suite('admin api');
const ADMIN = 'provider-secret-for-tests';
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', password: 'acme-1001-secret' },
    { ext: '1002', password: 'acme-1002-secret' },
  ],
  extraYaml: 'countryCode: "1"\ndids: [ "+14155550100" ]',
};
const GLOBEX: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }] };

let pbx: PbxProcess;
const phones: UdpPhone[] = [];
/** Token texts by principal name. */
const tok: Record<string, string> = {};

type Answer = { status: number; body: any; headers: Headers };

async function api(method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(pbx.apiUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: r.status, body: parsed, headers: r.headers };
}

async function newToken(body: Record<string, unknown>, by = ADMIN): Promise<{ token: string; id: string }> {
  const r = await api('POST', '/tokens', by, body);
  assert.is(r.status, 201, JSON.stringify(r.body));
  return { token: r.body.token, id: r.body.id };
}

async function phone(user: string, domain: string, password: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain, password, server: { host: '127.0.0.1', port: pbx.ports.udp } });
  phones.push(p);
  return p;
}

s.before(async () => {
  const base = 42000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({
    tenants: [ACME, GLOBEX],
    transports: ['udp'],
    adminToken: ADMIN,
    extraYaml: [`rtp: { ports: ${base}-${base + 99}, workers: 1 }`, 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }', 'registrar: { writeDelayMs: 0 }'].join('\n'),
  });
  tok['provider'] = (await newToken({ role: 'provider', label: 'matrix' })).token;
  tok['adminA'] = (await newToken({ role: 'tenant-admin', tenantId: 'acme' })).token;
  tok['adminB'] = (await newToken({ role: 'tenant-admin', tenantId: 'globex' })).token;
  tok['userA'] = (await newToken({ role: 'user', tenantId: 'acme', ext: '1001' })).token;
  const revoked = await newToken({ role: 'provider', label: 'to revoke' });
  assert.is((await api('DELETE', `/tokens/${revoked.id}`, ADMIN)).status, 200);
  tok['revoked'] = revoked.token;
});

s.after(async () => {
  for (const p of phones) p.close();
  await pbx?.dispose();
});

s('the API listens where PbxProcess put it and serves its OpenAPI document without a token', async () => {
  assert.ok(pbx.logs.some((l) => l.includes('api listening') && l.includes(String(pbx.apiPort))));
  const r = await fetch(`${pbx.apiUrl}/openapi.json`);
  assert.is(r.status, 200);
  const doc = (await r.json()) as any;
  assert.is(doc.openapi, '3.1.0');
  for (const p of ['/tenants', '/tenants/{tenantId}', '/tenants/{tenantId}/suspend', '/tokens', '/dids', '/tenants/{tenantId}/dids/{number}']) assert.ok(doc.paths[p], p);
  assert.equal(doc.paths['/tenants'].post['x-roles'], ['provider']);
});

s('suspend: the tenant’s phones can neither register nor call (403); resume brings them back', async () => {
  const a1 = await phone('1001', 'acme.example', 'acme-1001-secret');
  const a2 = await phone('1002', 'acme.example', 'acme-1002-secret');
  const g1 = await phone('1001', 'globex.example', 'globex-1001-secret');
  assert.is(await a1.register(), 200);
  assert.is(await a2.register(), 200);

  const sus = await api('POST', '/tenants/acme/suspend', ADMIN);
  assert.equal([sus.status, sus.body.status], [200, 'suspended']);
  const mark = a1.mark();
  assert.is(await a1.register(), 403);
  const refusal = a1.received.slice(mark).find((m) => m.kind === 'response' && m.status === 403);
  assert.is(refusal?.kind === 'response' ? refusal.reason : undefined, 'Tenant suspended');
  const call = await a1.call('1002');
  assert.equal([call.status, call.reason], [403, 'Tenant suspended']);
  assert.is(await g1.register(), 200, 'another tenant is untouched');
  // All data is kept: the extension and its tenant are there.
  const got = await api('GET', '/tenants/acme', ADMIN);
  assert.equal([got.body.status, got.body.domains], ['suspended', ['acme.example']]);

  const res = await api('POST', '/tenants/acme/resume', ADMIN);
  assert.equal([res.status, res.body.status], [200, 'active']);
  assert.is(await a1.register(), 200);
  assert.is(await a2.register(), 200);
  const ok = await a1.call('1002');
  assert.is(ok.status, 200);
  await a1.inDialog('BYE');
});

s('take-over: a file-managed tenant is configured by its file until the API takes it over; then its file is retired and API changes survive a reload', async () => {
  let r = await api('PATCH', '/tenants/globex', ADMIN, { limits: { extensions: 5 } });
  assert.equal([r.status, r.body.error.code], [409, 'managed_by_file'], 'limits of a file-managed tenant are its file’s');
  r = await api('POST', '/tenants/globex/extensions', ADMIN, { ext: '1002', name: 'New', password: 'globex-1002-secret' });
  assert.equal([r.status, r.body.error.code], [409, 'managed_by_file']);
  const file = join(pbx.dir, 'tenants', 'globex.yaml');
  assert.ok(existsSync(file));

  r = await api('POST', '/tenants/globex/take-over', ADMIN);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.tenant.managedBy, 'api');
  assert.is(r.body.retiredFile, `${file}.taken-over`);
  assert.not.ok(existsSync(file), 'the file is out of the tenants folder');
  assert.ok(existsSync(`${file}.taken-over`), 'renamed, never deleted');
  assert.is((await api('POST', '/tenants/globex/take-over', ADMIN)).status, 409, 'once');

  r = await api('POST', '/tenants/globex/extensions', ADMIN, { ext: '1002', name: 'New', password: 'globex-1002-secret' });
  assert.is(r.status, 201, JSON.stringify(r.body));
  // A reload (SIGHUP) neither disables the tenant nor undoes the change.
  const mark = pbx.logs.length;
  pbx.signal('SIGHUP');
  await pbx.waitForLog(/ reloaded applied=/, 10_000, mark);
  r = await api('GET', '/tenants/globex', ADMIN);
  assert.equal([r.body.status, r.body.managedBy], ['active', 'api']);
  r = await api('GET', '/tenants/globex/extensions', ADMIN);
  assert.equal(r.body.items.map((x: { ext: string }) => x.ext), ['1001', '1002']);
  const p = await phone('1002', 'globex.example', 'globex-1002-secret');
  assert.is(await p.register(), 200);
});

s('limits: a change below what the tenant already has is refused with 409', async () => {
  let r = await api('PATCH', '/tenants/globex', ADMIN, { limits: { extensions: 1 } });
  assert.equal([r.status, r.body.error.code], [409, 'limit_exceeded']);
  assert.match(r.body.error.message, /limits\.extensions is 1; the tenant has 2/);
  r = await api('PATCH', '/tenants/globex', ADMIN, { limits: { registrations: 0 } });
  assert.equal([r.status, r.body.error.code], [409, 'limit_exceeded'], 'its phones are registered');
  r = await api('PATCH', '/tenants/globex', ADMIN, { limits: { extensions: 2, calls: 5 }, features: { voicemail: true } });
  assert.equal([r.status, r.body.limits, r.body.features], [200, { calls: 5, extensions: 2 }, { voicemail: true }]);
  r = await api('PATCH', '/tenants/globex', ADMIN, { limits: { calls: null } });
  assert.equal(r.body.limits, { extensions: 2 }, 'null removes a limit');
  r = await api('PATCH', '/tenants/globex', ADMIN, { limits: { extensions: -1 } });
  assert.equal([r.status, r.body.error.details], [422, [{ path: '/limits/extensions', message: 'must be >= 0' }]]);
});

s('tenants created through the API: store created, delete with grace, restore, purge; file-managed ones refuse delete', async () => {
  let r = await api('POST', '/tenants', ADMIN, { id: 'initech', name: 'Initech', domains: ['initech.example'], limits: { extensions: 10 }, features: { ivr: true } });
  assert.equal([r.status, r.body.managedBy, r.body.status, r.body.features], [201, 'api', 'active', { ivr: true }]);
  const dir = join(pbx.dir, 'data', 'tenants', 'initech');
  assert.ok(existsSync(join(dir, 'tenant.sqlite')));
  r = await api('POST', '/tenants', ADMIN, { id: 'initech', name: 'Again', domains: ['x.example'] });
  assert.is(r.status, 409);
  r = await api('POST', '/tenants', ADMIN, { id: 'other', name: 'Other', domains: ['acme.example'] });
  assert.equal([r.status, r.body.error.code], [409, 'domain_taken']);
  r = await api('POST', '/tenants', ADMIN, { id: 'Bad/Id', name: '', domains: [], extra: 1 });
  assert.is(r.status, 422);
  assert.equal(r.body.error.details.map((d: { path: string }) => d.path), ['/id', '/name', '/domains', '/extra']);

  const admin = await newToken({ role: 'tenant-admin', tenantId: 'initech' });
  assert.is((await api('GET', '/tenants/initech', admin.token)).status, 200);
  r = await api('DELETE', '/tenants/initech?graceDays=2', ADMIN);
  assert.equal([r.status, r.body.status], [200, 'deleted']);
  assert.ok(r.body.deleteAfter > Date.now() + 86_400_000);
  assert.is((await api('GET', '/tenants/initech', admin.token)).status, 401, "a deleted tenant's tokens stop working");
  assert.ok(existsSync(dir), 'data kept during the grace period');
  r = await api('POST', '/tenants/initech/restore-deleted', ADMIN);
  assert.equal([r.status, r.body.status, r.body.deleteAfter], [200, 'active', null]);
  assert.is((await api('GET', '/tenants/initech', admin.token)).status, 200);
  r = await api('DELETE', '/tenants/initech?graceDays=0', ADMIN);
  assert.is(r.status, 200);
  assert.is((await api('GET', '/tenants/initech', ADMIN)).status, 404, 'purged');
  assert.not.ok(existsSync(dir), 'its folder is gone');

  r = await api('DELETE', '/tenants/acme', ADMIN);
  assert.equal([r.status, r.body.error.code], [409, 'managed_by_file']);
  r = await api('DELETE', '/tenants/acme?graceDays=-1', ADMIN);
  assert.is(r.status, 422);
});

s('validation: the API refuses what the tenant YAML refuses (issue 9), and every 422 has one shape', async () => {
  /** Every 422: code validation_failed, details a list of { path: JSON pointer, message }. */
  const refused = (r: Answer, paths: string[]) => {
    assert.equal([r.status, r.body.error.code], [422, 'validation_failed'], JSON.stringify(r.body));
    assert.ok(Array.isArray(r.body.error.details), 'details is a list');
    for (const d of r.body.error.details) assert.equal(Object.keys(d).sort(), ['message', 'path']);
    assert.equal(r.body.error.details.map((d: { path: string }) => d.path), paths);
  };
  let r = await api('POST', '/tenants', ADMIN, { id: 'umbrella', name: 'Umbrella', domains: ['umbrella.example'] });
  assert.is(r.status, 201, JSON.stringify(r.body));
  const EXTS = '/tenants/umbrella/extensions';

  // A 5-character password and a 33- or 64-character extension number: the YAML refuses them, so does the API.
  r = await api('POST', EXTS, ADMIN, { ext: '2001', name: 'Ann', password: 'short' });
  refused(r, ['/password']);
  assert.is(r.body.error.details[0].message, 'must be a password of 8-256 characters');
  refused(await api('POST', EXTS, ADMIN, { ext: '2'.repeat(33), name: 'Ann', password: 'ann-2001-secret' }), ['/ext']);
  refused(await api('POST', EXTS, ADMIN, { ext: '2'.repeat(64), name: 'Ann', password: 'ann-2001-secret' }), ['/ext']);
  refused(await api('POST', '/tenants/umbrella/extensions/2001/password', ADMIN, { password: '1234567' }), ['/password']);

  // Names: NUL, other controls and bidi overrides are refused, in tenant and extension names alike.
  for (const name of ['Ann\u0000', 'Ann\u001b[2J', 'Ann\u0085', 'Ann\u202Egpj.exe', 'A\u2066nn', 'Ann\u200F']) {
    refused(await api('POST', EXTS, ADMIN, { ext: '2001', name, password: 'ann-2001-secret' }), ['/name']);
    refused(await api('PATCH', '/tenants/umbrella', ADMIN, { name }), ['/name']);
  }
  refused(await api('POST', '/tokens', ADMIN, { role: 'tenant-admin', tenantId: 'umbrella', label: 'ops\u202Enimda' }), ['/label']);
  r = await api('POST', EXTS, ADMIN, { ext: '2001', name: 'Ånn Ünïcødé', password: 'ann-2001-secret' });
  assert.is(r.status, 201, JSON.stringify(r.body));

  // Limits are bounded: nothing past 2^53 or 1e308, nothing fractional.
  refused(await api('PATCH', '/tenants/umbrella', ADMIN, { limits: { calls: 2 ** 53 + 2 } }), ['/limits/calls']);
  refused(await api('PATCH', '/tenants/umbrella', ADMIN, { limits: { storageMB: 1e308 } }), ['/limits/storageMB']);
  refused(await api('PATCH', '/tenants/umbrella', ADMIN, { limits: { callsPerSecond: 0.5 } }), ['/limits/callsPerSecond']);
  r = await api('PATCH', '/tenants/umbrella', ADMIN, { limits: { calls: 100000, storageMB: 1000000000 } });
  assert.equal([r.status, r.body.limits], [200, { calls: 100000, storageMB: 1000000000 }]);

  // A problem only the tenant's rules see (the body matches its schema) has the same shape and a pointer.
  refused(await api('POST', '/tenants', ADMIN, { id: 'wesker', name: 'Wesker', domains: ['ok.example', 'bad..example'] }), ['/domains/1']);
  // So have a bad query, and a bad E.164 number in the path.
  refused(await api('GET', '/tenants?status=sleeping', ADMIN), ['/status']);
  refused(await api('PUT', '/tenants/umbrella/dids/12345', ADMIN), ['/number']);

  // A body in another charset is refused, not read as UTF-8.
  const utf16 = Buffer.from(JSON.stringify({ ext: '2002', name: 'Bea', password: 'bea-2002-secret' }), 'utf16le');
  const raw = await fetch(`${pbx.apiUrl}${EXTS}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json; charset=utf-16' }, body: utf16 });
  assert.equal([raw.status, ((await raw.json()) as any).error.code], [415, 'unsupported_media_type']);
  assert.is((await api('GET', `${EXTS}/2002`, ADMIN)).status, 404, 'nothing created');

  // The OpenAPI document says so.
  const doc = (await (await fetch(`${pbx.apiUrl}/openapi.json`)).json()) as any;
  assert.is(doc.paths['/tenants/{tenantId}/extensions'].post.responses['422'].content['application/json'].schema.$ref, '#/components/schemas/ValidationError');
  assert.equal(doc.components.schemas.ValidationError.properties.error.properties.details.items.required, ['path', 'message']);
  assert.ok(doc.paths['/tenants/{tenantId}/extensions'].post.responses['415']);
  assert.is(doc.paths['/tenants/{tenantId}/extensions'].post.requestBody.content['application/json'].schema.properties.password.minLength, 8);
});

s('DIDs: assigned by the provider, one tenant each; a tenant-admin reads its own', async () => {
  let r = await api('PUT', '/tenants/globex/dids/+14155550100', ADMIN);
  assert.equal([r.status, r.body.error.code], [409, 'did_taken']);
  r = await api('PUT', '/tenants/globex/dids/%2B442071838750', ADMIN);
  assert.is(r.status, 201);
  r = await api('PUT', '/tenants/globex/dids/+442071838750', ADMIN);
  assert.is(r.status, 200, 'again: no change');
  r = await api('GET', '/tenants/globex/dids', tok['adminB']);
  assert.equal(r.body.items, [{ number: '+442071838750', tenantId: 'globex' }]);
  r = await api('GET', '/dids', ADMIN);
  assert.equal(r.body.items.map((d: { number: string }) => d.number).sort(), ['+14155550100', '+442071838750']);
  r = await api('PUT', '/tenants/globex/dids/12345', ADMIN);
  assert.is(r.status, 422);
  assert.is((await api('DELETE', '/tenants/globex/dids/+442071838750', ADMIN)).status, 204);
  assert.is((await api('DELETE', '/tenants/globex/dids/+442071838750', ADMIN)).status, 404);
});

s('tokens: a tenant-admin makes user tokens of its tenant only; revoked tokens are refused', async () => {
  let r = await api('POST', '/tokens', tok['adminA'], { role: 'user', ext: '1002' });
  assert.equal([r.status, r.body.tenantId, r.body.ext], [201, 'acme', '1002']);
  const user2 = r.body;
  r = await api('POST', '/tokens', tok['adminA'], { role: 'tenant-admin' });
  assert.is(r.status, 403);
  r = await api('POST', '/tokens', tok['adminA'], { role: 'user', tenantId: 'globex', ext: '1001' });
  assert.is(r.status, 404);
  r = await api('POST', '/tokens', ADMIN, { role: 'user', tenantId: 'acme', ext: '9999' });
  assert.is(r.status, 422);
  r = await api('GET', '/tokens', tok['adminA']);
  assert.ok(r.body.items.every((t: { tenantId: string }) => t.tenantId === 'acme'));
  // The secret is all after the second '_' (base64url may itself contain '_').
  assert.not.ok(JSON.stringify(r.body).includes(user2.token.split('_').slice(2).join('_')), 'secrets are never listed');
  r = await api('DELETE', `/tokens/${user2.id}`, tok['adminB']);
  assert.is(r.status, 404);
  r = await api('DELETE', `/tokens/${user2.id}`, tok['adminA']);
  assert.equal([r.status, typeof r.body.revokedAt], [200, 'number']);
  assert.is((await api('GET', '/tokens', user2.token)).status, 401);
  assert.is((await api('DELETE', '/tokens/admin', ADMIN)).status, 409);
});

s('a tenant configured through the API: extensions, trunks and routing take effect at once, within limits, audited; other tenants cannot reach it', async () => {
  let r = await api('POST', '/tenants', ADMIN, { id: 'hooli', name: 'Hooli', domains: ['hooli.example'], limits: { extensions: 2 } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  const admin = (await newToken({ role: 'tenant-admin', tenantId: 'hooli' })).token;

  r = await api('POST', '/tenants/hooli/extensions', admin, { ext: '2001', name: 'Gavin', password: 'hooli-2001-secret' });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.not.ok('password' in r.body, 'a password given is never echoed');
  r = await api('POST', '/tenants/hooli/extensions', admin, { ext: '2002', name: 'Dinesh' });
  assert.is(r.status, 201);
  const generated: string = r.body.password;
  assert.ok(typeof generated === 'string' && generated.length >= 12, 'a generated password is shown once');
  r = await api('POST', '/tenants/hooli/extensions', admin, { ext: '2003', name: 'Gilfoyle', password: 'hooli-2003-secret' });
  assert.equal([r.status, r.body.error.code], [409, 'limit_exceeded']);
  r = await api('POST', '/tenants/hooli/extensions', admin, { ext: '2001', name: 'Twice', password: 'hooli-2001-secret' });
  assert.is(r.status, 409, 'an extension that exists');

  // The phones see it at once, without a reload.
  const g = await phone('2001', 'hooli.example', 'hooli-2001-secret');
  assert.is(await g.register(), 200);
  const d = await phone('2002', 'hooli.example', generated);
  assert.is(await d.register(), 200);
  r = await api('GET', '/tenants/hooli/registrations', admin);
  assert.equal(r.body.items.map((b: { ext: string }) => b.ext).sort(), ['2001', '2002']);

  // A password reset: the old one stops working, the new one works.
  r = await api('POST', '/tenants/hooli/extensions/2002/password', admin, { password: 'hooli-2002-new' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  const old = await phone('2002', 'hooli.example', generated);
  assert.is.not(await old.register(), 200, 'the old password is refused');
  const renewed = await phone('2002', 'hooli.example', 'hooli-2002-new');
  assert.is(await renewed.register(), 200);

  // Trunks and routes, validated like the YAML.
  r = await api('PUT', '/tenants/hooli/trunks/carrier', admin, { kind: 'ip', host: '192.0.2.10', allowedSources: ['192.0.2.10/32'], username: 'hooli', password: 'trunk-secret' });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.not.ok(JSON.stringify(r.body).includes('trunk-secret'), 'trunk passwords are write-only');
  r = await api('PUT', '/tenants/hooli/routing', admin, { countryCode: '1', nationalPrefix: '1', outboundRoutes: [{ name: 'us', patterns: ['NXXNXXXXXX'], prepend: '+1', trunks: ['nope'] }] });
  assert.equal([r.status, r.body.error.code], [422, 'validation_failed']);
  r = await api('PUT', '/tenants/hooli/routing', admin, { countryCode: '1', nationalPrefix: '1', outboundRoutes: [{ name: 'us', patterns: ['NXXNXXXXXX'], prepend: '+1', trunks: ['carrier'] }] });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.outboundRoutes[0].trunks[0], 'carrier');

  // Changes are in the tenant's audit log, with who made them.
  r = await api('GET', '/tenants/hooli/audit', admin);
  const actions = r.body.items.map((a: { action: string }) => a.action);
  for (const a of ['extension.create', 'extension.password']) assert.ok(actions.includes(a), `${a} in ${actions}`);
  assert.ok(r.body.items.every((a: { actor: string }) => typeof a.actor === 'string' && a.actor.length > 0));

  // Another tenant's admin sees none of it.
  for (const path of ['/tenants/hooli/extensions', '/tenants/hooli/extensions/2001', '/tenants/hooli/trunks', '/tenants/hooli/routing', '/tenants/hooli/registrations', '/tenants/hooli/audit', '/tenants/hooli/cdrs']) {
    assert.is((await api('GET', path, tok['adminA'])).status, 404, path);
  }
  assert.is((await api('DELETE', '/tenants/hooli/extensions/2001', tok['adminA'])).status, 404);

  // Deleting an extension: its phone can no longer register.
  r = await api('DELETE', '/tenants/hooli/extensions/2001', admin);
  assert.ok(r.status === 200 || r.status === 204, JSON.stringify(r.body));
  assert.is.not(await g.register(), 200);
});

// ---- the authorisation matrix --------------------------------------------------------------

interface Principal {
  name: string;
  token?: string;
  role?: 'provider' | 'tenant-admin' | 'user';
  tenantId?: string;
  ext?: string;
}

/**
 * How to call an operation so that an allowed principal gets its answer: path parameters
 * beyond tenantId/ext, a body, and the status the allowed call gets (default: the
 * operation's documented success status). Keyed by 'METHOD /path'. An operation without
 * an entry is still called with every principal; for allowed ones only "not 401/403,
 * not 5xx" is asserted.
 */
interface Fixture {
  params?: () => Promise<Record<string, string>> | Record<string, string>;
  body?: (p: Principal) => unknown;
  allowed?: number;
  /** The tenant whose resource the call reaches when the path does not say (a token id). */
  owner?: string;
}
let seq = 0;
const FIXTURES: Record<string, Fixture> = {
  'POST /tenants': { body: () => ({ id: `matrix-${++seq}`, name: 'M', domains: [`matrix-${seq}.example`] }) },
  'PATCH /tenants/{tenantId}': { body: () => ({ features: { recording: true } }) },
  'DELETE /tenants/{tenantId}': { allowed: 409 }, // acme is file-managed: its file decides
  'POST /tenants/{tenantId}/restore-deleted': { allowed: 409 }, // acme is not deleted
  // Taking acme over would change the world of every later call: a tenant that does not exist (404 for all).
  'POST /tenants/{tenantId}/take-over': { params: () => ({ tenantId: 'no-such-tenant' }), allowed: 404 },
  'PUT /tenants/{tenantId}/dids/{number}': { params: () => ({ number: '+14155550177' }) },
  // Each call takes back a number given to tenant A just before.
  'DELETE /tenants/{tenantId}/dids/{number}': {
    params: async () => {
      const number = `+1415555${String(2000 + ++seq)}`;
      assert.is((await api('PUT', `/tenants/acme/dids/${encodeURIComponent(number)}`, ADMIN)).status, 201);
      return { number };
    },
    allowed: 204,
  },
  'POST /tokens': { body: (p) => ({ role: 'user', tenantId: 'acme', ext: '1002', label: `by ${p.name}` }) },
  // acme is configured by its YAML file: every configuration write through the API is
  // refused with 409 managed_by_file (the file would undo it at the next start).
  'POST /tenants/{tenantId}/extensions': { body: () => ({ ext: '5001', name: 'M', password: 'matrix-secret-5001' }), allowed: 409 },
  'PATCH /tenants/{tenantId}/extensions/{ext}': { body: () => ({ name: 'Renamed' }), allowed: 409 },
  'DELETE /tenants/{tenantId}/extensions/{ext}': { allowed: 409 },
  'POST /tenants/{tenantId}/extensions/{ext}/password': { body: () => ({ password: 'matrix-new-secret' }), allowed: 409 },
  'PUT /tenants/{tenantId}/trunks': { body: () => ({ trunks: [] }), allowed: 409 },
  'PUT /tenants/{tenantId}/trunks/{name}': { params: () => ({ name: 'matrix' }), body: () => ({ name: 'matrix', kind: 'ip', host: '192.0.2.1', allowedSources: ['192.0.2.1/32'] }), allowed: 409 },
  'DELETE /tenants/{tenantId}/trunks/{name}': { params: () => ({ name: 'matrix' }), allowed: 404 },
  'GET /tenants/{tenantId}/trunks/{name}': { params: () => ({ name: 'matrix' }), allowed: 404 },
  'PUT /tenants/{tenantId}/routing': { body: () => ({ countryCode: '1', nationalPrefix: '1' }), allowed: 409 },
  // The recording policy too: the file's `recording:` keys decide (tenant and extension).
  'PUT /tenants/{tenantId}/recording-policy': { body: () => ({ mode: 'always' }), allowed: 409 },
  'PUT /tenants/{tenantId}/extensions/{ext}/recording': { body: () => ({ mode: 'always' }), allowed: 409 },
  'DELETE /tenants/{tenantId}/calls/{callId}': { params: () => ({ callId: 'no-such-call' }), allowed: 404 },
  // Each call revokes a fresh token of tenant A.
  'DELETE /tokens/{tokenId}': { params: async () => ({ tokenId: (await newToken({ role: 'user', tenantId: 'acme', ext: '1002' })).id }), owner: 'acme' },
};

/** What the central rules say a principal gets (before any handler): 401, 403, 404, or 'allowed'. */
function expected(p: Principal, roles: string[], params: Record<string, string>, path: string, body: unknown, owner?: string): number | 'allowed' {
  if (!p.role) return 401;
  if (p.role !== 'provider') {
    if (path.includes('{tenantId}') && params['tenantId'] !== p.tenantId) return 404;
    if (p.role === 'user' && path.includes('{ext}') && params['ext'] !== p.ext) return 404;
  }
  if (!roles.includes(p.role)) return 403;
  // A body naming another tenant is that tenant's resource too.
  const bt = (body as { tenantId?: string } | undefined)?.tenantId;
  if (p.role !== 'provider' && bt !== undefined && bt !== p.tenantId) return 404;
  if (p.role !== 'provider' && owner !== undefined && owner !== p.tenantId) return 404;
  return 'allowed';
}

s('authorisation matrix: every endpoint × no token, provider, tenant-admin A, tenant-admin B on A, user A (own and other ext), revoked', async () => {
  const doc = (await (await fetch(`${pbx.apiUrl}/openapi.json`)).json()) as any;
  const principals: Principal[] = [
    { name: 'no token' },
    { name: 'provider', token: tok['provider'], role: 'provider' },
    { name: 'admin token of pbx.yaml', token: ADMIN, role: 'provider' },
    { name: 'tenant-admin A', token: tok['adminA'], role: 'tenant-admin', tenantId: 'acme' },
    { name: 'tenant-admin B on A', token: tok['adminB'], role: 'tenant-admin', tenantId: 'globex' },
    { name: 'user A own ext', token: tok['userA'], role: 'user', tenantId: 'acme', ext: '1001' },
    { name: 'user A other ext', token: tok['userA'], role: 'user', tenantId: 'acme', ext: '1001' },
    { name: 'revoked', token: tok['revoked'] },
  ];
  const notFoundBody = (await api('GET', '/tenants/no-such-tenant', ADMIN)).body;
  assert.equal(notFoundBody, { error: { code: 'not_found', message: 'not found' } });
  let calls = 0;
  const failures: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(ops)) {
      // The role-checked JSON routes only: login, session, logout, the event stream, metrics and health have their own tests.
      if (method === 'servers' || op['x-route-kind'] !== undefined) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const fx = FIXTURES[key] ?? {};
      const success = Number(Object.keys(op.responses).find((c) => /^2/.test(c)) ?? 200);
      for (const p of principals) {
        const params: Record<string, string> = { tenantId: 'acme', ext: p.name === 'user A other ext' ? '1002' : '1001', number: '+14155550100', tokenId: '0000000000000000', ...(await fx.params?.()) };
        const url = path.replace(/\{(\w+)\}/g, (_m, n: string) => encodeURIComponent(params[n] ?? 'x'));
        const body = fx.body?.(p);
        const want = expected(p, op['x-roles'], params, path, body, fx.owner);
        const r = await api(method.toUpperCase(), url, p.token, body);
        calls++;
        const where = `${key} as ${p.name}: got ${r.status} ${JSON.stringify(r.body)?.slice(0, 200)}`;
        if (want === 'allowed') {
          if (FIXTURES[key]) {
            const ok = fx.allowed ?? success;
            if (r.status !== ok && !(ok === 201 && r.status === 200)) failures.push(`${where}, want ${ok}`);
          } else if (r.status === 401 || r.status === 403 || r.status >= 500) failures.push(`${where}, want an allowed answer`);
        } else {
          if (r.status !== want) failures.push(`${where}, want ${want}`);
          if (want === 401 && !/^Bearer/.test(r.headers.get('www-authenticate') ?? '')) failures.push(`${where}: no WWW-Authenticate`);
          if (want === 404 && JSON.stringify(r.body) !== JSON.stringify(notFoundBody)) failures.push(`${where}: a foreign tenant must read like a missing one`);
        }
        // Keep the world as the next call expects it.
        if (key === 'POST /tenants/{tenantId}/suspend' && r.status === 200) await api('POST', '/tenants/acme/resume', ADMIN);
      }
    }
  }
  assert.equal(failures, []);
  assert.ok(calls >= 15 * principals.length, `called ${calls}`);
});

s.run();
