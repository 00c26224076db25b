import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseChallenge, parseCredentials, type DigestChallenge } from './authorization-header.js';
import { buildAuthorization, pickChallenge } from './client-digest.js';

// RFC 7616 §3.9.1: the server's two challenges (SHA-256 first), unfolded.
const RFC_CHALLENGES = [
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, ' +
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, ' +
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
];
const CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';

function challengeOf(value: string): DigestChallenge {
  const r = parseChallenge(value);
  if (r.kind !== 'digest') throw new Error(r.kind);
  return r.challenge;
}

function answer(challenge: DigestChallenge, extra: { nc?: number; cnonce?: string } = {}) {
  const r = buildAuthorization({ challenge, username: 'Mufasa', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', cnonce: CNONCE, ...extra });
  if (!r.ok) throw new Error(r.error);
  const parsed = parseCredentials(r.value);
  if (parsed.kind !== 'digest') throw new Error(parsed.kind);
  return { result: r, creds: parsed.credentials };
}

test('answers the RFC 7616 §3.9.1 SHA-256 challenge with the RFC response', () => {
  const { result, creds } = answer(challengeOf(RFC_CHALLENGES[0]!));
  assert.is(creds.response, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  assert.is(result.algorithm, 'SHA-256');
  assert.is(creds.algorithm, 'SHA-256');
  assert.is(creds.qop, 'auth');
  assert.is(creds.nc, '00000001');
  assert.is(creds.cnonce, CNONCE);
  assert.is(creds.opaque, 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS', 'opaque echoed');
  assert.is(creds.uri, '/dir/index.html');
  assert.match(result.value, /, qop=auth, nc=00000001, /, 'qop and nc unquoted (RFC 7616 §3.4)');
});

test('answers the RFC 7616 §3.9.1 MD5 challenge with the RFC response', () => {
  const { creds } = answer(challengeOf(RFC_CHALLENGES[1]!));
  assert.is(creds.response, '8ca523f5e9506fed4657c9700eebdbec');
});

test('without qop in the challenge, the RFC 2069 form: no qop, nc or cnonce', () => {
  const ch = challengeOf('Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"');
  const r = buildAuthorization({ challenge: ch, username: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html' });
  if (!r.ok) throw new Error(r.error);
  assert.is(r.qop, undefined);
  assert.not.match(r.value, /qop|nc=|cnonce|algorithm/);
  const parsed = parseCredentials(r.value);
  if (parsed.kind !== 'digest') throw new Error(parsed.kind);
  assert.is(parsed.credentials.response, '670fd8c2df070c60b045671b8b24ff02');
});

test('refuses a challenge it cannot answer', () => {
  const authInt = buildAuthorization({ challenge: challengeOf('Digest realm="r", nonce="n", qop="auth-int"'), username: 'u', password: 'p', method: 'INVITE', uri: 'sip:x' });
  assert.equal(authInt, { ok: false, error: 'no supported qop in auth-int' });
  const sess = buildAuthorization({ challenge: challengeOf('Digest realm="r", nonce="n", qop="auth", algorithm=MD5-sess'), username: 'u', password: 'p', method: 'INVITE', uri: 'sip:x' });
  assert.is(sess.ok, false);
  const badNc = buildAuthorization({ challenge: challengeOf('Digest realm="r", nonce="n", qop="auth"'), username: 'u', password: 'p', method: 'INVITE', uri: 'sip:x', nc: 0 });
  assert.is(badNc.ok, false);
});

test('nc is written as 8 hex digits; a random cnonce is made when none is given', () => {
  const ch = challengeOf(RFC_CHALLENGES[0]!);
  assert.is(answer(ch, { nc: 0x1f }).creds.nc, '0000001f');
  const a = buildAuthorization({ challenge: ch, username: 'u', password: 'p', method: 'GET', uri: '/' });
  const b = buildAuthorization({ challenge: ch, username: 'u', password: 'p', method: 'GET', uri: '/' });
  if (!a.ok || !b.ok) throw new Error('build failed');
  assert.ok(a.cnonce && a.cnonce.length >= 16);
  assert.is.not(a.cnonce, b.cnonce);
});

test('usernames and realms with quotes and backslashes survive quoting', () => {
  const ch = challengeOf('Digest realm="we\\"ird\\\\realm", nonce="n", qop="auth"');
  assert.is(ch.realm, 'we"ird\\realm');
  const r = buildAuthorization({ challenge: ch, username: 'a"b\\c', password: 'p', method: 'REGISTER', uri: 'sip:x' });
  if (!r.ok) throw new Error(r.error);
  const parsed = parseCredentials(r.value);
  if (parsed.kind !== 'digest') throw new Error(parsed.kind);
  assert.is(parsed.credentials.username, 'a"b\\c');
  assert.is(parsed.credentials.realm, 'we"ird\\realm');
});

test('pickChallenge takes the topmost supported Digest challenge', () => {
  assert.is(pickChallenge(RFC_CHALLENGES)?.algorithm, 'SHA-256');
  assert.is(pickChallenge(RFC_CHALLENGES, { algorithms: ['MD5'] })?.algorithm, 'MD5');
  const mixed = ['Basic realm="x"', 'Digest realm="r", nonce="n", algorithm=SHA-256-sess', 'Digest realm="broken', 'Digest realm="r", nonce="n2", algorithm=MD5'];
  assert.is(pickChallenge(mixed)?.nonce, 'n2');
  assert.is(pickChallenge(mixed, { realm: 'other' }), undefined);
  assert.is(pickChallenge([]), undefined);
});

test.run();
