import { createHmac } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { NONCE_CHARS, NonceCodec } from './nonce.js';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const REALM = 'acme.example';

function setup(ttlSeconds = 300) {
  const clock = new FakeClock();
  return { clock, codec: new NonceCodec({ secret: SECRET, clock, ttlSeconds }) };
}

/** Rewrite bytes of a nonce and spell it canonically again. */
function tamper(nonce: string, edit: (raw: Buffer) => void): string {
  const raw = Buffer.from(nonce, 'base64url');
  edit(raw);
  return raw.toString('base64url');
}

test('a fresh nonce is valid, carries its issue time, and is a token of fixed length', () => {
  const { clock, codec } = setup();
  const n = codec.issue(REALM);
  assert.is(n.length, NONCE_CHARS);
  assert.match(n, /^[A-Za-z0-9_-]+$/);
  assert.equal(codec.check(n, REALM), { status: 'valid', issuedAt: clock.now() });
  assert.is.not(codec.issue(REALM), n, 'random part differs');
});

test('valid up to the TTL, expired after it', () => {
  const { clock, codec } = setup(60);
  const n = codec.issue(REALM);
  clock.advance(60_000);
  assert.is(codec.check(n, REALM).status, 'valid');
  clock.advance(1);
  assert.is(codec.check(n, REALM).status, 'expired');
  clock.advance(3_600_000);
  assert.is(codec.check(n, REALM).status, 'expired');
});

test('a nonce from a server with another secret is forged', () => {
  const { clock, codec } = setup();
  const other = new NonceCodec({ secret: Buffer.from('another-secret-of-32-bytes......'), clock, ttlSeconds: 300 });
  assert.equal(codec.check(other.issue(REALM), REALM), { status: 'forged' });
});

test('a nonce is bound to its realm', () => {
  const { codec } = setup();
  assert.equal(codec.check(codec.issue('acme.example'), 'globex.example'), { status: 'forged' });
});

test('realms of any length (past the scratch buffer, non-ASCII) bind as well, and a prefix of a realm is another realm', () => {
  const { codec } = setup();
  const long = 'x'.repeat(300) + '.example';
  const n = codec.issue(long);
  assert.is(codec.check(n, long).status, 'valid');
  assert.is(codec.check(n, long.slice(1)).status, 'forged');
  const short = codec.issue('acme.example');
  assert.is(codec.check(short, 'acme.exampl').status, 'forged');
  assert.is(codec.check(short, 'acme.example').status, 'valid');
  const utf8 = 'bücher.example';
  assert.is(codec.check(codec.issue(utf8), utf8).status, 'valid');
  // Checking a long realm in between does not disturb the next short one (shared scratch buffer).
  assert.is(codec.check(short, 'acme.example').status, 'valid');
});

test('a nonce of the previous build (HMAC, tag v2) is stale, never forged: phones retry silently after an upgrade', () => {
  const { clock, codec } = setup();
  const raw = Buffer.alloc(38);
  raw.writeUIntBE(clock.now(), 0, 6);
  raw.writeUInt32BE(0, 6);
  const mac = (tag: string, realm: string) => createHmac('sha256', SECRET).update(Buffer.from(tag)).update(raw.subarray(0, 22)).update(realm).digest();
  mac('pbx-digest-nonce-v2\0', REALM).copy(raw, 22, 0, 16);
  assert.equal(codec.check(raw.toString('base64url'), REALM), { status: 'expired', issuedAt: clock.now(), reason: 'epoch' });
  assert.equal(codec.check(raw.toString('base64url'), 'globex.example'), { status: 'forged' });
  mac('pbx-digest-nonce-v1\0', REALM).copy(raw, 22, 0, 16);
  assert.equal(codec.check(raw.toString('base64url'), REALM), { status: 'forged' });
});

test('tampering with the time (to extend a nonce) or the random part makes it forged', () => {
  const { clock, codec } = setup(60);
  const n = codec.issue(REALM);
  clock.advance(120_000);
  assert.is(codec.check(n, REALM).status, 'expired');
  const renewed = tamper(n, (raw) => raw.writeUIntBE(clock.now(), 0, 6));
  assert.equal(codec.check(renewed, REALM), { status: 'forged' });
  const otherRandom = tamper(n, (raw) => (raw[10] ^= 0x01));
  assert.equal(codec.check(otherRandom, REALM), { status: 'forged' });
  const otherMac = tamper(n, (raw) => (raw[raw.length - 1] ^= 0x80));
  assert.equal(codec.check(otherMac, REALM), { status: 'forged' });
});

test('a MAC computed with another key over a chosen time is forged', () => {
  const { clock, codec } = setup();
  const raw = Buffer.alloc(38);
  raw.writeUIntBE(clock.now(), 0, 6);
  createHmac('sha256', 'guess').update(raw.subarray(0, 22)).update(REALM).digest().copy(raw, 22, 0, 16);
  assert.equal(codec.check(raw.toString('base64url'), REALM), { status: 'forged' });
});

test('only the canonical spelling is accepted (no second name for one nonce)', () => {
  const { codec } = setup();
  const n = codec.issue(REALM);
  // The last base64url character of 38 bytes carries 2 unused bits.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(n[n.length - 1]!);
  const variant = n.slice(0, -1) + alphabet[last ^ 0x01];
  assert.equal(Buffer.from(variant, 'base64url'), Buffer.from(n, 'base64url'), 'decodes to the same bytes');
  assert.equal(codec.check(variant, REALM), { status: 'forged' });
});

test('a nonce of an earlier epoch (before a restart) is expired for the epoch, even while young', () => {
  const clock = new FakeClock();
  const before = new NonceCodec({ secret: SECRET, clock, ttlSeconds: 300, epoch: 41 });
  const after = new NonceCodec({ secret: SECRET, clock, ttlSeconds: 300, epoch: 42 });
  const n = before.issue(REALM);
  assert.equal(before.check(n, REALM), { status: 'valid', issuedAt: clock.now() });
  assert.equal(after.check(n, REALM), { status: 'expired', issuedAt: clock.now(), reason: 'epoch' });
  assert.is(after.check(after.issue(REALM), REALM).status, 'valid');
});

test('the epoch is under the MAC: rewriting it makes the nonce forged', () => {
  const clock = new FakeClock();
  const before = new NonceCodec({ secret: SECRET, clock, ttlSeconds: 300, epoch: 41 });
  const after = new NonceCodec({ secret: SECRET, clock, ttlSeconds: 300, epoch: 42 });
  const relabelled = tamper(before.issue(REALM), (raw) => raw.writeUInt32BE(42, 6));
  assert.equal(after.check(relabelled, REALM), { status: 'forged' });
});

test('garbage is forged, never an exception', () => {
  const { codec } = setup();
  const n = codec.issue(REALM);
  for (const g of ['', 'x', n + 'A', n.slice(1), n.replace(/.$/, '='), '!'.repeat(NONCE_CHARS), 'a'.repeat(10_000), n.replace(/^./, '/')]) {
    assert.equal(codec.check(g, REALM), { status: 'forged' }, JSON.stringify(g.slice(0, 50)));
  }
});

test('a nonce dated ahead of a clock that stepped back is not trusted as fresh', () => {
  const clock = new FakeClock(2_000_000_000_000);
  const codec = new NonceCodec({ secret: SECRET, clock, ttlSeconds: 300 });
  const n = codec.issue(REALM);
  const earlier = new NonceCodec({ secret: SECRET, clock: new FakeClock(2_000_000_000_000 - 600_000), ttlSeconds: 300 });
  assert.is(earlier.check(n, REALM).status, 'expired');
});

test('the constructor refuses a short secret or a non-positive TTL', () => {
  const clock = new FakeClock();
  assert.throws(() => new NonceCodec({ secret: Buffer.alloc(8), clock, ttlSeconds: 300 }), /secret/);
  assert.throws(() => new NonceCodec({ secret: SECRET, clock, ttlSeconds: 0 }), /TTL/);
  assert.throws(() => new NonceCodec({ secret: SECRET, clock, ttlSeconds: 300, epoch: -1 }), /epoch/);
  assert.throws(() => new NonceCodec({ secret: SECRET, clock, ttlSeconds: 300, epoch: 2 ** 32 }), /epoch/);
});

test.run();
