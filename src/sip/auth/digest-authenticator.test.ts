import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { getHeaderValues } from '../message/headers.js';
import { parseMessage } from '../message/parse.js';
import { parseCredentials } from './authorization-header.js';
import { buildAuthorization, pickChallenge } from './client-digest.js';
import { computeHa1, type DigestAlgorithm } from './digest.js';
import { DigestAuthenticator, WRONG_CREDENTIALS, type AuthOutcome, type DigestAuthenticatorOptions, type ServerAlgorithm } from './digest-authenticator.js';

const REALM = 'acme.example';
const RURI = 'sip:acme.example';
const PASSWORDS: Record<string, string> = { '1001': 'alice-1001-secret', alice: 'wonderland', 'a"b\\c': 'odd' };

function setup(opts: Partial<DigestAuthenticatorOptions> = {}) {
  const clock = new FakeClock();
  const auth = new DigestAuthenticator({
    secret: Buffer.from('server-secret-for-tests-32-bytes'),
    clock,
    nonceTtlSeconds: 300,
    algorithms: ['SHA-256', 'MD5'],
    ...opts,
  });
  const lookups: Array<[string, ServerAlgorithm]> = [];
  const lookup = (username: string, alg: ServerAlgorithm): string | undefined => {
    lookups.push([username, alg]);
    const pw = Object.prototype.hasOwnProperty.call(PASSWORDS, username) ? PASSWORDS[username] : undefined;
    return pw === undefined ? undefined : computeHa1(alg, username, REALM, pw);
  };
  return { clock, auth, lookup, lookups };
}

interface Answer {
  username?: string;
  password?: string;
  method?: string;
  uri?: string;
  nc?: number;
  algorithm?: DigestAlgorithm;
  realm?: string;
}

/** A client answering the server's challenge, the way a phone would. */
function respond(challengeHeaders: Array<[string, string]>, a: Answer = {}): string {
  const ch = pickChallenge(
    challengeHeaders.map(([, v]) => v),
    { algorithms: a.algorithm ? [a.algorithm] : undefined },
  );
  if (!ch) throw new Error('no usable challenge');
  if (a.realm !== undefined) ch.realm = a.realm;
  const r = buildAuthorization({
    challenge: ch,
    username: a.username ?? '1001',
    password: a.password ?? PASSWORDS[a.username ?? '1001'] ?? 'x',
    method: a.method ?? 'REGISTER',
    uri: a.uri ?? RURI,
    nc: a.nc,
  });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function verify(s: ReturnType<typeof setup>, header: string | string[] | undefined, over: { method?: string; requestUri?: string; realm?: string } = {}): AuthOutcome {
  return s.auth.verify({ method: over.method ?? 'REGISTER', requestUri: over.requestUri ?? RURI, header, realm: over.realm ?? REALM }, s.lookup);
}

test('challenge: one header per algorithm in the configured order, qop="auth", one fresh nonce', () => {
  const { auth } = setup();
  const hs = auth.challenge(REALM);
  assert.equal(
    hs.map(([n]) => n),
    ['WWW-Authenticate', 'WWW-Authenticate'],
  );
  assert.match(hs[0]![1], /^Digest realm="acme\.example", nonce="[A-Za-z0-9_-]+", algorithm=SHA-256, qop="auth"$/);
  assert.match(hs[1]![1], /algorithm=MD5, qop="auth"$/);
  const nonces = hs.map(([, v]) => /nonce="([^"]+)"/.exec(v)![1]);
  assert.is(nonces[0], nonces[1]);
  assert.is.not(/nonce="([^"]+)"/.exec(auth.challenge(REALM)[0]![1])![1], nonces[0]);
  const proxy = auth.challenge(REALM, { proxy: true, stale: true });
  assert.is(proxy[0]![0], 'Proxy-Authenticate');
  assert.match(proxy[0]![1], /, stale=true$/);
  assert.equal(setup({ algorithms: ['MD5'] }).auth.challenge(REALM).length, 1);
});

test('round trip with SHA-256: challenge, client answer, verify', () => {
  const s = setup();
  const out = verify(s, respond(s.auth.challenge(REALM)));
  assert.equal(out, { ok: true, username: '1001', algorithm: 'SHA-256' });
  assert.equal(s.lookups, [['1001', 'SHA-256']]);
});

test('round trip with MD5', () => {
  const s = setup();
  const out = verify(s, respond(s.auth.challenge(REALM), { algorithm: 'MD5', method: 'INVITE', uri: 'sip:1002@acme.example' }), {
    method: 'INVITE',
    requestUri: 'sip:1002@acme.example',
  });
  assert.equal(out, { ok: true, username: '1001', algorithm: 'MD5' });
});

test('wrong password and unknown user give the same outcome, and both look the user up', () => {
  const s = setup();
  const wrong = verify(s, respond(s.auth.challenge(REALM), { password: 'guess' }));
  const unknown = verify(s, respond(s.auth.challenge(REALM), { username: '9999', password: 'guess' }));
  assert.equal(wrong, { ok: false, kind: 'rejected', detail: WRONG_CREDENTIALS });
  assert.equal(unknown, wrong);
  assert.equal(
    s.lookups.map(([u]) => u),
    ['1001', '9999'],
  );
  assert.is(s.auth.trackedNonces, 0, 'a failed authentication leaves no state');
});

test('usernames match exactly (case-sensitive)', () => {
  const s = setup();
  const out = verify(s, respond(s.auth.challenge(REALM), { username: 'Alice', password: PASSWORDS.alice }));
  assert.equal(out, { ok: false, kind: 'rejected', detail: WRONG_CREDENTIALS });
  assert.equal(verify(s, respond(s.auth.challenge(REALM), { username: 'alice' })), { ok: true, username: 'alice', algorithm: 'SHA-256' });
});

test('a username with quotes and backslashes authenticates', () => {
  const s = setup();
  assert.equal(verify(s, respond(s.auth.challenge(REALM), { username: 'a"b\\c' })), { ok: true, username: 'a"b\\c', algorithm: 'SHA-256' });
});

test('expired nonce with the right password is stale; the client then succeeds on the new challenge', () => {
  const s = setup();
  const header = respond(s.auth.challenge(REALM));
  s.clock.advance(300_001);
  assert.equal(verify(s, header), { ok: false, kind: 'stale' });
  const again = s.auth.challenge(REALM, { stale: true });
  assert.equal(verify(s, respond(again)), { ok: true, username: '1001', algorithm: 'SHA-256' });
});

test('a captured request on a nonce of the previous process (epoch) is stale, never accepted, after a restart', () => {
  const before = setup({ epoch: 7 });
  const captured = respond(before.auth.challenge(REALM));
  assert.equal(verify(before, captured), { ok: true, username: '1001', algorithm: 'SHA-256' });
  // The restart: same secret, same clock, an empty nonce-count record, the next epoch.
  const after = setup({ epoch: 8 });
  assert.equal(verify(after, captured), { ok: false, kind: 'stale' }, 'the replay is not accepted');
  assert.equal(verify(after, captured), { ok: false, kind: 'stale' }, 'nor the second time');
  const wrong = respond(before.auth.challenge(REALM), { password: 'guess' });
  assert.equal(verify(after, wrong), { ok: false, kind: 'rejected', detail: WRONG_CREDENTIALS }, 'stale only for the right password');
  assert.equal(verify(after, respond(after.auth.challenge(REALM, { stale: true }))), { ok: true, username: '1001', algorithm: 'SHA-256' });
});

test('expired nonce with a wrong password, or an unknown user, is rejected, not stale', () => {
  const s = setup();
  const wrong = respond(s.auth.challenge(REALM), { password: 'guess' });
  const unknown = respond(s.auth.challenge(REALM), { username: 'nobody' });
  s.clock.advance(3_600_000);
  assert.equal(verify(s, wrong), { ok: false, kind: 'rejected', detail: WRONG_CREDENTIALS });
  assert.equal(verify(s, unknown), { ok: false, kind: 'rejected', detail: WRONG_CREDENTIALS });
});

test('a nonce from another server secret is rejected', () => {
  const s = setup();
  const other = setup({ secret: Buffer.from('a-different-secret-of-32-bytes!!') });
  const out = verify(s, respond(other.auth.challenge(REALM)));
  assert.equal(out, { ok: false, kind: 'rejected', detail: 'nonce not issued here' });
});

test('a nonce with a tampered time is rejected', () => {
  const s = setup();
  const hs = s.auth.challenge(REALM);
  const nonce = /nonce="([^"]+)"/.exec(hs[0]![1])![1]!;
  const raw = Buffer.from(nonce, 'base64url');
  raw.writeUIntBE(s.clock.now() + 1000, 0, 6);
  const forged = raw.toString('base64url');
  const out = verify(s, respond([['WWW-Authenticate', hs[0]![1].replace(nonce, forged)]]));
  assert.equal(out, { ok: false, kind: 'rejected', detail: 'nonce not issued here' });
});

test("a nonce issued for one realm does not authenticate in another (a tenant cannot lend its nonces)", () => {
  const s = setup();
  const globexChallenge = s.auth.challenge('globex.example');
  const out = verify(s, respond(globexChallenge, { realm: REALM }));
  assert.equal(out, { ok: false, kind: 'rejected', detail: 'nonce not issued here' });
});

test('a replayed nonce-count is rejected; a higher one on the same nonce is accepted', () => {
  const s = setup();
  const hs = s.auth.challenge(REALM);
  const first = respond(hs, { nc: 1 });
  assert.is(verify(s, first).ok, true);
  assert.equal(verify(s, first), { ok: false, kind: 'rejected', detail: 'nonce-count replayed' });
  assert.is(verify(s, respond(hs, { nc: 2 })).ok, true);
  assert.is(verify(s, respond(hs, { nc: 4 })).ok, true);
  assert.is(verify(s, respond(hs, { nc: 3 })).ok, true, 'out of order inside the window');
  assert.is(verify(s, respond(hs, { nc: 3 })).ok, false);
  assert.is(s.auth.trackedNonces, 1);
});

test('a failed attempt does not use up a nonce-count', () => {
  const s = setup();
  const hs = s.auth.challenge(REALM);
  assert.is(verify(s, respond(hs, { nc: 1, password: 'guess' })).ok, false);
  assert.is(s.auth.trackedNonces, 0);
  assert.is(verify(s, respond(hs, { nc: 1 })).ok, true);
});

test('no credentials, or a non-Digest scheme, means missing: challenge', () => {
  const s = setup();
  assert.equal(verify(s, undefined), { ok: false, kind: 'missing' });
  assert.equal(verify(s, []), { ok: false, kind: 'missing' });
  assert.equal(verify(s, 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='), { ok: false, kind: 'missing' });
  assert.is(s.lookups.length, 0);
});

test('RFC 4475 §3.3.7 (regaut01): an unknown Authorization scheme in a real REGISTER is missing', () => {
  const raw =
    'REGISTER sip:example.com SIP/2.0\r\nTo: sip:j.user@example.com\r\nFrom: sip:j.user@example.com;tag=87321hj23128\r\n' +
    'Max-Forwards: 8\r\nCall-ID: regaut01.0ha0isndaksdj\r\nCSeq: 9338 REGISTER\r\nVia: SIP/2.0/TCP 192.0.2.253;branch=z9hG4bKkdjuw\r\n' +
    'Authorization: NoOneKnowsThisScheme opaque-data=here\r\nContent-Length:0\r\n\r\n';
  const parsed = parseMessage(Buffer.from(raw));
  if (!parsed.ok || parsed.message.kind !== 'request') throw new Error('corpus message did not parse');
  const s = setup();
  const out = s.auth.verify(
    { method: parsed.message.method, requestUri: parsed.message.uri, header: getHeaderValues(parsed.message, 'authorization'), realm: 'example.com' },
    s.lookup,
  );
  assert.equal(out, { ok: false, kind: 'missing' });
});

test('several Authorization values: the one for this realm is used', () => {
  const s = setup();
  const mine = respond(s.auth.challenge(REALM));
  const theirs = respond(s.auth.challenge('carrier.example'), { realm: 'carrier.example' });
  assert.equal(verify(s, ['Basic Zm9vOmJhcg==', theirs, mine]), { ok: true, username: '1001', algorithm: 'SHA-256' });
  assert.equal(verify(s, [theirs]), { ok: false, kind: 'missing' }, 'credentials for another realm only: challenge');
});

test('the digest-uri must name the Request-URI (compared as URIs)', () => {
  const s = setup();
  const header = respond(s.auth.challenge(REALM), { uri: 'sip:acme.example' });
  assert.equal(verify(s, header, { requestUri: 'sip:1002@acme.example' }), {
    ok: false,
    kind: 'rejected',
    detail: 'digest-uri does not match the Request-URI',
  });
  const spelled = respond(s.auth.challenge(REALM), { uri: 'sip:ACME.example' });
  assert.is(verify(s, spelled, { requestUri: 'sip:acme.example' }).ok, true, 'host case is not a different resource');
});

test('the method is part of the digest: an answer for REGISTER does not authorize an INVITE', () => {
  const s = setup();
  const header = respond(s.auth.challenge(REALM), { method: 'REGISTER' });
  assert.equal(verify(s, header, { method: 'INVITE' }), { ok: false, kind: 'rejected', detail: WRONG_CREDENTIALS });
});

test('policy refusals: no qop (RFC 2069), auth-int, an algorithm not offered, -sess', () => {
  const s = setup({ algorithms: ['SHA-256'] });
  const hs = s.auth.challenge(REALM);
  const good = respond(hs);
  const without = (name: string) => good.replace(new RegExp(`, ${name}=("[^"]*"|[^,]*)`), '');
  const rfc2069 = without('qop');
  assert.equal(verify(s, rfc2069), { ok: false, kind: 'rejected', detail: 'qop missing (RFC 2069 credentials are refused)' });
  assert.equal(verify(s, good.replace('qop=auth', 'qop=auth-int')), { ok: false, kind: 'rejected', detail: 'qop auth-int not supported' });
  assert.equal(verify(s, good.replace('algorithm=SHA-256', 'algorithm=MD5')), { ok: false, kind: 'rejected', detail: 'algorithm MD5 not offered' });
  assert.equal(verify(s, without('algorithm')), { ok: false, kind: 'rejected', detail: 'algorithm MD5 (default) not offered' });
  assert.equal(verify(s, good.replace('algorithm=SHA-256', 'algorithm=SHA-256-sess')), { ok: false, kind: 'rejected', detail: 'algorithm SHA-256-sess not offered' });
  assert.equal(verify(s, good.replace(/nc=\w+/, 'nc=00000000')), { ok: false, kind: 'rejected', detail: 'bad nc' });
  assert.equal(verify(s, good.replace(/nc=\w+/, 'nc=1')), { ok: false, kind: 'rejected', detail: 'bad nc' });
  assert.equal(verify(s, without('cnonce')), { ok: false, kind: 'rejected', detail: 'bad cnonce' });
  assert.equal(verify(s, good.replace(/response="\w+"/, 'response="abc"')), { ok: false, kind: 'rejected', detail: 'bad response format' });
  assert.equal(verify(s, good + ', userhash=true'), { ok: false, kind: 'rejected', detail: 'userhash is not supported' });
  assert.is(verify(s, good).ok, true, 'the untouched answer still works');
});

test('malformed credentials never throw: rejected when they may be ours, missing when they name another realm', () => {
  const s = setup();
  const hs = s.auth.challenge(REALM);
  const good = respond(hs);
  const cases = [
    good.replace(/"$/, ''),
    good.replace('username="1001"', 'username="1001", username="1002"'),
    good.replace(/response="\w+"/, ''),
    'Digest',
    'Digest realm="acme.example", ' + 'x'.repeat(100_000),
    'Digest username="' + 'u'.repeat(300) + '", realm="acme.example", nonce="n", uri="sip:acme.example", response="r", qop=auth, nc=00000001, cnonce="c"',
    'Digest username="1001", realm="acme.example", nonce="' + 'n'.repeat(2000) + '", uri="sip:acme.example", response="r", qop=auth, nc=00000001, cnonce="c"',
    good.replace(/cnonce="[^"]+"/, `cnonce="${'c'.repeat(1000)}"`),
    good.replace(/uri="[^"]+"/, 'uri="not a uri"'),
    '\u0000\u0001\u0002',
  ];
  for (const c of cases) {
    let out: AuthOutcome | undefined;
    try {
      out = verify(s, c);
    } catch (e) {
      assert.unreachable(`threw on ${JSON.stringify(c.slice(0, 80))}: ${String(e)}`);
    }
    assert.is(out!.ok, false, JSON.stringify(c.slice(0, 80)));
    assert.is.not(out!.ok === false && out!.kind, 'stale');
  }
  assert.equal(verify(s, 'Digest username="a", realm="globex.example", nonce="n"'), { ok: false, kind: 'missing' });
  assert.equal(verify(s, 'Digest username="a", realm="acme.example", nonce="n"'), {
    ok: false,
    kind: 'rejected',
    detail: 'malformed credentials: missing uri',
  });
  assert.is(s.auth.trackedNonces, 0);
});

test('the nonce-count table stays within its cap, and an evicted nonce cannot be replayed (stale instead)', () => {
  const s = setup({ maxNonceEntries: 3 });
  const answered: string[] = [];
  for (let i = 0; i < 10; i++) {
    s.clock.advance(1000);
    const h = respond(s.auth.challenge(REALM), { nc: 1 });
    answered.push(h);
    assert.is(verify(s, h).ok, true);
    assert.ok(s.auth.trackedNonces <= 3);
  }
  assert.is(s.auth.trackedNonces, 3);
  // The first answers' records were evicted: replaying them must not succeed.
  for (const h of answered.slice(0, 7)) assert.equal(verify(s, h), { ok: false, kind: 'stale' });
  // The last ones are still tracked: replay is caught as such.
  assert.equal(verify(s, answered[9]!), { ok: false, kind: 'rejected', detail: 'nonce-count replayed' });
  // Entries expire with the nonce TTL.
  s.clock.advance(300_001);
  assert.is(verify(s, respond(s.auth.challenge(REALM))).ok, true);
  assert.is(s.auth.trackedNonces, 1);
});

test('a response digest is bound to its nonce: moving it onto a fresh nonce fails', () => {
  const s = setup();
  const old = respond(s.auth.challenge(REALM));
  const fresh = /nonce="([^"]+)"/.exec(s.auth.challenge(REALM)[0]![1])![1]!;
  const moved = old.replace(/nonce="[^"]+"/, `nonce="${fresh}"`);
  assert.equal(verify(s, moved), { ok: false, kind: 'rejected', detail: WRONG_CREDENTIALS });
  const c = parseCredentials(moved);
  assert.is(c.kind, 'digest');
});

test('the constructor refuses an empty or repeated algorithm list and a short secret', () => {
  assert.throws(() => setup({ algorithms: [] }));
  assert.throws(() => setup({ algorithms: ['MD5', 'MD5'] }));
  assert.throws(() => setup({ algorithms: ['SHA-512-256' as ServerAlgorithm] }));
  assert.throws(() => setup({ secret: Buffer.from('short') }));
});

test('per-call algorithms: the challenge and the accepted answers follow the list given, not the default', () => {
  const s = setup({ algorithms: ['MD5'] });
  const hs = s.auth.challenge(REALM, { algorithms: ['SHA-256', 'MD5'] });
  assert.equal(hs.map(([, v]) => /algorithm=([\w-]+)/.exec(v)![1]), ['SHA-256', 'MD5']);
  const sha = respond(hs);
  // Offered for this realm: accepted.
  assert.equal(s.auth.verify({ method: 'REGISTER', requestUri: RURI, header: sha, realm: REALM, algorithms: ['SHA-256', 'MD5'] }, s.lookup), { ok: true, username: '1001', algorithm: 'SHA-256' });
  // The same answer where only the default (MD5) is offered: refused.
  const again = respond(s.auth.challenge(REALM, { algorithms: ['SHA-256'] }));
  assert.equal(s.auth.verify({ method: 'REGISTER', requestUri: RURI, header: again, realm: REALM }, s.lookup), { ok: false, kind: 'rejected', detail: 'algorithm SHA-256 not offered' });
  // An empty list given by mistake falls back to the default.
  assert.equal(s.auth.challenge(REALM, { algorithms: [] }).length, 1);
});

test('setPolicy: new algorithms and nonce lifetime apply at once; issued nonces keep their counts', () => {
  const s = setup({ algorithms: ['SHA-256', 'MD5'], nonceTtlSeconds: 300 });
  const hs = s.auth.challenge(REALM);
  assert.is(verify(s, respond(hs, { nc: 1 })).ok, true);
  s.auth.setPolicy({ algorithms: ['MD5'], nonceTtlSeconds: 60 });
  assert.equal(s.auth.defaultAlgorithms, ['MD5']);
  assert.equal(s.auth.challenge(REALM).length, 1);
  assert.match(s.auth.challenge(REALM)[0]![1], /algorithm=MD5/);
  // SHA-256 is no longer offered; MD5 on the old nonce still counts on from 1.
  assert.equal(verify(s, respond(hs, { nc: 2 })), { ok: false, kind: 'rejected', detail: 'algorithm SHA-256 not offered' });
  assert.is(verify(s, respond(hs, { algorithm: 'MD5', nc: 2 })).ok, true);
  assert.equal(verify(s, respond(hs, { algorithm: 'MD5', nc: 2 })), { ok: false, kind: 'rejected', detail: 'nonce-count replayed' });
  // The shorter lifetime applies to the nonce issued before it.
  s.clock.advance(61_000);
  assert.equal(verify(s, respond(hs, { algorithm: 'MD5', nc: 3 })), { ok: false, kind: 'stale' });
  assert.throws(() => s.auth.setPolicy({ algorithms: [], nonceTtlSeconds: 60 }));
  assert.throws(() => s.auth.setPolicy({ algorithms: ['MD5'], nonceTtlSeconds: 0 }));
  assert.equal(s.auth.defaultAlgorithms, ['MD5'], 'a refused policy changes nothing');
});

test.run();
