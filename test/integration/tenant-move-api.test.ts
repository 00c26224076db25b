// The node routes `pbx cluster move` uses (src/admin/routes/tenant-move.ts), on two real servers:
// a drained tenant's new calls get 503 while the other tenant calls, a pack handed out by one
// node installs on the other (registrations and extensions with it), and what must be refused is:
// a tenant-admin (even of that tenant), an installed id/domain again, not a pack, not gzip.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SipResponse } from '../../src/sip/message/types.js';
import { PbxProcess } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

const ADMIN = 'move-api-provider-token';
const pw = (t: string, e: string) => `${t}-${e}-pw-123`;
const tenant = (id: string) => ({ id, domains: [`${id}.example`], extensions: ['1001', '1002'].map((ext) => ({ ext, password: pw(id, ext) })) });

const s = suite('node API for tenant moves: drain, pack, install');
let a: PbxProcess;
let b: PbxProcess;
const phones: UdpPhone[] = [];

async function api(p: PbxProcess, method: string, path: string, o: { token?: string; body?: Uint8Array; type?: string } = {}): Promise<{ status: number; body: any; bytes: Buffer }> {
  const res = await fetch(`${p.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${o.token ?? ADMIN}`, ...(o.type ? { 'content-type': o.type } : {}) }, ...(o.body ? { body: o.body } : {}) });
  const bytes = Buffer.from(await res.arrayBuffer());
  let body;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    body = undefined;
  }
  return { status: res.status, body, bytes };
}

s.before(async () => {
  const base = 46000 + Math.floor(Math.random() * 40) * 200;
  const start = (tenants: ReturnType<typeof tenant>[], rtp: number) =>
    PbxProcess.start({ tenants, transports: ['udp'], adminToken: ADMIN, extraYaml: [`rtp: { ports: ${rtp}-${rtp + 99}, workers: 1 }`, 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }', 'registrar: { writeDelayMs: 0 }'].join('\n') });
  a = await start([tenant('acme'), tenant('globex')], base);
  b = await start([tenant('initech')], base + 100);
});

s.after(async () => {
  for (const p of phones) p.close();
  await a?.dispose();
  await b?.dispose();
});

async function phone(p: PbxProcess, t: string, ext: string): Promise<UdpPhone> {
  const ph = await UdpPhone.open({ user: ext, domain: `${t}.example`, password: pw(t, ext), server: { host: '127.0.0.1', port: p.ports.udp! } });
  phones.push(ph);
  assert.is(await ph.register(), 200);
  return ph;
}

s('a drained tenant: new calls 503 with Retry-After, the other tenant calls; the drain ends on DELETE', async () => {
  const [a1] = [await phone(a, 'acme', '1001'), await phone(a, 'acme', '1002')];
  const [g1] = [await phone(a, 'globex', '1001'), await phone(a, 'globex', '1002')];
  const d = await api(a, 'POST', '/tenants/acme/drain');
  assert.is(d.status, 200);
  assert.equal([d.body.draining, d.body.liveCalls], [true, 0]);
  const refused = (await a1!.call('1002')) as SipResponse;
  assert.is(refused.status, 503);
  assert.ok(refused.headers.some((h) => h.name === 'retry-after'));
  const ok = (await g1!.call('1002')) as SipResponse;
  assert.is(ok.status, 200, 'globex is not drained');
  assert.is((await api(a, 'GET', '/tenants/globex/drain')).body.liveCalls, 1);
  assert.is((await g1!.inDialog('BYE')).status, 200);
  assert.is((await api(a, 'DELETE', '/tenants/acme/drain')).body.draining, false);
  const again = (await a1!.call('1002')) as SipResponse;
  assert.is(again.status, 200, 'after the drain acme calls again');
  assert.is((await a1!.inDialog('BYE')).status, 200);
});

s('a pack from one node installs on the other, with its extensions and registrations; the same again is 409', async () => {
  const pack = await api(a, 'GET', '/tenants/acme/pack');
  assert.is(pack.status, 200);
  assert.is(pack.bytes.subarray(0, 2).toString('hex'), '1f8b', 'gzip');
  const put = await api(b, 'POST', '/tenant-packs', { body: pack.bytes, type: 'application/gzip' });
  assert.is(put.status, 201, JSON.stringify(put.body));
  assert.equal([put.body.tenantId, put.body.domains], ['acme', ['acme.example']]);
  assert.is((await api(b, 'GET', '/tenants/acme/extensions')).body.items.length, 2);
  assert.is((await api(b, 'GET', '/tenants/acme/registrations')).body.items.length, 2, 'bindings move with the pack');
  // node b now serves acme over SIP
  assert.is(await (await phone(b, 'acme', '1001')).register(), 200);
  const twice = await api(b, 'POST', '/tenant-packs', { body: pack.bytes, type: 'application/gzip' });
  assert.is(twice.status, 409, JSON.stringify(twice.body));
});

s('refused: tenant-admins (even their own tenant), not gzip, not a pack, an unknown tenant', async () => {
  const tok = await api(a, 'POST', '/tokens', { body: new TextEncoder().encode(JSON.stringify({ role: 'tenant-admin', tenantId: 'globex' })), type: 'application/json' });
  assert.is(tok.status, 201);
  const admin = tok.body.token as string;
  for (const [m, p] of [['POST', '/tenants/globex/drain'], ['GET', '/tenants/globex/drain'], ['GET', '/tenants/globex/pack'], ['POST', '/tenants/acme/drain']] as const) {
    const r = await api(a, m, p, { token: admin });
    assert.ok(r.status === 403 || r.status === 404, `${m} ${p}: ${r.status}`);
  }
  assert.is((await api(a, 'GET', '/tenants/globex/drain')).body.draining, false, 'nothing drained by them');
  const tokB = await api(b, 'POST', '/tokens', { body: new TextEncoder().encode(JSON.stringify({ role: 'tenant-admin', tenantId: 'initech' })), type: 'application/json' });
  assert.is((await api(b, 'POST', '/tenant-packs', { token: tokB.body.token, body: Buffer.from('x'), type: 'application/gzip' })).status, 403);
  assert.is((await api(b, 'POST', '/tenant-packs', { body: Buffer.from('{}'), type: 'application/json' })).status, 415);
  const junk = await api(b, 'POST', '/tenant-packs', { body: Buffer.from('definitely not a tar.gz'), type: 'application/gzip' });
  assert.is(junk.status, 422, JSON.stringify(junk.body));
  assert.is((await api(a, 'POST', '/tenants/nobody/drain')).status, 404);
  assert.is((await api(a, 'GET', '/tenants/nobody/pack')).status, 404);
});

s.run();
