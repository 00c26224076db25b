import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from '../../src/sip/message/headers.js';
import type { SipMessage } from '../../src/sip/message/types.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

// Issue 13, point 3: the direct-media policy of a tenant through the admin API (GET/PUT
// /tenants/{t}/media), against the real server (`pbx serve`) over real HTTP and SIP: off by
// default (a call is relayed, nobody is re-INVITEd); turned on by the tenant admin it applies
// to the next call (both phones re-INVITEd with the other's own RTP port); another tenant's
// administrator and a user cannot read or change it, a file-managed tenant refuses the write,
// and a trunk that is not the tenant's gets 422. The policy's effect on the media itself is
// proven by test/integration/direct-media.test.ts.

const s = suite('direct media api');
const ADMIN = 'provider-secret-for-media-api';
const ACME: TestTenant = { id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002'].map((ext) => ({ ext, password: `acme-${ext}-secret` })) };
const GLOBEX: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }] };

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

const isReinvite = (m: SipMessage) => m.kind === 'request' && m.method === 'INVITE' && /;\s*tag=/i.test(getHeader(m, 'to') ?? '');
const mPort = (m: SipMessage) => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);

s.before(async () => {
  pbx = await PbxProcess.create({ tenants: [ACME, GLOBEX], transports: ['udp'], adminToken: ADMIN, extraYaml: 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }' });
  await pbx.start();
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

s('off by default: relayed; turned on by the tenant admin: the next call is joined end to end', async () => {
  assert.equal((await api('GET', '/tenants/acme/media', tok['adminA']!)).body, { direct: false, trunks: [] });
  const caller = await phone('1001');
  const callee = await phone('1002');
  assert.is(await caller.register(), 200);
  assert.is(await callee.register(), 200);
  const before = await caller.call('1002');
  assert.is(before.status, 200);
  // A relayed call: RTP from the caller reaches the callee through the PBX; by then a join would have been sent.
  const invite = await callee.next((m) => m.kind === 'request' && m.method === 'INVITE');
  // As a phone does, the caller keeps sending RTP (every 100 ms) until the callee hears some; a
  // relay that never passes any fails the test after 5 s instead of hanging it.
  let heard = false;
  const got = new Promise<void>((r) => callee.rtp.once('message', () => r())).then(() => (heard = true));
  for (let i = 0; i < 50 && !heard; i++) {
    caller.sendRtp(mPort(before), '127.0.0.1', 5);
    await Promise.race([got, new Promise((r) => setTimeout(r, 100))]);
  }
  assert.ok(heard, "RTP from the caller reaches the callee through the PBX's relay");
  assert.is.not(mPort(invite), caller.rtpPort);
  assert.is(caller.received.filter(isReinvite).length + callee.received.filter(isReinvite).length, 0, 'nobody re-INVITEd while off');
  assert.is((await caller.inDialog('BYE')).status, 200);

  const put = await api('PUT', '/tenants/acme/media', tok['adminA']!, { direct: true });
  assert.equal([put.status, put.body], [200, { direct: true, trunks: [] }]);
  assert.equal((await api('GET', '/tenants/acme/media', ADMIN)).body, { direct: true, trunks: [] });
  const [c0, e0] = [caller.mark(), callee.mark()];
  assert.is((await caller.call('1002')).status, 200);
  const toCallee = await callee.next(isReinvite, 8000, e0);
  assert.is(mPort(toCallee), caller.rtpPort, "the callee is offered the caller's own port");
  const toCaller = await caller.next(isReinvite, 8000, c0);
  assert.is(mPort(toCaller), callee.rtpPort, "the caller is offered the callee's own port");
  assert.is((await caller.inDialog('BYE')).status, 200);
  const off = await api('PUT', '/tenants/acme/media', tok['adminA']!, {});
  assert.equal([off.status, off.body], [200, { direct: false, trunks: [] }]);
});

s('bad input: a trunk that is not the tenant\'s, a wrong type: 422, nothing changed', async () => {
  const foreign = await api('PUT', '/tenants/acme/media', tok['adminA']!, { direct: true, trunks: ['nope'] });
  assert.is(foreign.status, 422, JSON.stringify(foreign.body));
  assert.ok(JSON.stringify(foreign.body).includes('/trunks/0'), JSON.stringify(foreign.body));
  const bad = await api('PUT', '/tenants/acme/media', tok['adminA']!, { direct: 'yes' });
  assert.is(bad.status, 422, JSON.stringify(bad.body));
  assert.equal((await api('GET', '/tenants/acme/media', ADMIN)).body, { direct: false, trunks: [] }, 'unchanged');
});

s("isolation: another tenant's admin gets 404, a user 403, a file-managed tenant 409", async () => {
  for (const m of ['GET', 'PUT'] as const) {
    const r = await api(m, '/tenants/acme/media', tok['adminB']!, m === 'PUT' ? { direct: true } : undefined);
    assert.is(r.status, 404, `${m} by globex's admin: ${JSON.stringify(r.body)}`);
    const u = await api(m, '/tenants/acme/media', tok['user1001']!, m === 'PUT' ? { direct: true } : undefined);
    assert.is(u.status, 403, `${m} by a user: ${JSON.stringify(u.body)}`);
  }
  const file = await api('PUT', '/tenants/globex/media', tok['adminB']!, { direct: true });
  assert.equal([file.status, file.body.error.code], [409, 'managed_by_file']);
  assert.equal((await api('GET', '/tenants/acme/media', ADMIN)).body, { direct: false, trunks: [] }, 'acme unchanged');
  assert.equal((await api('GET', '/tenants/globex/media', ADMIN)).body, { direct: false, trunks: [] }, 'globex unchanged');
});

s.run();
