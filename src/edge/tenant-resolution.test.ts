import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TrunkHandle } from '../b2bua/call-plan.js';
import { parseMessage } from '../sip/message/parse.js';
import type { SipRequest } from '../sip/message/types.js';
import type { Inbound } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { resolveTenant, TENANT_RULES, type TenantResolution, type TrunkDirectory } from './tenant-resolution.js';

const handle = (name: string): TrunkHandle => ({ name, channelKey: name, target: { protocol: 'udp', address: '127.0.0.10', port: 5060 }, domain: 'carrier.test', answerChallenge: () => undefined });
const acme = { id: 'acme', status: 'active' } as TenantContext;
const globex = { id: 'globex', status: 'active' } as TenantContext;
const initech = { id: 'initech', status: 'suspended' } as TenantContext;
const DIDS: Record<string, TenantContext> = { '+14155550100': acme, '+14155550200': globex, '+14155550300': initech };
const DOMAINS: Record<string, TenantContext> = { 'acme.example': acme, 'globex.example': globex, 'initech.example': initech };

const directory: TrunkDirectory = {
  match: (address: string) =>
    address === '127.0.0.10' ? [{ handle: handle('shared'), tenantIds: '*' }] : address === '127.0.0.11' ? [{ handle: handle('acme-only'), tenantIds: ['acme'] }] : [],
};
const deps = { trunks: directory, tenants: { resolveDid: (n: string) => DIDS[n], resolveDomain: (h: string) => DOMAINS[h] } };

function request(method: string, ruri: string, o: { from?: string; to?: string; extra?: string[] } = {}): SipRequest {
  const text = [
    `${method} ${ruri} SIP/2.0`,
    'Via: SIP/2.0/UDP 127.0.0.10:5060;branch=z9hG4bKin1',
    `From: ${o.from ?? '<sip:carrier@carrier.test>'};tag=1`,
    `To: ${o.to ?? `<${ruri}>`}`,
    'Call-ID: in-1',
    `CSeq: 1 ${method}`,
    ...(o.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok || r.message.kind !== 'request') throw new Error('fixture');
  return r.message;
}
const inboundFrom = (address: string, req: SipRequest): Inbound => ({ message: req, source: { protocol: 'udp', address, port: 5060 } }) as unknown as Inbound;
const resolve = (req: SipRequest, address = '127.0.0.99'): TenantResolution => resolveTenant(deps, inboundFrom(address, req), req);
const tenantOf = (r: TenantResolution) => (r.kind === 'tenant' || r.kind === 'trunk' ? `${r.tenant.id}${r.kind === 'tenant' ? ` by ${r.by}` : ' by trunk'}` : r.kind);

test('the rule is one table: REGISTER by To, INVITE by trunk then From then Request-URI, the rest by Request-URI', () => {
  assert.equal(TENANT_RULES['REGISTER']!.domainOf, ['to']);
  assert.equal(TENANT_RULES['INVITE']!.domainOf, ['from', 'request-uri']);
  assert.is(TENANT_RULES['INVITE']!.trunkByAddress, true);
  assert.equal(TENANT_RULES['SUBSCRIBE']!.domainOf, ['request-uri']);
  assert.equal(TENANT_RULES['OPTIONS']!.domainOf, ['request-uri']);
});

test('REGISTER: the domain of To names the tenant, whatever the Request-URI says', () => {
  assert.is(tenantOf(resolve(request('REGISTER', 'sip:globex.example', { to: '<sip:1001@acme.example>', from: '<sip:1001@acme.example>' }))), 'acme by to');
  assert.is(tenantOf(resolve(request('REGISTER', 'sip:acme.example', { to: '<sip:1001@globex.example>', from: '<sip:1001@acme.example>' }))), 'globex by to');
});

test('REGISTER: To without a user, To not a SIP URI, an unknown domain', () => {
  assert.equal(resolve(request('REGISTER', 'sip:acme.example', { to: '<sip:acme.example>' })), { kind: 'refuse', status: 400, reason: 'Bad Request: To has no user part' });
  assert.equal(resolve(request('REGISTER', 'sip:acme.example', { to: '<tel:+14155550100>' })), { kind: 'refuse', status: 400, reason: 'Bad Request: To is not a SIP URI' });
  assert.equal(resolve(request('REGISTER', 'sip:acme.example', { to: '<sip:1001@nobody.example>' })), { kind: 'refuse', status: 404, reason: 'Domain Not Served', noTenant: true });
});

test('INVITE from a phone: the From domain first (the caller’s tenant), else the Request-URI domain', () => {
  assert.is(tenantOf(resolve(request('INVITE', 'sip:1002@globex.example', { from: '<sip:1001@acme.example>' }))), 'acme by from', 'the caller’s tenant, never the callee’s');
  assert.is(tenantOf(resolve(request('INVITE', 'sip:1002@acme.example', { from: '<sip:anon@elsewhere.example>' }))), 'acme by request-uri');
  assert.is(tenantOf(resolve(request('INVITE', 'sip:1002@acme.example', { from: '<tel:+4930123>' }))), 'acme by request-uri');
  assert.equal(resolve(request('INVITE', 'sip:1002@nobody.example', { from: '<sip:1001@other.example>' })), { kind: 'refuse', status: 404, reason: 'Domain Not Served', noTenant: true });
});

test('SUBSCRIBE and other methods: the Request-URI domain, never From or To', () => {
  assert.is(tenantOf(resolve(request('SUBSCRIBE', 'sip:1002@globex.example', { from: '<sip:1001@acme.example>', to: '<sip:1002@acme.example>' }))), 'globex by request-uri');
  assert.is(tenantOf(resolve(request('MESSAGE', 'sip:1002@globex.example', { from: '<sip:1001@acme.example>' }))), 'globex by request-uri');
  assert.equal(resolve(request('MESSAGE', 'sip:1002@nobody.example', { from: '<sip:1001@acme.example>' })), { kind: 'refuse', status: 404, reason: 'Domain Not Served', noTenant: true });
});

test('OPTIONS: without a user it is for the server itself; with a user, the Request-URI domain', () => {
  assert.equal(resolve(request('OPTIONS', 'sip:127.0.0.1')), { kind: 'server' });
  assert.equal(resolve(request('OPTIONS', 'sip:nobody.example')), { kind: 'server' });
  assert.is(tenantOf(resolve(request('OPTIONS', 'sip:1001@acme.example'))), 'acme by request-uri');
  assert.equal(resolve(request('OPTIONS', 'sip:1001@nobody.example')), { kind: 'refuse', status: 404, reason: 'Domain Not Served', noTenant: true });
});

test('a suspended tenant: REGISTER, INVITE and SUBSCRIBE get 403 Tenant suspended; OPTIONS still resolves', () => {
  const suspended = { kind: 'refuse', status: 403, reason: 'Tenant suspended' };
  assert.equal(resolve(request('REGISTER', 'sip:initech.example', { to: '<sip:1001@initech.example>' })), suspended);
  assert.equal(resolve(request('INVITE', 'sip:1002@initech.example', { from: '<sip:1001@initech.example>' })), suspended);
  assert.equal(resolve(request('SUBSCRIBE', 'sip:1002@initech.example')), suspended);
  assert.is(tenantOf(resolve(request('OPTIONS', 'sip:1001@initech.example'))), 'initech by request-uri');
});

const trunkInvite = (ruri: string, address: string, o: { from?: string; to?: string; extra?: string[] } = {}) => resolve(request('INVITE', ruri, o), address);

test('a call from a trunk’s address to a DID belongs to the tenant that owns the DID', () => {
  const a = trunkInvite('sip:+14155550100@127.0.0.1', '127.0.0.10');
  assert.is(tenantOf(a), 'acme by trunk');
  assert.equal(a.kind === 'trunk' ? [a.trunk.name, a.did] : [], ['shared', '+14155550100']);
  assert.is(tenantOf(trunkInvite('sip:14155550200@127.0.0.1', '127.0.0.10')), 'globex by trunk', "a DID without '+' is found too");
  assert.is(tenantOf(trunkInvite('sip:127.0.0.1', '127.0.0.10', { to: '<sip:+14155550100@127.0.0.1>' })), 'acme by trunk', 'the DID may be in To when the Request-URI carries none');
});

test('from a trunk: an unknown DID or an outside number is refused 404 (never relayed); another tenant’s DID too', () => {
  const notFound = { kind: 'refuse', status: 404, reason: 'Not Found' };
  assert.equal(trunkInvite('sip:+14155550999@127.0.0.1', '127.0.0.10'), notFound);
  assert.equal(trunkInvite('sip:01144207946000@127.0.0.1', '127.0.0.10'), notFound);
  assert.is(tenantOf(trunkInvite('sip:+14155550100@127.0.0.1', '127.0.0.11')), 'acme by trunk');
  assert.equal(trunkInvite('sip:+14155550200@127.0.0.1', '127.0.0.11'), notFound, 'acme’s own trunk cannot deliver to globex');
  assert.equal(trunkInvite('sip:+14155550300@127.0.0.1', '127.0.0.10'), { kind: 'refuse', status: 403, reason: 'Tenant suspended' });
});

test('not a trunk call (resolved by domains instead): another address, credentials, a From of ours, no number', () => {
  assert.equal(trunkInvite('sip:+14155550100@127.0.0.1', '127.0.0.99'), { kind: 'refuse', status: 404, reason: 'Domain Not Served', noTenant: true });
  assert.is(tenantOf(trunkInvite('sip:+14155550100@acme.example', '127.0.0.10', { extra: ['Proxy-Authorization: Digest username="x"'] })), 'acme by request-uri');
  assert.is(tenantOf(trunkInvite('sip:4155550100@globex.example', '127.0.0.10', { from: '<sip:1001@acme.example>' })), 'acme by from');
  assert.equal(trunkInvite('sip:alice@127.0.0.1', '127.0.0.10'), { kind: 'refuse', status: 404, reason: 'Domain Not Served', noTenant: true });
});

test('a trunk is asked only for INVITE: a REGISTER from a trunk’s address resolves by To', () => {
  assert.is(tenantOf(resolve(request('REGISTER', 'sip:acme.example', { to: '<sip:+14155550200@acme.example>' }), '127.0.0.10')), 'acme by to');
});

test.run();
