import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hashWebPassword } from '../../src/tenant/web-password.js';
import { ConsoleClient } from '../support/console-client.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';

// Issue 14 point 2: console logins against the real server over real HTTP: the cookie, the
// session body, CSRF on every mutating request, bearer tokens unchanged, logout, and one
// tenant's user or admin never reaching another tenant.

const s = suite('console login');
const ADMIN = 'provider-secret-for-console-tests';
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example', 'acme-alias.example'],
  extensions: [
    { ext: '1001', password: 'acme-1001-secret', extraKeys: 'webPassword: "alice-web-1001"' },
    { ext: '1002', password: 'acme-1002-secret', extraKeys: 'webPassword: "bob-web-1002", webAdmin: true' },
    { ext: '1003', password: 'acme-1003-secret' },
  ],
};
const GLOBEX: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret', extraKeys: 'webPassword: "globex-web-1001", webAdmin: true' }] };
const ROOT_PASSWORD = 'root-console-password';

let pbx: PbxProcess;

async function bearer(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(pbx.apiUrl + path, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

s.before(async () => {
  const base = 43000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({
    tenants: [ACME, GLOBEX],
    transports: ['udp'],
    adminToken: ADMIN,
    extraYaml: [
      `rtp: { ports: ${base}-${base + 99}, workers: 1 }`,
      'security: { floodRate: 0 }',
      'registrar: { writeDelayMs: 0 }',
      'console:',
      `  providers: [ { name: root, passwordHash: "${hashWebPassword(ROOT_PASSWORD)}" } ]`,
    ].join('\n'),
  });
});

s.after(async () => {
  await pbx?.dispose();
});

s('a user logs in with ext@domain: the session body and a HttpOnly, SameSite=Strict, Secure cookie', async () => {
  const c = new ConsoleClient(pbx.apiUrl);
  const r = await c.login('1001@acme.example', 'alice-web-1001');
  assert.is(r.status, 200, r.text);
  assert.is(r.body.role, 'user');
  assert.is(r.body.tenantId, 'acme');
  assert.is(r.body.ext, '1001');
  assert.is(r.body.username, '1001@acme.example');
  assert.type(r.body.csrfToken, 'string');
  assert.ok(r.body.csrfToken.length >= 32);
  assert.ok(Date.parse(r.body.expiresAt) > Date.now());
  const cookie = r.headers.get('set-cookie')!;
  assert.match(cookie, /^pbx_session=[A-Za-z0-9_-]{40,}; /);
  for (const attr of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Secure']) assert.ok(cookie.split('; ').includes(attr), `${attr} in ${cookie}`);
  const again = await c.send('GET', '/session');
  assert.is(again.status, 200);
  assert.is(again.body.role, 'user');
  assert.is(again.body.ext, '1001');
  assert.is(again.body.csrfToken, c.csrf);
  // Any of the tenant's domains names it; the domain is not case-sensitive.
  assert.is((await new ConsoleClient(pbx.apiUrl).login('1001@ACME-alias.example', 'alice-web-1001')).status, 200);
});

s('an extension marked webAdmin logs in as its tenant admin; a provider account as the provider', async () => {
  const a = await ConsoleClient.login(pbx.apiUrl, '1002@acme.example', 'bob-web-1002');
  assert.is(a.session.role, 'tenant-admin');
  assert.is(a.session.tenantId, 'acme');
  assert.is(a.session.ext, '1002');
  assert.is((await a.send('GET', '/tenants/acme/extensions')).status, 200);
  assert.is((await a.send('GET', '/tenants')).status, 403);
  // The tenant's audit log says who logged in (never a password).
  const audit = await a.send('GET', '/tenants/acme/audit');
  assert.is(audit.status, 200);
  const logins = audit.body.items.filter((e: { action: string }) => e.action === 'console.login');
  assert.ok(logins.some((e: { target: string }) => e.target === '1001'));
  assert.ok(logins.some((e: { target: string }) => e.target === '1002'));
  assert.not.ok(audit.text.includes('alice-web-1001'));
  const p = await ConsoleClient.login(pbx.apiUrl, 'root', ROOT_PASSWORD);
  assert.is(p.session.role, 'provider');
  assert.is(p.session.tenantId, undefined);
  assert.is((await p.send('GET', '/tenants')).status, 200);
});

s('a wrong password, an unknown user, an extension without a web password: the same 401', async () => {
  const answers = [];
  for (const [u, pw] of [
    ['1001@acme.example', 'wrong-password'],
    ['1009@acme.example', 'alice-web-1001'],
    ['1003@acme.example', 'acme-1003-secret'],
    ['1001@nowhere.example', 'alice-web-1001'],
    ['nobody', ROOT_PASSWORD],
    ['root', 'alice-web-1001'],
  ]) {
    const r = await new ConsoleClient(pbx.apiUrl).login(u!, pw!);
    assert.is(r.status, 401, `${u}: ${r.text}`);
    assert.is(r.headers.get('set-cookie'), null);
    answers.push(r.body);
  }
  for (const b of answers) assert.equal(b, answers[0]);
  assert.is(answers[0].error.code, 'unauthorized');
});

s("a login another site starts is refused (Sec-Fetch-Site, Origin); the console's own origin is fine", async () => {
  const own = `http://127.0.0.1:${pbx.apiPort}`;
  assert.is((await new ConsoleClient(pbx.apiUrl).login('1001@acme.example', 'alice-web-1001', { origin: own, 'sec-fetch-site': 'same-origin' })).status, 200);
  for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }, { origin: 'null' }, { origin: 'not a url' }] as Array<Record<string, string>>) {
    const r = await new ConsoleClient(pbx.apiUrl).login('1001@acme.example', 'alice-web-1001', headers);
    assert.is(r.status, 403, JSON.stringify(headers));
    assert.is(r.body.error.code, 'csrf');
    assert.is(r.headers.get('set-cookie'), null);
  }
});

s('bad login bodies are 415/400/422, never a session', async () => {
  const post = (body: string, type = 'application/json') => fetch(pbx.apiUrl + '/login', { method: 'POST', headers: { 'content-type': type }, body });
  assert.is((await post('username=a&password=b', 'application/x-www-form-urlencoded')).status, 415);
  assert.is((await post('{not json')).status, 400);
  assert.is((await post(JSON.stringify({ username: 1001, password: 'x' }))).status, 422);
  assert.is((await post(JSON.stringify({ username: '1001@acme.example' }))).status, 422);
  assert.is((await post(JSON.stringify({ username: 'a'.repeat(400), password: 'x' }))).status, 422);
});

s('with the cookie, a request that changes something needs the session CSRF token', async () => {
  const c = await ConsoleClient.login(pbx.apiUrl, '1001@acme.example', 'alice-web-1001');
  const path = '/tenants/acme/extensions/1001/web-password';
  const none = await c.send('PUT', path, { password: 'alice-web-new' }, { csrf: false });
  assert.is(none.status, 403);
  assert.is(none.body.error.code, 'csrf');
  const wrong = await c.send('PUT', path, { password: 'alice-web-new' }, { csrf: 'A'.repeat(c.csrf!.length) });
  assert.is(wrong.status, 403);
  assert.is(wrong.body.error.code, 'csrf');
  const other = await ConsoleClient.login(pbx.apiUrl, '1001@acme.example', 'alice-web-1001');
  assert.is((await c.send('PUT', path, { password: 'alice-web-new' }, { csrf: other.csrf! })).status, 403, "another session's token");
  assert.is((await c.send('PUT', path, { password: 'short' })).status, 422, 'the minimum length');
  const right = await c.send('PUT', path, { password: 'alice-web-new' });
  assert.is(right.status, 204, right.text);
  // The session that changed it goes on; the extension's other sessions end; the new password works.
  assert.is((await c.send('GET', '/session')).status, 200);
  assert.is((await other.send('GET', '/session')).status, 401);
  assert.is((await new ConsoleClient(pbx.apiUrl).login('1001@acme.example', 'alice-web-1001')).status, 401);
  assert.is((await new ConsoleClient(pbx.apiUrl).login('1001@acme.example', 'alice-web-new')).status, 200);
  assert.is((await c.send('PUT', path, { password: 'alice-web-1001' })).status, 204);
  // GET needs none.
  assert.is((await c.send('GET', '/tenants/acme/extensions/1001', undefined, { csrf: false })).status, 200);
});

s('bearer tokens work as before, without CSRF, even next to a cookie', async () => {
  const r = await bearer('PUT', '/tenants/acme/extensions/1003/web-password', { password: 'carol-web-1003' });
  assert.is(r.status, 204);
  const carol = await ConsoleClient.login(pbx.apiUrl, '1003@acme.example', 'carol-web-1003');
  assert.is(carol.session.role, 'user');
  const c = await ConsoleClient.login(pbx.apiUrl, '1001@acme.example', 'alice-web-1001');
  const both = await c.send('POST', '/tokens', { role: 'tenant-admin', tenantId: 'globex' }, { csrf: false, headers: { authorization: `Bearer ${ADMIN}` } });
  assert.is(both.status, 201, 'the bearer token decides: the provider');
  assert.is((await c.send('POST', '/tokens', { role: 'tenant-admin', tenantId: 'globex' })).status, 403, 'the cookie alone: a user');
});

s('logout ends the session on the server and clears the cookie', async () => {
  const c = await ConsoleClient.login(pbx.apiUrl, '1001@acme.example', 'alice-web-1001');
  const stolen = c.cookie;
  const r = await c.send('POST', '/logout');
  assert.is(r.status, 204);
  assert.match(r.headers.get('set-cookie')!, /^pbx_session=; .*Max-Age=0/);
  c.cookie = stolen;
  assert.is((await c.send('GET', '/session')).status, 401);
  assert.is((await c.send('GET', '/tenants/acme/extensions/1001')).status, 401);
});

s('every answer carries the security headers (CSP without unsafe-inline, nosniff, no-referrer)', async () => {
  for (const path of ['/session', '/tenants', '/nothing-here']) {
    const r = await fetch(pbx.apiUrl + path);
    assert.is(r.headers.get('content-security-policy'), "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'");
    assert.is(r.headers.get('x-content-type-options'), 'nosniff');
    assert.is(r.headers.get('referrer-policy'), 'no-referrer');
  }
});

s("a user or tenant admin of acme reaches nothing of globex through any tenant route (every method, from the OpenAPI document)", async () => {
  const doc = (await (await fetch(`${pbx.apiUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const user = await ConsoleClient.login(pbx.apiUrl, '1001@acme.example', 'alice-web-1001');
  const admin = await ConsoleClient.login(pbx.apiUrl, '1002@acme.example', 'bob-web-1002');
  const fill = (template: string, tenantId: string) =>
    template.replace(/\{([A-Za-z_]+)\}/g, (_, name: string) => encodeURIComponent(name === 'tenantId' ? tenantId : name === 'ext' ? '1001' : name === 'number' ? '+14155550100' : 'x1'));
  let checked = 0;
  for (const [template, ops] of Object.entries(doc.paths)) {
    if (!template.includes('{tenantId}')) continue;
    for (const method of Object.keys(ops).map((m) => m.toUpperCase())) {
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) continue;
      for (const [who, c] of [['user', user], ['admin', admin]] as const) {
        const r = await c.send(method, fill(template, 'globex'), method === 'GET' || method === 'DELETE' ? undefined : {});
        assert.is(r.status, 404, `${who} ${method} ${template}: ${r.status} ${r.text}`);
        assert.equal(r.body, { error: { code: 'not_found', message: 'not found' } });
        checked++;
      }
    }
  }
  assert.ok(checked > 100, `${checked} requests`);
  // Provider-only routes: 403 for both.
  for (const [method, path] of [['GET', '/tenants'], ['POST', '/tenants'], ['GET', '/dids']] as const) {
    assert.is((await user.send(method, path, method === 'POST' ? {} : undefined)).status, 403, path);
    assert.is((await admin.send(method, path, method === 'POST' ? {} : undefined)).status, 403, path);
  }
  // /metrics is the provider's.
  assert.is((await fetch(pbx.apiUrl.replace('/api/v1', '/metrics'), { headers: { cookie: `pbx_session=${admin.cookie}` } })).status, 403);
  // Nothing of globex changed: its admin still logs in with its password, its extension is as it was.
  const g = await ConsoleClient.login(pbx.apiUrl, '1001@globex.example', 'globex-web-1001');
  const x = await g.send('GET', '/tenants/globex/extensions/1001');
  assert.is(x.status, 200);
  assert.is(x.body.name, '1001');
  // And the user of acme reaches its own extension but not a colleague's.
  assert.is((await user.send('GET', '/tenants/acme/extensions/1001')).status, 200);
  assert.is((await user.send('GET', '/tenants/acme/extensions/1002')).status, 404);
  assert.is((await user.send('PUT', '/tenants/acme/extensions/1002/web-password', { password: 'taken-over!' })).status, 404);
  assert.is((await new ConsoleClient(pbx.apiUrl).login('1002@acme.example', 'taken-over!')).status, 401);
});

s.run();
