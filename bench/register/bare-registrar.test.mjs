import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BareRegistrar, loadHa1 } from './bare-registrar.mjs';

const md5 = (s) => createHash('md5').update(s).digest('hex');
const PASSWORD = 'secret-1000';

function registrar(clock) {
  const dir = mkdtempSync(join(tmpdir(), 'bare-reg-'));
  const file = join(dir, 'users.csv');
  writeFileSync(file, `SEQUENTIAL\n1000;t000.bench;${PASSWORD};[authentication username=1000 password=${PASSWORD}]\n1001;t000.bench;other;x\n`);
  const ha1 = loadHa1(file);
  rmSync(dir, { recursive: true, force: true });
  return new BareRegistrar({ ha1, secret: 'k', now: () => clock.ms });
}

function register({ user = '1000', toUser = user, authorization, contact = `<sip:${toUser}@127.0.0.1:5070>`, expires = '3600' } = {}) {
  return Buffer.from(
    [
      'REGISTER sip:t000.bench SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bK-1',
      'Max-Forwards: 70',
      `From: <sip:${toUser}@t000.bench>;tag=a`,
      `To: <sip:${toUser}@t000.bench>`,
      'Call-ID: c1',
      'CSeq: 1 REGISTER',
      `Contact: ${contact}`,
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      `Expires: ${expires}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

function answer(challenge, { user = '1000', password = PASSWORD, nonce } = {}) {
  const n = nonce ?? /nonce="([^"]+)"/.exec(challenge)[1];
  const realm = /realm="([^"]+)"/.exec(challenge)[1];
  const uri = 'sip:t000.bench';
  const ha1 = md5(`${user}:${realm}:${password}`);
  const response = md5(`${ha1}:${n}:00000001:abc:auth:${md5(`REGISTER:${uri}`)}`);
  return `Digest username="${user}",realm="${realm}",cnonce="abc",nc=00000001,qop=auth,uri="${uri}",nonce="${n}",response="${response}",algorithm=MD5`;
}

const status = (r) => r.split('\r\n')[0];

test('REGISTER without credentials: 401 with realm = To domain, qop=auth, rport and To tag filled in', () => {
  const clock = { ms: 1_000_000 };
  const r = registrar(clock).handle(register(), '127.0.0.9', 6000);
  assert.is(status(r), 'SIP/2.0 401 Unauthorized');
  assert.match(r, 'WWW-Authenticate: Digest realm="t000.bench", nonce="');
  assert.match(r, 'qop="auth", algorithm=MD5');
  assert.match(r, 'Via: SIP/2.0/UDP 127.0.0.1:5070;received=127.0.0.9;rport=6000;branch=z9hG4bK-1\r\n');
  assert.match(r, /\r\nTo: <sip:1000@t000\.bench>;tag=[0-9a-f]+\r\n/);
  assert.match(r, '\r\nCSeq: 1 REGISTER\r\n');
});

test('the right digest registers the contact and the 200 lists it with its expiry', () => {
  const clock = { ms: 1_000_000 };
  const reg = registrar(clock);
  const c = reg.handle(register(), '127.0.0.1', 5070);
  clock.ms += 2000;
  const r = reg.handle(register({ authorization: answer(c) }), '127.0.0.1', 5070);
  assert.is(status(r), 'SIP/2.0 200 OK');
  assert.match(r, '\r\nContact: <sip:1000@127.0.0.1:5070>;expires=3600\r\n');
  assert.is(reg.contacts.size, 1);
  clock.ms += 1000;
  const gone = reg.handle(register({ authorization: answer(c), expires: '0' }), '127.0.0.1', 5070);
  assert.is(status(gone), 'SIP/2.0 200 OK');
  assert.not.match(gone, 'Contact:');
  assert.is(reg.contacts.size, 0);
});

test('a wrong password gets a new challenge and registers nothing', () => {
  const clock = { ms: 1_000_000 };
  const reg = registrar(clock);
  const c = reg.handle(register(), '127.0.0.1', 5070);
  const r = reg.handle(register({ authorization: answer(c, { password: 'guess' }) }), '127.0.0.1', 5070);
  assert.is(status(r), 'SIP/2.0 401 Unauthorized');
  assert.is(reg.contacts.size, 0);
});

test("credentials of another user, or of nobody, are refused with 403", () => {
  const clock = { ms: 1_000_000 };
  const reg = registrar(clock);
  const c = reg.handle(register({ toUser: '1001' }), '127.0.0.1', 5070);
  const r = reg.handle(register({ toUser: '1001', authorization: answer(c) }), '127.0.0.1', 5070);
  assert.is(status(r), 'SIP/2.0 403 Forbidden');
  const c2 = reg.handle(register({ toUser: '9999' }), '127.0.0.1', 5070);
  assert.is(status(reg.handle(register({ toUser: '9999', authorization: answer(c2, { user: '9999' }) }), '127.0.0.1', 5070)), 'SIP/2.0 403 Forbidden');
  assert.is(reg.contacts.size, 0);
});

test('an old nonce is stale, a forged one is refused', () => {
  const clock = { ms: 1_000_000 };
  const reg = registrar(clock);
  const c = reg.handle(register(), '127.0.0.1', 5070);
  clock.ms += 31_000;
  const stale = reg.handle(register({ authorization: answer(c) }), '127.0.0.1', 5070);
  assert.is(status(stale), 'SIP/2.0 401 Unauthorized');
  assert.match(stale, 'stale=true');
  const forged = (Math.floor(clock.ms / 1000)).toString(16) + '0'.repeat(32);
  const r = reg.handle(register({ authorization: answer(c, { nonce: forged }) }), '127.0.0.1', 5070);
  assert.is(status(r), 'SIP/2.0 401 Unauthorized');
  assert.not.match(r, 'stale=true');
  assert.is(reg.contacts.size, 0);
});

test('OPTIONS gets 200, other methods 405, responses and truncated datagrams nothing', () => {
  const reg = registrar({ ms: 0 });
  const opt = register().toString('latin1').replace('REGISTER sip', 'OPTIONS sip').replace('CSeq: 1 REGISTER', 'CSeq: 1 OPTIONS');
  assert.is(status(reg.handle(Buffer.from(opt), '127.0.0.1', 1)), 'SIP/2.0 200 OK');
  const inv = opt.replace('OPTIONS sip', 'INVITE sip');
  assert.is(status(reg.handle(Buffer.from(inv), '127.0.0.1', 1)), 'SIP/2.0 405 Method Not Allowed');
  assert.is(reg.handle(Buffer.from('SIP/2.0 200 OK\r\nVia: x\r\n\r\n'), '127.0.0.1', 1), undefined);
  assert.is(reg.handle(Buffer.from('REGISTER sip:x SIP/2.0\r\nVia: x'), '127.0.0.1', 1), undefined);
  assert.is(reg.handle(Buffer.from('REGISTER sip:x SIP/2.0\r\nVia: x\r\n\r\n'), '127.0.0.1', 1), undefined);
});

test.run();
