// Issue 16, finding 4: request forgery through tenant trunks. A tenant-admin who may point
// its own trunk at any host and port could make the PBX connect to 127.0.0.1:<port> over
// TCP and send a REGISTER there (a local admin interface, a database, a metadata
// service). Tenant trunks may not point at loopback, link-local, unspecified, multicast,
// the PBX's own addresses or (by default) private ranges: refused through the admin API
// (422), in a tenant file (file:line:col), and for a host name at connect time, after DNS.
// The real server as a child process; a real TCP listener at the target counts what connects.
import { createServer, type Server } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, tenantYaml, type TestTenant } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';

const ADMIN = 'forgery-admin-token';
let pbx: PbxProcess;
let victim: { server: Server; port: number; connections: number };

type Answer = { status: number; body: any };

async function api(method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(pbx.apiUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

/** A local TCP service that counts every connection made to it. */
async function tcpVictim(): Promise<{ server: Server; port: number; connections: number }> {
  const port = await freePort();
  const v = { server: createServer(), port, connections: 0 };
  v.server.on('connection', (s) => {
    v.connections++;
    s.destroy();
  });
  await new Promise<void>((r) => v.server.listen(port, '127.0.0.1', () => r()));
  return v;
}

const tenantWith = (id: string, trunk: string): TestTenant => ({
  id,
  domains: [`${id}.example`],
  extensions: [{ ext: '1001', password: `${id}-1001-secret` }],
  extraYaml: ['countryCode: "1"', 'trunks:', `  - ${trunk}`].join('\n'),
});

test.before(async () => {
  victim = await tcpVictim();
  const base = 43000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({
    tenants: [
      // In a tenant file: an IP literal is refused with its line and column.
      tenantWith('literal', `{ name: forged, kind: register, host: 127.0.0.1, port: ${victim.port}, transport: tcp, username: u, password: p }`),
      // A host name that resolves to loopback: refused before connecting.
      tenantWith('named', `{ name: forged, kind: register, host: localhost, port: ${victim.port}, transport: tcp, username: u, password: p }`),
    ],
    transports: ['udp'],
    adminToken: ADMIN,
    extraYaml: [`rtp: { ports: ${base}-${base + 19}, workers: 1 }`, 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }'].join('\n'),
  });
});

test.after(async () => {
  await pbx?.dispose();
  victim?.server.close();
});

test('a tenant file with a trunk at 127.0.0.1 is refused with file:line:col and not applied', async () => {
  const line = await pbx.waitForLog(/literal\.yaml:\d+:\d+: .*127\.0\.0\.1 is (a loopback address|one of the PBX's own addresses)/);
  assert.match(line, /trunks\[0\]\.host/);
  assert.ok(pbx.logs.some((l) => /tenant file not applied/.test(l) && /literal\.yaml/.test(l)));
});

test('a trunk host name resolving to loopback is refused at connect time: logged, nothing connects', async () => {
  const line = await pbx.waitForLog(/not connecting to localhost \(resolves to (127\.0\.0\.1|::1)\): .*(loopback address|PBX's own addresses)/);
  assert.match(line, /registration failed/);
  assert.is(victim.connections, 0, 'no connection reached the local service');
});

test('through the admin API, a tenant-admin cannot point a trunk at loopback, the PBX itself or a private range (422)', async () => {
  let r = await api('POST', '/tenants', ADMIN, { id: 'evil', name: 'Evil', domains: ['evil.example'] });
  assert.is(r.status, 201, JSON.stringify(r.body));
  r = await api('POST', '/tokens', ADMIN, { role: 'tenant-admin', tenantId: 'evil' });
  assert.is(r.status, 201);
  const admin: string = r.body.token;
  const trunk = (host: string) => ({ kind: 'register', host, port: victim.port, transport: 'tcp', username: 'u', password: 'p' });

  r = await api('PUT', '/tenants/evil/trunks/forged', admin, trunk('127.0.0.1'));
  assert.is(r.status, 422, JSON.stringify(r.body));
  const text = JSON.stringify(r.body);
  assert.match(text, /"path":"\/trunks\/0\/host"/);
  assert.match(text, /127\.0\.0\.1 is one of the PBX's own addresses, which a tenant trunk may not reach/);
  r = await api('PUT', '/tenants/evil/trunks/forged', admin, trunk('127.0.0.53'));
  assert.is(r.status, 422, JSON.stringify(r.body));
  assert.match(JSON.stringify(r.body), /127\.0\.0\.53 is a loopback address, which a tenant trunk may not reach/);

  for (const host of ['[::1]', '169.254.169.254', '0.0.0.0', '10.1.2.3', '192.168.1.1']) {
    r = await api('PUT', '/tenants/evil/trunks/forged', admin, trunk(host));
    assert.is(r.status, 422, `${host}: ${JSON.stringify(r.body)}`);
  }
  r = await api('PUT', '/tenants/evil/trunks/forged', admin, { ...trunk('192.0.2.10'), outboundProxy: { host: '127.0.0.1', port: victim.port } });
  assert.is(r.status, 422, 'an outbound proxy on loopback too');
  assert.match(JSON.stringify(r.body), /outboundProxy\/host/);

  // Nothing was stored: the tenant has no trunk.
  r = await api('GET', '/tenants/evil/trunks', admin);
  assert.equal(r.body.trunks, []);
  // A public address is fine.
  r = await api('PUT', '/tenants/evil/trunks/carrier', admin, { ...trunk('192.0.2.10'), transport: 'udp' });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.is(victim.connections, 0);
});

test('the file written for a refused tenant is easy to fix: the same tenant with a public host applies', async () => {
  pbx.writeTenantFile('literal', tenantYaml(tenantWith('literal', '{ name: carrier, kind: ip, host: 192.0.2.20, allowedSources: [ "192.0.2.20/32" ] }')));
  const from = pbx.logs.length;
  pbx.signal('SIGHUP');
  await pbx.waitForLog(/tenant applied.*tenant=literal/, 10_000, from);
});

test.run();
