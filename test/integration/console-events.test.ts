import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hashWebPassword } from '../../src/tenant/web-password.js';
import { ConsoleClient } from '../support/console-client.js';
import { EventStreamReader } from '../support/event-stream.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

// Issue 14 "live views": GET /api/v1/events against the real server, fed by real phones
// registering and calling: each principal hears its own tenant (a user: its own extension)
// and never another tenant's; streams are capped per session and end with the session.

const s = suite('console events');
const ADMIN = 'provider-secret-for-event-tests';
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', password: 'acme-1001-secret', extraKeys: 'webPassword: "alice-web-1001"' },
    { ext: '1002', password: 'acme-1002-secret', extraKeys: 'webPassword: "bob-web-1002", webAdmin: true' },
    { ext: '1003', password: 'acme-1003-secret' },
  ],
};
const GLOBEX: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret', extraKeys: 'webPassword: "globex-web-1001", webAdmin: true' }] };

let pbx: PbxProcess;
const phones: UdpPhone[] = [];
const streams: EventStreamReader[] = [];

async function phone(user: string, tenant: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain: `${tenant}.example`, password: `${tenant}-${user}-secret`, server: { host: '127.0.0.1', port: pbx.ports.udp } });
  phones.push(p);
  return p;
}

async function stream(c: ConsoleClient): Promise<EventStreamReader> {
  const r = await EventStreamReader.open(`${pbx.apiUrl}/events`, { cookie: `pbx_session=${c.cookie}` });
  streams.push(r);
  return r;
}

const reg = (tenantId: string, ext: string, contacts?: number) => (e: { event: string; data: any }) =>
  e.event === 'registration' && e.data.tenantId === tenantId && e.data.ext === ext && (contacts === undefined || e.data.contacts === contacts);

s.before(async () => {
  const base = 44000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({
    tenants: [ACME, GLOBEX],
    transports: ['udp'],
    adminToken: ADMIN,
    extraYaml: [
      `rtp: { ports: ${base}-${base + 99}, workers: 1 }`,
      'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }',
      'registrar: { writeDelayMs: 0 }',
      'console:',
      `  providers: [ { name: root, passwordHash: "${hashWebPassword('root-console-password')}" } ]`,
      '  maxStreams: 2',
    ].join('\n'),
  });
});

s.after(async () => {
  for (const r of streams) r.close();
  for (const p of phones) p.close();
  await pbx?.dispose();
});

s('registrations and calls reach the principals of their tenant, and never another tenant', async () => {
  const adminA = await ConsoleClient.login(pbx.apiUrl, '1002@acme.example', 'bob-web-1002');
  const userA = await ConsoleClient.login(pbx.apiUrl, '1001@acme.example', 'alice-web-1001');
  const adminB = await ConsoleClient.login(pbx.apiUrl, '1001@globex.example', 'globex-web-1001');
  const root = await ConsoleClient.login(pbx.apiUrl, 'root', 'root-console-password');
  const [sa, su, sb, sp] = [await stream(adminA), await stream(userA), await stream(adminB), await stream(root)];
  for (const r of [sa, su, sb, sp]) {
    assert.is(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/event-stream/);
  }
  // A bearer token streams too (machines).
  const tokenStream = await EventStreamReader.open(`${pbx.apiUrl}/events`, { authorization: `Bearer ${ADMIN}` });
  streams.push(tokenStream);
  assert.is(tokenStream.status, 200);

  const b1001 = await phone('1001', 'globex');
  assert.is(await b1001.register(), 200);
  const a1003 = await phone('1003', 'acme');
  assert.is(await a1003.register(), 200);
  const a1001 = await phone('1001', 'acme');
  assert.is(await a1001.register(), 200);
  const a1002 = await phone('1002', 'acme');
  assert.is(await a1002.register(), 200);

  await sp.next(reg('globex', '1001', 1));
  await tokenStream.next(reg('acme', '1001', 1));
  await sb.next(reg('globex', '1001', 1));
  await sa.next(reg('acme', '1003', 1));
  await sa.next(reg('acme', '1001', 1));
  await su.next(reg('acme', '1001', 1));

  // A call inside acme: 1001 calls 1002, answered, hung up.
  const answered = await a1001.call('1002');
  assert.is(answered.status, 200);
  await sa.next((e) => e.event === 'call' && e.data.state === 'confirmed' && e.data.from === '1001' && e.data.to === '1002');
  const up = await su.next((e) => e.event === 'call' && e.data.state === 'confirmed');
  assert.is(up.data.tenantId, 'acme');
  assert.type(up.data.callId, 'string');
  assert.is((await a1001.inDialog('BYE')).status, 200);
  await su.next((e) => e.event === 'call' && e.data.state === 'terminated' && e.data.callId === up.data.callId);
  await sp.next((e) => e.event === 'call' && e.data.state === 'terminated' && e.data.tenantId === 'acme');

  // A last registration of each tenant marks the end: what came before has been delivered.
  assert.is(await b1001.register(0), 200);
  assert.is(await a1002.register(0), 200);
  await sb.next(reg('globex', '1001', 0));
  await sa.next(reg('acme', '1002', 0));
  await sp.next(reg('acme', '1002', 0));
  assert.is(await a1001.register(0), 200);
  await su.next(reg('acme', '1001', 0));

  const tenantsOf = (r: EventStreamReader) => new Set(r.events.map((e) => e.data.tenantId));
  assert.equal([...tenantsOf(sb)], ['globex'], 'globex admin: globex only');
  assert.equal([...tenantsOf(sa)], ['acme'], 'acme admin: acme only');
  assert.equal([...tenantsOf(su)], ['acme']);
  assert.ok(su.events.every((e) => e.event === 'call' || e.data.ext === '1001'), `the user hears only its own registrations: ${JSON.stringify(su.events)}`);
  assert.not.ok(su.events.some((e) => e.event === 'registration' && e.data.ext === '1003'));
  assert.ok(sa.events.some(reg('acme', '1003')), 'the admin hears every extension of its tenant');
  assert.equal(tenantsOf(sp), new Set(['acme', 'globex']), 'the provider hears all');
  assert.not.ok(JSON.stringify(su.events).includes('exts'), 'internal fields stay inside');
});

s('at most maxStreams streams per session; a logout ends its streams', async () => {
  const userA = await ConsoleClient.login(pbx.apiUrl, '1001@acme.example', 'alice-web-1001');
  const one = await stream(userA);
  const two = await stream(userA);
  const three = await stream(userA);
  assert.is(one.status, 200);
  assert.is(two.status, 200);
  assert.is(three.status, 429);
  assert.match(three.body!, /too_many_streams/);
  // Another session of the same user has its own allowance.
  assert.is((await stream(await ConsoleClient.login(pbx.apiUrl, '1001@acme.example', 'alice-web-1001'))).status, 200);
  two.close();
  await new Promise((r) => setTimeout(r, 200));
  const again = await stream(userA);
  assert.is(again.status, 200, 'a closed stream frees its place');

  assert.is((await userA.send('POST', '/logout')).status, 204);
  const a1001 = await phone('1001', 'acme');
  assert.is(await a1001.register(), 200);
  assert.ok(await one.closedWithin(5000), 'the stream ends at the next event after the logout');
  assert.not.ok(one.events.some(reg('acme', '1001', 1)), 'and carries nothing after it');
  assert.is((await stream(userA)).status, 401);
});

s('a stream of a bearer token ends once the token is revoked', async () => {
  const created = await fetch(`${pbx.apiUrl}/tokens`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'tenant-admin', tenantId: 'acme' }) });
  const tok = (await created.json()) as { token: string; id: string };
  const r = await EventStreamReader.open(`${pbx.apiUrl}/events`, { authorization: `Bearer ${tok.token}` });
  streams.push(r);
  assert.is(r.status, 200);
  assert.is((await fetch(`${pbx.apiUrl}/tokens/${tok.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } })).status, 200);
  const p = await phone('1002', 'acme');
  assert.is(await p.register(), 200);
  assert.ok(await r.closedWithin(5000));
  assert.is(r.events.length, 0);
});

s('no cookie and no token: 401', async () => {
  const r = await EventStreamReader.open(`${pbx.apiUrl}/events`, {});
  assert.is(r.status, 401);
});

s.run();
