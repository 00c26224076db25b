import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AUTH_LIMITS } from './auth-params.js';
import { parseChallenge, parseCredentials } from './authorization-header.js';

// RFC 7616 §3.9.1, the MD5 Authorization (unfolded onto one line).
const RFC7616_MD5 =
  'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, ' +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, ' +
  'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, ' +
  'response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';

test('parses the RFC 7616 example credentials, quoted and token values alike', () => {
  const r = parseCredentials(RFC7616_MD5);
  if (r.kind !== 'digest') throw new Error(`expected digest, got ${r.kind}`);
  const c = r.credentials;
  assert.is(c.username, 'Mufasa');
  assert.is(c.realm, 'http-auth@example.org');
  assert.is(c.uri, '/dir/index.html');
  assert.is(c.algorithm, 'MD5');
  assert.is(c.nonce, '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v');
  assert.is(c.nc, '00000001');
  assert.is(c.cnonce, 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ');
  assert.is(c.qop, 'auth');
  assert.is(c.response, '8ca523f5e9506fed4657c9700eebdbec');
  assert.is(c.opaque, 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
});

test('scheme and parameter names are case-insensitive; whitespace around = and , is allowed', () => {
  const r = parseCredentials('  dIgEsT   USERNAME = "bob" ,REALM="biloxi.com",Nonce="n" , uri="sip:biloxi.com",response="00"');
  if (r.kind !== 'digest') throw new Error(r.kind);
  assert.is(r.credentials.username, 'bob');
  assert.is(r.credentials.realm, 'biloxi.com');
  assert.is(r.credentials.uri, 'sip:biloxi.com');
});

test('quoted-pairs are resolved and commas inside quotes do not split', () => {
  const r = parseCredentials('Digest username="a\\"b\\\\c", realm="x, y", nonce="n", uri="sip:x", response="r"');
  if (r.kind !== 'digest') throw new Error(r.kind);
  assert.is(r.credentials.username, 'a"b\\c');
  assert.is(r.credentials.realm, 'x, y');
});

test('a non-Digest scheme is reported as such, not as an error (RFC 4475 §3.3.7)', () => {
  assert.equal(parseCredentials('NoOneKnowsThisScheme opaque-data=here'), { kind: 'other-scheme', scheme: 'NoOneKnowsThisScheme' });
  assert.equal(parseCredentials('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='), { kind: 'other-scheme', scheme: 'Basic' });
});

test('duplicate parameters are refused, whatever their case', () => {
  const r = parseCredentials('Digest username="a", realm="r", REALM="r", nonce="n", uri="u", response="x"');
  assert.is(r.kind, 'malformed');
  if (r.kind === 'malformed') assert.match(r.error, /duplicate/);
});

test('missing parameters are reported, with the realm when it was readable', () => {
  const r = parseCredentials('Digest username="a", realm="acme.example", nonce="n", uri="sip:acme.example"');
  assert.equal(r, { kind: 'malformed', error: 'missing response', realm: 'acme.example' });
  assert.is(parseCredentials('Digest realm="r", nonce="n", uri="u", response="x"').kind, 'malformed');
  assert.is(parseCredentials('Digest username="a", username*=UTF-8\'\'a, realm="r", nonce="n", uri="u", response="x"').kind, 'malformed');
});

test('hostile values never throw and are reported as malformed', () => {
  const bad = [
    '',
    '   ',
    'Digest',
    'Digest ',
    'Digest username="unterminated, realm="r"',
    'Digest username="a\\',
    'Digest username=',
    'Digest username',
    'Digest =x',
    'Digest username="a" realm="r"',
    'Digest username="a",, ,realm="r", nonce="n", uri="u", response="x", "quoted"',
    'Digest username="a\u0000b", realm="r", nonce="n", uri="u", response="x"',
    'Digest username="a\\\u0001", realm="r", nonce="n", uri="u", response="x"',
    '"Digest" username="a"',
    'Dig\u00e9st username="a"',
    'Digest username="' + 'a'.repeat(AUTH_LIMITS.maxParamChars + 1) + '", realm="r", nonce="n", uri="u", response="x"',
    'Digest ' + 'x'.repeat(AUTH_LIMITS.maxValueChars + 1),
    'Digest ' + Array.from({ length: AUTH_LIMITS.maxParams + 1 }, (_, i) => `p${i}=1`).join(', '),
    'Digest ' + 'n'.repeat(AUTH_LIMITS.maxNameChars + 1) + '=1',
  ];
  for (const v of bad) {
    let r: ReturnType<typeof parseCredentials> | undefined;
    try {
      r = parseCredentials(v);
    } catch (e) {
      assert.unreachable(`threw on ${JSON.stringify(v.slice(0, 60))}: ${String(e)}`);
    }
    assert.is(r!.kind, 'malformed', JSON.stringify(v.slice(0, 60)));
    assert.not.throws(() => parseChallenge(v));
  }
});

test('random input never throws (seeded fuzz)', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const alphabet = 'Digest username="realm,nonce=\\ \t,"=abc\u0000\u00ff';
  let digest = 0;
  for (let k = 0; k < 3000; k++) {
    const len = Math.floor(rand() * 80);
    let s = 'Digest ';
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
    const r = parseCredentials(s);
    if (r.kind === 'digest') digest++;
    parseChallenge(s);
  }
  // Random soup almost never forms complete credentials; what matters is no throw.
  assert.ok(digest < 3000);
});

test('parses a challenge: qop list, stale in any case, algorithm defaulting to MD5', () => {
  const r = parseChallenge('Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="abc", opaque="o", stale=TRUE');
  if (r.kind !== 'digest') throw new Error(r.kind);
  assert.equal(r.challenge.qop, ['auth', 'auth-int']);
  assert.is(r.challenge.algorithm, 'SHA-256');
  assert.is(r.challenge.stale, true);
  assert.is(r.challenge.opaque, 'o');
  const plain = parseChallenge('Digest realm="r", nonce="n"');
  if (plain.kind !== 'digest') throw new Error(plain.kind);
  assert.is(plain.challenge.algorithm, 'MD5');
  assert.equal(plain.challenge.qop, []);
  assert.is(plain.challenge.stale, false);
});

test('a challenge without realm or nonce is malformed; another scheme is reported', () => {
  assert.equal(parseChallenge('Digest realm="r"'), { kind: 'malformed', error: 'missing nonce' });
  assert.equal(parseChallenge('Digest nonce="n"'), { kind: 'malformed', error: 'missing realm' });
  assert.equal(parseChallenge('Basic realm="r"'), { kind: 'other-scheme', scheme: 'Basic' });
});

test.run();
