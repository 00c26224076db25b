import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hashWebPassword } from '../../src/tenant/web-password.js';
import { ConsoleClient } from '../support/console-client.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';

// Issue 14: console sessions persist in system.sqlite. A user, a tenant admin and a provider
// log in; the server restarts (SIGTERM, a new process on the same data); each cookie still
// works with the same CSRF token; after logout (and another restart) it does not. Another
// tenant's id stays refused to a restored session.

const s = suite('console session restart');
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', password: 'acme-1001-secret', extraKeys: 'webPassword: "alice-web-1001"' },
    { ext: '1002', password: 'acme-1002-secret', extraKeys: 'webPassword: "bob-web-1002", webAdmin: true' },
  ],
};
const GLOBEX: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }] };
const ROOT_PASSWORD = 'root-console-password';

let pbx: PbxProcess;

s.before(async () => {
  pbx = await PbxProcess.start({
    tenants: [ACME, GLOBEX],
    transports: ['udp'],
    extraYaml: ['security: { floodRate: 0 }', 'console:', `  providers: [ { name: root, passwordHash: "${hashWebPassword(ROOT_PASSWORD)}" } ]`].join('\n'),
  });
});

s.after(async () => {
  await pbx?.dispose();
});

s('sessions survive a restart; logout ends one for good; a restored session still reaches only its own tenant', async () => {
  const alice = await ConsoleClient.login(pbx.apiUrl, '1001@acme.example', 'alice-web-1001');
  const bob = await ConsoleClient.login(pbx.apiUrl, '1002@acme.example', 'bob-web-1002');
  const root = await ConsoleClient.login(pbx.apiUrl, 'root', ROOT_PASSWORD);
  const gone = await ConsoleClient.login(pbx.apiUrl, '1001@acme.example', 'alice-web-1001');
  assert.is((await gone.send('POST', '/logout')).status, 204);

  await pbx.restart();

  const a = await alice.send('GET', '/session');
  assert.is(a.status, 200, `the user's cookie works after the restart: ${a.text}`);
  assert.is(a.body.ext, '1001');
  assert.is(a.body.csrfToken, alice.csrf, 'the same CSRF token');
  assert.is((await alice.send('GET', '/tenants/acme/extensions/1001')).status, 200);
  const other = await alice.send('GET', '/tenants/globex/extensions/1001');
  assert.ok(other.status === 403 || other.status === 404, `another tenant's extension stays refused: ${other.status}`);
  assert.not.match(other.text, 'globex-1001');

  const b = await bob.send('GET', '/session');
  assert.is(b.status, 200);
  assert.is(b.body.role, 'tenant-admin');
  // A mutating request with the restored CSRF token goes through; a forged one does not.
  const put = await bob.send('PUT', '/tenants/acme/extensions/1002/web-password', { password: 'bob-new-web-pass' });
  assert.ok(put.status < 300, `a restored session's CSRF token is accepted: ${put.status} ${put.text}`);
  assert.is((await bob.send('PUT', '/tenants/acme/extensions/1002/web-password', { password: 'another-pass-x' }, { csrf: 'forged' })).status, 403);
  const others = await bob.send('GET', '/tenants/globex/extensions');
  assert.ok(others.status === 403 || others.status === 404, `the admin of acme cannot list globex: ${others.status}`);

  assert.is((await root.send('GET', '/session')).status, 200);
  assert.is((await root.send('GET', '/tenants/globex')).status, 200, 'the provider reaches every tenant');

  assert.is((await gone.send('GET', '/session')).status, 401, 'a session logged out before the restart stays ended');

  assert.is((await alice.send('POST', '/logout')).status, 204);
  assert.is((await alice.send('GET', '/session')).status, 401);
  await pbx.restart();
  assert.is((await alice.send('GET', '/session')).status, 401, 'logged out: refused after another restart too');
  assert.is((await root.send('GET', '/session')).status, 200, 'the provider is still logged in');
});

s("the real server's OpenAPI document has the console's endpoints with their schemas, and the raw ones", async () => {
  const doc = (await (await fetch(`${pbx.apiUrl}/openapi.json`)).json()) as any;
  assert.equal(doc.paths['/login'].post.requestBody.content['application/json'].schema.required, ['username', 'password']);
  assert.ok(doc.paths['/session'].get.responses['200'].content['application/json'].schema.properties.csrfToken);
  assert.ok(doc.paths['/logout'].post.responses['204']);
  assert.ok(doc.paths['/events'].get.responses['200'].content['text/event-stream']);
  for (const p of ['/metrics', '/healthz', '/readyz', '/']) assert.equal(doc.paths[p]?.servers, [{ url: '/' }], p);
  assert.ok(doc.paths['/openapi.json'].get);
  assert.ok(doc.paths['/tenants'].post, 'the JSON routes are still there');
});

s.run();
