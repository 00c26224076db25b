import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConsoleClient } from '../support/console-client.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

// Issue 14: brute force on the console login (429, the username lock, the address ban shared
// with SIP, counted on /metrics), and sessions of a tenant that is deleted or disabled.
// Loopback is not trusted here, so the guards apply to the test's own address.

const s = suite('console guard');
const ADMIN = 'provider-secret-for-guard-tests';
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', password: 'acme-1001-secret', extraKeys: 'webPassword: "alice-web-1001"' },
    { ext: '1002', password: 'acme-1002-secret', extraKeys: 'webPassword: "bob-web-1002"' },
  ],
};
const GLOBEX: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret', extraKeys: 'webPassword: "globex-web-1001", webAdmin: true' }] };

let pbx: PbxProcess;

async function bearer(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const r = await fetch(pbx.apiUrl + path, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: r.status, body: parsed, text };
}

async function metric(name: string): Promise<number> {
  const r = await fetch(pbx.apiUrl.replace('/api/v1', '/metrics'), { headers: { authorization: `Bearer ${ADMIN}` } });
  const text = await r.text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name + ' ') || line.startsWith(name + '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

const login = (u: string, p: string) => new ConsoleClient(pbx.apiUrl).login(u, p);

s.before(async () => {
  const base = 45000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({
    tenants: [ACME, GLOBEX],
    transports: ['udp'],
    adminToken: ADMIN,
    extraYaml: [
      `rtp: { ports: ${base}-${base + 99}, workers: 1 }`,
      'security: { floodRate: 0, authFailBan: { attempts: 8, windowSeconds: 60, banSeconds: 600 } }',
      'registrar: { writeDelayMs: 0 }',
      'console: { loginFailBan: { attempts: 7, windowSeconds: 300, banSeconds: 900 }, userFailLock: 3 }',
    ].join('\n'),
  });
});

s.after(async () => {
  await pbx?.dispose();
});

s('web-login: an API-managed tenant makes an extension its console admin; its sessions end; a file-managed one says 409', async () => {
  assert.is((await bearer('POST', '/tenants', { id: 'hooli', name: 'Hooli', domains: ['hooli.example'] })).status, 201);
  assert.is((await bearer('POST', '/tenants/hooli/extensions', { ext: '3001', name: 'Gavin', password: 'hooli-3001-secret' })).status, 201);
  assert.equal((await bearer('GET', '/tenants/hooli/extensions/3001/web-login')).body, { ext: '3001', webPassword: false, webAdmin: false });
  assert.is((await bearer('PUT', '/tenants/hooli/extensions/3001/web-password', { password: 'gavin-web-3001' })).status, 204);
  const gavin = await ConsoleClient.login(pbx.apiUrl, '3001@hooli.example', 'gavin-web-3001');
  assert.is(gavin.session.role, 'user');
  assert.equal((await gavin.send('GET', '/tenants/hooli/extensions/3001/web-login')).body, { ext: '3001', webPassword: true, webAdmin: false });
  assert.is((await gavin.send('PATCH', '/tenants/hooli/extensions/3001/web-login', { webAdmin: true })).status, 403, 'a user cannot make itself admin');
  const r = await bearer('PATCH', '/tenants/hooli/extensions/3001/web-login', { webAdmin: true });
  assert.equal([r.status, r.body], [200, { ext: '3001', webPassword: true, webAdmin: true }]);
  assert.is((await gavin.send('GET', '/session')).status, 401, 'the role changed: the user session ended');
  const admin = await ConsoleClient.login(pbx.apiUrl, '3001@hooli.example', 'gavin-web-3001');
  assert.is(admin.session.role, 'tenant-admin');
  assert.is((await admin.send('GET', '/tenants/hooli/extensions')).status, 200);
  assert.is((await admin.send('PATCH', '/tenants/acme/extensions/1001/web-login', { webAdmin: true })).status, 404, 'not its tenant');
  assert.is((await bearer('PATCH', '/tenants/acme/extensions/1001/web-login', { webAdmin: true })).status, 409);
  assert.is((await bearer('PATCH', '/tenants/hooli/extensions/3001/web-login', { webAdmin: 'yes' })).status, 422);
});

s('sessions of a tenant that is deleted (API) or disabled (its file removed) stop working', async () => {
  assert.is((await bearer('POST', '/tenants', { id: 'initech', name: 'Initech', domains: ['initech.example'] })).status, 201);
  assert.is((await bearer('POST', '/tenants/initech/extensions', { ext: '2001', name: 'Peter', password: 'initech-2001-secret' })).status, 201);
  assert.is((await bearer('PUT', '/tenants/initech/extensions/2001/web-password', { password: 'peter-web-2001' })).status, 204);
  const peter = await ConsoleClient.login(pbx.apiUrl, '2001@initech.example', 'peter-web-2001');
  assert.is((await peter.send('GET', '/tenants/initech/extensions/2001')).status, 200);
  assert.is((await bearer('DELETE', '/tenants/initech')).status, 200);
  assert.is((await peter.send('GET', '/session')).status, 401);
  assert.is((await peter.send('GET', '/tenants/initech/extensions/2001')).status, 401);
  assert.is((await login('2001@initech.example', 'peter-web-2001')).status, 401);

  const g = await ConsoleClient.login(pbx.apiUrl, '1001@globex.example', 'globex-web-1001');
  assert.is(g.session.role, 'tenant-admin');
  rmSync(join(pbx.dir, 'tenants', 'globex.yaml'));
  const from = pbx.logs.length;
  pbx.signal('SIGHUP');
  await pbx.waitForLog(/reloaded/, 10_000, from);
  assert.is((await g.send('GET', '/tenants/globex/extensions')).status, 401);
  assert.is((await login('1001@globex.example', 'globex-web-1001')).status, 401);
});

s('brute force: a username is locked after userFailLock failures, the address after loginFailBan.attempts, and SIP shares the ban', async () => {
  const failuresBefore = await metric('pbx_console_login_failures_total');
  for (let i = 0; i < 3; i++) assert.is((await login('1001@acme.example', `guess-${i}-wrong`)).status, 401);
  const locked = await login('1001@acme.example', 'alice-web-1001');
  assert.is(locked.status, 429, 'the right password does not help while the username is locked');
  assert.is(locked.body.error.code, 'too_many_requests');
  assert.ok(Number(locked.headers.get('retry-after')) > 0);
  assert.is((await login('1002@acme.example', 'bob-web-1002')).status, 200, 'another account from the same address still may');
  // The first test failed twice from this address (logins of a gone tenant): two more failures
  // (unknown names count the same) make 7, and the address is banned.
  assert.is((await login('9999@acme.example', 'whatever-1')).status, 401);
  assert.is((await login('nobody', 'whatever-2')).status, 401);
  const banned = await login('1002@acme.example', 'bob-web-1002');
  assert.is(banned.status, 429);
  assert.is(await metric('pbx_console_login_failures_total'), failuresBefore + 5);
  assert.ok((await metric('pbx_console_login_refused_total')) >= 2);
  // The SIP edge counted the same 7 failures (authFailBan.attempts 8): one digest failure more bans the address for SIP too.
  const ph = await UdpPhone.open({ user: '1001', domain: 'acme.example', password: 'wrong-sip-password', server: { host: '127.0.0.1', port: pbx.ports.udp } });
  try {
    assert.is(await ph.register(), 403);
    const after = await ph.register().then(
      (st) => `answered ${st}`,
      () => 'no answer',
    );
    assert.is(after, 'no answer', 'banned at the SIP edge after 7 console failures and 1 SIP failure');
  } finally {
    ph.close();
  }
});

s.run();
