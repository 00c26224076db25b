import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TrunkHandle } from '../b2bua/call-plan.js';
import { parseMessage } from '../sip/message/parse.js';
import type { SipRequest } from '../sip/message/types.js';
import type { Inbound } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { admitTrunkInvite, type TrunkDirectory } from './invite-admission.js';

const handle = (name: string): TrunkHandle => ({ name, channelKey: name, target: { protocol: 'udp', address: '127.0.0.10', port: 5060 }, domain: 'carrier.test', answerChallenge: () => undefined });
const acme = { id: 'acme' } as TenantContext;
const globex = { id: 'globex' } as TenantContext;
const initech = { id: 'initech', status: 'suspended' } as TenantContext;
const DIDS: Record<string, TenantContext> = { '+14155550100': acme, '+14155550200': globex, '+14155550300': initech };

const directory: TrunkDirectory = {
  match: (address) =>
    address === '127.0.0.10' ? [{ handle: handle('shared'), tenantIds: '*' }] : address === '127.0.0.11' ? [{ handle: handle('acme-only'), tenantIds: ['acme'] }] : [],
};
const o = { trunks: directory, tenants: { resolveDid: (n: string) => DIDS[n], resolveDomain: (h: string) => (h === 'acme.example' ? acme : undefined) } };

function invite(ruri: string, extra: string[] = [], from = '<sip:carrier@carrier.test>;tag=1'): SipRequest {
  const text = [`INVITE ${ruri} SIP/2.0`, 'Via: SIP/2.0/UDP 127.0.0.10:5060;branch=z9hG4bKin1', `From: ${from}`, `To: <${ruri}>`, 'Call-ID: in-1', 'CSeq: 1 INVITE', ...extra, 'Content-Length: 0', '', ''].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok || r.message.kind !== 'request') throw new Error('fixture');
  return r.message;
}
const inboundFrom = (address: string, req: SipRequest): Inbound => ({ message: req, source: { protocol: 'udp', address, port: 5060 } }) as unknown as Inbound;
const admit = (address: string, req: SipRequest) => admitTrunkInvite(o, inboundFrom(address, req), req, { protocol: 'udp', address, port: 5060 });

test('a call from a trunk to a DID goes to the tenant that owns the DID', () => {
  const a = admit('127.0.0.10', invite('sip:+14155550100@127.0.0.1'));
  assert.is(a?.kind, 'call');
  if (a?.kind === 'call') {
    assert.is(a.invite.tenant.id, 'acme');
    assert.equal(a.invite.caller.kind === 'trunk' ? [a.invite.caller.trunk.name, a.invite.caller.did] : [], ['shared', '+14155550100']);
  }
  const g = admit('127.0.0.10', invite('sip:14155550200@127.0.0.1'));
  assert.is(g?.kind === 'call' ? g.invite.tenant.id : undefined, 'globex', "a DID without '+' is found too");
});

test('an unknown DID, or an outside number, from a trunk is refused with 404 (never relayed)', () => {
  assert.equal(admit('127.0.0.10', invite('sip:+14155550999@127.0.0.1')), { kind: 'refuse', status: 404, reason: 'Not Found' });
  assert.equal(admit('127.0.0.10', invite('sip:01144207946000@127.0.0.1')), { kind: 'refuse', status: 404, reason: 'Not Found' });
});

test('a trunk of one tenant cannot deliver to another tenant’s DID', () => {
  assert.is(admit('127.0.0.11', invite('sip:+14155550100@127.0.0.1'))?.kind, 'call');
  assert.equal(admit('127.0.0.11', invite('sip:+14155550200@127.0.0.1')), { kind: 'refuse', status: 404, reason: 'Not Found' });
});

test('not a trunk call: another address, credentials, a From of ours, or no number', () => {
  assert.is(admit('127.0.0.99', invite('sip:+14155550100@127.0.0.1')), undefined);
  assert.is(admit('127.0.0.10', invite('sip:+14155550100@127.0.0.1', ['Proxy-Authorization: Digest username="x"'])), undefined);
  assert.is(admit('127.0.0.10', invite('sip:4155550100@acme.example', [], '<sip:1001@acme.example>;tag=1')), undefined);
  assert.is(admit('127.0.0.10', invite('sip:alice@127.0.0.1')), undefined);
});

test('the DID may be in To when the Request-URI carries none', () => {
  const text = ['INVITE sip:127.0.0.1 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.10:5060;branch=z9hG4bKin2', 'From: <sip:c@carrier.test>;tag=1', 'To: <sip:+14155550100@127.0.0.1>', 'Call-ID: in-2', 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  const req = (r.ok ? r.message : undefined) as SipRequest;
  const a = admit('127.0.0.10', req);
  assert.is(a?.kind === 'call' ? a.invite.tenant.id : undefined, 'acme');
});

test('a DID of a suspended tenant is refused with 403 Tenant suspended (not 404)', () => {
  assert.equal(admit('127.0.0.10', invite('sip:+14155550300@127.0.0.1')), { kind: 'refuse', status: 403, reason: 'Tenant suspended' });
});

test.run();
