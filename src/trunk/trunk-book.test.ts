import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMessage } from '../sip/message/parse.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import { rememberSource } from '../sip/transport/response-source.js';
import type { Trunk } from '../model/routing-plan.js';
import { TrunkResolver } from './trunk-target.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import { OutboundAddressPolicy } from '../util/outbound-address-policy.js';
import { TrunkBook } from './trunk-book.js';

const trunk = (name: string, host: string, extra: Partial<Trunk> = {}): Trunk => ({
  name,
  kind: 'ip',
  host,
  port: 5060,
  transport: 'udp',
  registerExpires: 3600,
  allowedSources: [`${host}/32`],
  ...extra,
});

function book(): TrunkBook {
  const b = new TrunkBook({ resolver: new TrunkResolver({ clock: new FakeClock(), resolve: async () => [] }), logger: silentLogger });
  b.sync(
    [
      { ...trunk('shared', '127.0.0.10'), tenants: ['*'] },
      { ...trunk('acme-only', '127.0.0.11', { username: 'acct', password: 'carrier-secret', maxChannels: 2 }), tenants: ['acme'] },
    ],
    [
      { tenantId: 'acme', trunks: [trunk('own', '127.0.0.12', { username: 'acme-acct', password: 'acme-secret' })] },
      { tenantId: 'globex', trunks: [trunk('own', '127.0.0.13')] },
    ],
  );
  return b;
}

function msg(text: string): SipRequest | SipResponse {
  const r = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n')));
  if (!r.ok) throw new Error('fixture');
  return r.message;
}

const INVITE = `INVITE sip:+14155550199@127.0.0.11 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKinv1
From: <sip:+14155550100@127.0.0.11>;tag=f
To: <sip:+14155550199@127.0.0.11>
Call-ID: out-1
CSeq: 1 INVITE
Content-Length: 0

`;
const CHALLENGE = `SIP/2.0 401 Unauthorized
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKinv1
From: <sip:+14155550100@127.0.0.11>;tag=f
To: <sip:+14155550199@127.0.0.11>;tag=c
Call-ID: out-1
CSeq: 1 INVITE
WWW-Authenticate: Digest realm="carrier.test", nonce="abc123", qop="auth"
Content-Length: 0

`;

test('a provider trunk serves the tenants it names; a tenant trunk serves only its tenant', () => {
  const b = book();
  assert.ok(b.forTenant('globex', 'shared'));
  assert.ok(b.forTenant('acme', 'acme-only'));
  assert.is(b.forTenant('globex', 'acme-only'), undefined, 'a provider trunk not opened to globex');
  assert.is(b.forTenant('acme', 'own')!.target.address, '127.0.0.12');
  assert.is(b.forTenant('globex', 'own')!.target.address, '127.0.0.13', "globex's own trunk of the same name, never acme's");
  assert.is(b.forTenant('initech', 'own'), undefined);
});

test('channels are counted per trunk: a provider trunk has one key over all its tenants', () => {
  const b = book();
  assert.is(b.forTenant('acme', 'shared')!.channelKey, b.forTenant('globex', 'shared')!.channelKey);
  assert.is.not(b.forTenant('acme', 'own')!.channelKey, b.forTenant('globex', 'own')!.channelKey);
});

test('match: which trunks an address may be, and for which tenants', () => {
  const b = book();
  assert.equal(b.match('127.0.0.10').map((m) => [m.handle.name, m.tenantIds]), [['shared', '*']]);
  assert.equal(b.match('127.0.0.12').map((m) => [m.handle.name, m.tenantIds]), [['own', ['acme']]]);
  assert.equal(b.match('127.0.0.99'), []);
});

test("a carrier's challenge is answered with the trunk's credentials only when it comes from the trunk", () => {
  const h = book().forTenant('acme', 'acme-only')!;
  const invite = msg(INVITE) as SipRequest;
  const fromTrunk = msg(CHALLENGE) as SipResponse;
  rememberSource(fromTrunk, { protocol: 'udp', address: '127.0.0.11', port: 5060 });
  const again = h.answerChallenge(invite, fromTrunk);
  assert.ok(again, 'answered');
  const auth = again!.headers.find((x) => x.name === 'authorization')?.value ?? '';
  assert.match(auth, /username="acct"/);
  assert.match(again!.headers.find((x) => x.name === 'cseq')!.value, /^2 INVITE$/);

  const elsewhere = msg(CHALLENGE) as SipResponse;
  rememberSource(elsewhere, { protocol: 'udp', address: '127.0.0.66', port: 5060 });
  assert.is(h.answerChallenge(invite, elsewhere), undefined, 'a challenge from another address gets nothing');
  const unknown = msg(CHALLENGE) as SipResponse;
  assert.is(h.answerChallenge(invite, unknown), undefined, 'a challenge of unknown source gets nothing');
});

test('a trunk with an outbound proxy: requests go to the proxy, with a loose Route to it', () => {
  const b = new TrunkBook({ resolver: new TrunkResolver({ clock: new FakeClock(), resolve: async () => [] }), logger: silentLogger });
  b.sync([], [{ tenantId: 'acme', trunks: [trunk('via-proxy', '198.51.100.7', { outboundProxy: { host: '127.0.0.30', port: 5070 } })] }]);
  const h = b.forTenant('acme', 'via-proxy')!;
  assert.equal(h.target, { protocol: 'udp', address: '127.0.0.30', port: 5070 });
  assert.is(h.route, '<sip:127.0.0.30:5070;lr>');
  assert.is(h.domain, '198.51.100.7', 'the Request-URI still names the carrier');
});

test('match finds trunks known by single addresses and by wider networks alike', () => {
  const b = new TrunkBook({ resolver: new TrunkResolver({ clock: new FakeClock(), resolve: async () => [] }), logger: silentLogger });
  b.sync(
    [{ ...trunk('net', '198.51.100.1', { allowedSources: ['198.51.100.0/24'] }), tenants: ['*'] }],
    [{ tenantId: 'acme', trunks: [trunk('one', '192.0.2.7'), trunk('v6', '2001:db8::7', { allowedSources: ['2001:db8::7/128'] })] }],
  );
  assert.equal(b.match('198.51.100.77').map((m) => m.handle.name), ['net']);
  assert.equal(b.match('192.0.2.7').map((m) => m.handle.name), ['one']);
  assert.equal(b.match('2001:0db8:0:0::7').map((m) => m.handle.name), ['v6'], 'IPv6 in another spelling');
  assert.equal(b.match('192.0.2.8'), []);
  assert.equal(b.match('not an address'), []);
});

test('sync replaces the trunks: a removed trunk is gone', () => {
  const b = book();
  b.sync([], [{ tenantId: 'acme', trunks: [] }]);
  assert.is(b.forTenant('acme', 'shared'), undefined);
  assert.is(b.forTenant('acme', 'own'), undefined);
  assert.equal(b.match('127.0.0.10'), []);
});

test("a tenant trunk whose host name resolves to loopback gets no handle (request forgery); a provider trunk is the operator's business", async () => {
  const clock = new FakeClock();
  const resolver = new TrunkResolver({ clock, resolve: async () => ['127.0.0.1', '::1'] });
  const policy = new OutboundAddressPolicy({ ownAddresses: [] });
  const b = new TrunkBook({ resolver, logger: silentLogger, refusalFor: (o) => (o.kind === 'tenant' ? (a) => policy.refusal(a) : undefined) });
  b.sync([{ ...trunk('p', 'localhost'), tenants: ['*'] }], [{ tenantId: 'acme', trunks: [trunk('t', 'localhost')] }]);
  await resolver.resolve('localhost');
  assert.is(b.forTenant('acme', 't'), undefined);
  assert.is(b.forTenant('globex', 'p')?.target.address, '127.0.0.1');
  const refused = await resolver.target(trunk('t', 'localhost'), (a) => policy.refusal(a)).then(
    () => undefined,
    (e: Error) => e.message,
  );
  assert.match(refused ?? '', /not connecting to localhost \(resolves to 127\.0\.0\.1\): 127\.0\.0\.1 is a loopback address/);
});

test.run();
