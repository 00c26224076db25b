import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DigestAuthenticator } from '../auth/digest-authenticator.js';
import { NonceCodec } from '../auth/nonce.js';
import { getHeaderValues } from '../message/headers.js';
import { parseMessage } from '../message/parse.js';
import { createResponse } from '../message/response.js';
import { serializeMessage } from '../message/serialize.js';
import type { SipRequest } from '../message/types.js';
import { CidrSet } from '../../util/cidr-set.js';
import { challengeDecision, FrontChallenger, type ChallengeState } from './front-challenge.js';
import type { ChallengeSnapshot } from './udp-front-protocol.js';
import { stampTopViaOf } from './via-stamp.js';

const SECRET = Buffer.alloc(32, 7);
const clock = { now: () => 1_800_000_000_000, setTimeout: () => ({}) as never, clearTimeout: () => {} };

const SNAPSHOT: ChallengeSnapshot = {
  domains: {
    'acme.example': { realm: 'acme.example', algorithms: ['SHA-256', 'MD5'] },
    'alias.acme.example': { realm: 'acme.example', algorithms: ['SHA-256', 'MD5'] },
    'globex.example': { realm: 'globex.example', algorithms: ['MD5'] },
    'empty.example': { realm: 'empty.example', algorithms: [] },
  },
  trustedEdges: ['10.9.0.0/16'],
  serverHeader: 'pbx-test/1',
};

function register(opts: { to?: string; uri?: string; method?: string; extra?: string[] } = {}): SipRequest {
  const method = opts.method ?? 'REGISTER';
  const to = opts.to ?? '<sip:1001@acme.example>';
  const lines = [
    `${method} ${opts.uri ?? 'sip:acme.example'} SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKfc1;rport',
    'Max-Forwards: 70',
    'From: <sip:1001@acme.example>;tag=f1',
    `To: ${to}`,
    'Call-ID: fc1@192.0.2.10',
    `CSeq: 1 ${method}`,
    'Contact: <sip:1001@192.0.2.10:5070>',
    ...(opts.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  const r = parseMessage(Buffer.from(lines.join('\r\n')), { framed: false });
  if (!r.ok || r.message.kind !== 'request') throw new Error('test request did not parse');
  stampTopViaOf(r.message, '198.51.100.7', 40000);
  return r.message;
}

function state(over: Partial<ChallengeState> = {}): ChallengeState {
  return { snapshot: SNAPSHOT, trusted: new CidrSet(SNAPSHOT.trustedEdges), shedding: false, ...over };
}

const SRC = '198.51.100.7';

test('a REGISTER without credentials to an active tenant domain is challenged in its realm with its algorithms, in order', () => {
  assert.equal(challengeDecision(register(), SRC, state()), { kind: 'challenge', realm: 'acme.example', algorithms: ['SHA-256', 'MD5'] });
  assert.equal(challengeDecision(register({ to: '<sip:1001@globex.example>' }), SRC, state()), { kind: 'challenge', realm: 'globex.example', algorithms: ['MD5'] });
  // Another domain of the tenant: the tenant realm (the primary domain), as the main thread.
  assert.equal(challengeDecision(register({ to: '<sip:1001@alias.acme.example>' }), SRC, state()), { kind: 'challenge', realm: 'acme.example', algorithms: ['SHA-256', 'MD5'] });
  // Domains are case-insensitive (RFC 3261 §19.1.4), as in the tenant resolver.
  assert.is(challengeDecision(register({ to: '<sip:1001@ACME.Example>' }), SRC, state()).kind, 'challenge');
});

test('everything the main thread could answer otherwise is forwarded', () => {
  const fwd = (req: SipRequest, s = state(), src = SRC) => {
    const d = challengeDecision(req, src, s);
    return d.kind === 'forward' ? d.why : `challenged: ${JSON.stringify(d)}`;
  };
  assert.is(fwd(register({ to: '<sip:1001@unknown.example>' })), 'domain not in the snapshot', 'not listed (unknown, or a suspended tenant): main answers 404 or 403');
  assert.is(fwd(register({ to: '<sip:1001@empty.example>' })), 'no algorithms', 'nothing to offer: main decides');
  assert.is(fwd(register({ to: '<sip:1001@[::1]>' })), 'domain not in the snapshot');
  assert.is(fwd(register({ extra: ['Authorization: Digest username="1001", realm="acme.example", nonce="x", uri="sip:acme.example", response="0"'] })), 'carries credentials');
  assert.is(fwd(register({ extra: ['Proxy-Authorization: Digest username="1001"'] })), 'carries credentials');
  assert.is(fwd(register(), state(), '10.9.1.2'), 'trusted edge or X-PBX-Source', 'a trusted edge: main judges its client');
  assert.is(fwd(register({ extra: ['X-PBX-Source: udp:203.0.113.9:5060'] })), 'trusted edge or X-PBX-Source', 'main logs the forged header');
  assert.is(fwd(register({ extra: ['Require: foo'] })), 'Require or Proxy-Require', 'main answers 420');
  assert.is(fwd(register({ extra: ['Proxy-Require: path'] })), 'Require or Proxy-Require');
  assert.is(fwd(register({ uri: 'tel:+4930123' })), 'Request-URI is not a SIP URI', 'main answers 416');
  assert.is(fwd(register({ to: '<sip:acme.example>' })), 'To is not a SIP URI with a user part', 'main answers 400');
  assert.is(fwd(register({ to: '<tel:+4930123>' })), 'To is not a SIP URI with a user part');
  assert.is(fwd(register({ method: 'OPTIONS' })), 'not a REGISTER');
  assert.is(fwd(register(), state({ shedding: true })), 'the main thread sheds new work', 'overload: main sheds (503 or drop)');
  assert.is(fwd(register(), state({ snapshot: undefined })), 'no snapshot yet');
  assert.is(fwd(register({ to: '<sip:1001@__proto__>' })), 'domain not in the snapshot', 'no prototype key is a domain');
});

/** The main thread's 401: createResponse + the authenticator's challenge + Server last (StatelessReplier.decorate). */
function mainThread401(req: SipRequest, realm: string, algorithms: Array<'SHA-256' | 'MD5'>): Buffer {
  const auth = new DigestAuthenticator({ secret: SECRET, clock, nonceTtlSeconds: 300, epoch: 42, algorithms: ['MD5'] });
  const res = createResponse(req, 401, { headers: auth.challenge(realm, { algorithms }) });
  res.headers.push({ name: 'server', value: 'pbx-test/1' });
  return serializeMessage(res);
}

const mask = (b: Buffer) =>
  b
    .toString()
    .replace(/nonce="[^"]+"/g, 'nonce="N"')
    .replace(/^(To: [^\r]*;tag=)[^\r;]+/m, '$1T');

test("the front thread's 401 is the main thread's byte for byte (but nonce and To tag), and its nonce is one the main thread accepts", () => {
  const overload = new SharedArrayBuffer(4);
  const ch = new FrontChallenger({ secret: SECRET, epoch: 42, ttlSeconds: 300, overload, clock });
  ch.setSnapshot(SNAPSHOT);
  const req = register();
  const res = ch.answer(req, SRC);
  assert.ok(res, 'answered');
  const wire = serializeMessage(res!);
  assert.is(mask(wire), mask(mainThread401(register(), 'acme.example', ['SHA-256', 'MD5'])));
  assert.match(wire.toString(), /^Via: SIP\/2\.0\/UDP 192\.0\.2\.10:5070;branch=z9hG4bKfc1;rport=40000;received=198\.51\.100\.7\r$/m);
  const values = getHeaderValues(res!, 'www-authenticate');
  assert.is(values.length, 2);
  const nonce = /nonce="([^"]+)"/.exec(values[0]!)![1]!;
  assert.ok(values.every((v) => v.includes(`nonce="${nonce}"`)), 'one nonce shared by the challenges');
  // The main thread's codec (same secret, same epoch) takes it as its own.
  assert.is(new NonceCodec({ secret: SECRET, epoch: 42, ttlSeconds: 300, clock }).check(nonce, 'acme.example').status, 'valid');
  assert.is(new NonceCodec({ secret: SECRET, epoch: 42, ttlSeconds: 300, clock }).check(nonce, 'globex.example').status, 'forged', 'bound to the realm');
  assert.is(new NonceCodec({ secret: Buffer.alloc(32, 8), epoch: 42, ttlSeconds: 300, clock }).check(nonce, 'acme.example').status, 'forged', 'bound to the secret');
  // While the main thread sheds (the shared flag), nothing is answered here.
  Atomics.store(new Int32Array(overload), 0, 1);
  assert.is(ch.answer(register(), SRC), undefined);
  Atomics.store(new Int32Array(overload), 0, 0);
  assert.ok(ch.answer(register(), SRC));
});

test('without a Server header configured none is sent (as on the main thread); a new snapshot applies at once', () => {
  const ch = new FrontChallenger({ secret: SECRET, epoch: 1, ttlSeconds: 300, clock });
  assert.is(ch.answer(register(), SRC), undefined, 'no snapshot: forwarded');
  const { serverHeader: _, ...noServer } = SNAPSHOT;
  ch.setSnapshot(noServer);
  const res = ch.answer(register(), SRC)!;
  assert.ok(!res.headers.some((h) => h.name === 'server'));
  const { 'acme.example': _acme, ...rest } = noServer.domains;
  ch.setSnapshot({ ...noServer, domains: rest });
  assert.is(ch.answer(register(), SRC), undefined, 'no longer listed (its tenant suspended since): forwarded');
});

test.run();
