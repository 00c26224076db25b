// The edge, in-process against real sockets and real stores: what a challenge, a
// failure and a success leave behind, SHA-256 and MD5 digest, and the registrar's
// answers. SIPp covers the same flows from outside; this looks inside.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxServer } from '../../src/app/pbx-server.js';
import { getHeader, getHeaderValues } from '../../src/sip/message/headers.js';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { FakeClock } from '../../src/util/fake-clock.js';
import { memoryLogger } from '../../src/util/logger.js';
import { newCallId } from '../../src/util/ids.js';
import { freePort } from '../support/ports.js';
import { tenantYaml } from '../support/pbx-process.js';
import { UdpUa } from '../support/udp-ua.js';

let dir: string;
let server: PbxServer;
let port: number;
let ua: UdpUa;
const clock = new FakeClock(Date.now());
const logger = memoryLogger('debug');

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-edge-'));
  mkdirSync(join(dir, 'tenants'));
  port = await freePort();
  writeFileSync(
    join(dir, 'pbx.yaml'),
    [
      'dataDir: data',
      `sip: { listen: [ "udp://127.0.0.1:${port}" ] }`,
      `api: { listen: "127.0.0.1:${await freePort()}" }`,
      'security: { floodRate: 0, authFailBan: { attempts: 50, windowSeconds: 60, banSeconds: 60 } }',
      'registrar: { minExpires: 60, maxExpires: 3600, defaultExpires: 600, maxContactsPerAor: 2 }',
      'auth: { algorithms: [ SHA-256, MD5 ], nonceTtlSeconds: 300 }',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'tenants', 'acme.yaml'), tenantYaml({ id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }, { ext: '1002', password: 'acme-1002-secret' }] }));
  writeFileSync(join(dir, 'tenants', 'globex.yaml'), tenantYaml({ id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }] }));
  // Its own order (MD5 first), and 1001 answers only with SHA-256.
  writeFileSync(
    join(dir, 'tenants', 'initech.yaml'),
    [
      'id: initech',
      'domains: [ initech.example ]',
      'auth: { algorithms: [ MD5, SHA-256 ] }',
      'extensions:',
      '  - { ext: "1001", password: "initech-1001-secret", algorithms: [ SHA-256 ] }',
      '  - { ext: "1002", password: "initech-1002-secret" }',
    ].join('\n') + '\n',
  );
  server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger, clock, env: {} });
  ua = await UdpUa.open({ host: '127.0.0.1', port });
});

test.after(async () => {
  ua?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const bindings = () => server.stats();

test('a challenge is stateless: no transaction, and SHA-256 is offered first as configured', async () => {
  const before = server.stats().transactions.server;
  const res = await ua.request(ua.register({ user: '1001', domain: 'acme.example', cseq: 1, callId: newCallId() }));
  assert.is(res?.status, 401);
  const ch = getHeaderValues(res!, 'www-authenticate');
  assert.is(ch.length, 2);
  assert.match(ch[0]!, /algorithm=SHA-256/);
  assert.match(ch[0]!, /realm="acme\.example"/);
  assert.match(ch[1]!, /algorithm=MD5/);
  assert.is(server.stats().transactions.server, before);
});

test('SHA-256 and MD5 digests both register; a success creates one transaction', async () => {
  const before = server.stats().transactions.server;
  const sha = await ua.registerWithAuth({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', algorithm: 'SHA-256' });
  assert.is(sha.final?.status, 200);
  assert.match(getHeader(sha.final!, 'contact') ?? '', new RegExp(`<sip:1001@127\\.0\\.0\\.1:${ua.port}>;expires=600`));
  assert.is(server.stats().transactions.server, before + 1, 'one server transaction, kept for retransmissions (Timer J)');
  const md5 = await ua.registerWithAuth({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret', algorithm: 'MD5' });
  assert.is(md5.final?.status, 200);
});

test("a tenant's auth.algorithms sets its challenge, the same for every user, known or not", async () => {
  const algs = async (user: string, domain: string) => {
    const res = await ua.request(ua.register({ user, domain, cseq: 1, callId: newCallId() }));
    assert.is(res?.status, 401);
    return getHeaderValues(res!, 'www-authenticate').map((v) => /algorithm=([\w-]+)/.exec(v)![1]);
  };
  // 1001 narrows its own answers to SHA-256, 1002 does not, 9999 does not exist: no difference on the wire.
  assert.equal(await algs('1001', 'initech.example'), ['MD5', 'SHA-256']);
  assert.equal(await algs('1002', 'initech.example'), ['MD5', 'SHA-256']);
  assert.equal(await algs('9999', 'initech.example'), ['MD5', 'SHA-256']);
  assert.equal(await algs('1001', 'acme.example'), ['SHA-256', 'MD5'], "another tenant keeps pbx.yaml's order");
});

test("an extension's algorithms narrow what its answer may use: MD5 from 1001 gets the 403 a wrong password gets", async () => {
  const from = logger.lines.length;
  const md5 = await ua.registerWithAuth({ user: '1001', domain: 'initech.example', password: 'initech-1001-secret', algorithm: 'MD5' });
  assert.is(md5.final?.status, 403);
  assert.ok(logger.lines.slice(from).some((l) => /algorithm MD5 not allowed for this extension/.test(l)), 'the log says why');
  const wrong = await ua.registerWithAuth({ user: '9999', domain: 'initech.example', password: 'initech-1001-secret', algorithm: 'MD5' });
  assert.is(wrong.final?.status, 403, 'an unknown user gets the same answer');
  assert.is(wrong.final?.reason, md5.final?.reason);
  const sha = await ua.registerWithAuth({ user: '1001', domain: 'initech.example', password: 'initech-1001-secret', algorithm: 'SHA-256' });
  assert.is(sha.final?.status, 200);
  const other = await ua.registerWithAuth({ user: '1002', domain: 'initech.example', password: 'initech-1002-secret', algorithm: 'MD5' });
  assert.is(other.final?.status, 200, 'an extension without a list answers with any offered algorithm');
});

test('the binding keeps where the REGISTER really came from (received address, port, transport)', () => {
  clock.advance(1000); // registrar.writeDelayMs: let the batched write reach the file
  const store = SqliteTenantStore.open(join(dir, 'data'), 'acme');
  try {
    const [b] = store.getBindings('1001');
    assert.ok(b, 'persisted in the tenant store');
    assert.equal({ protocol: b!.source.protocol, address: b!.source.address, port: b!.source.port }, { protocol: 'udp', address: '127.0.0.1', port: ua.port });
    assert.is(b!.source.localPort, port);
    // and nothing of it is in the other tenant
    const other = SqliteTenantStore.open(join(dir, 'data'), 'globex');
    assert.is(other.countBindings(), 0);
    other.close();
  } finally {
    store.close();
  }
});

test('a retransmitted REGISTER is absorbed by its transaction: same answer, no replay refusal, no double apply', async () => {
  const callId = newCallId();
  const c = await ua.request(ua.register({ user: '1002', domain: 'acme.example', cseq: 1, callId }));
  const { buildAuthorization, pickChallenge } = await import('../../src/sip/auth/client-digest.js');
  const ch = pickChallenge(getHeaderValues(c!, 'www-authenticate'), { algorithms: ['MD5'] })!;
  const auth = buildAuthorization({ challenge: ch, username: '1002', password: 'acme-1002-secret', method: 'REGISTER', uri: 'sip:acme.example' });
  const req = ua.register({ user: '1002', domain: 'acme.example', cseq: 2, callId, authorization: auth.ok ? auth.value : '' });
  const first = await ua.request(req);
  assert.is(first?.status, 200);
  const failuresBefore = server.stats().security.tracked;
  const again = await ua.request(req); // the very same request: a UDP retransmission
  assert.is(again?.status, 200, 'not 403 (nonce-count replay) nor 400 (CSeq): the transaction answers');
  assert.equal(getHeaderValues(again!, 'contact'), getHeaderValues(first!, 'contact'));
  assert.is(server.stats().security.tracked, failuresBefore, 'not counted as an authentication failure');
});

test('a failed authentication creates no lasting state: no transaction, no binding', async () => {
  const before = server.stats();
  const wrong = await ua.registerWithAuth({ user: '1002', domain: 'globex.example', password: 'acme-1002-secret' });
  assert.is(wrong.final?.status, 403);
  const unknown = await ua.registerWithAuth({ user: '4242', domain: 'acme.example', password: 'whatever-secret' });
  assert.is(unknown.final?.status, 403);
  assert.is(unknown.final?.reason, wrong.final?.reason, 'same answer for an unknown user and a wrong password');
  const after = server.stats();
  assert.is(after.transactions.server, before.transactions.server);
  assert.not.ok(getHeader(wrong.final!, 'server'), 'no product string unless configured');
});

test('credentials of one extension cannot change another extension’s bindings', async () => {
  const callId = newCallId();
  const c = await ua.request(ua.register({ user: '1002', domain: 'acme.example', cseq: 1, callId }));
  const { buildAuthorization, pickChallenge } = await import('../../src/sip/auth/client-digest.js');
  const ch = pickChallenge(getHeaderValues(c!, 'www-authenticate'))!;
  // 1001 authenticates correctly, but the To (the AOR) is 1002.
  const auth = buildAuthorization({ challenge: ch, username: '1001', password: 'acme-1001-secret', method: 'REGISTER', uri: 'sip:acme.example' });
  assert.ok(auth.ok);
  const res = await ua.request(ua.register({ user: '1002', domain: 'acme.example', cseq: 2, callId, authorization: auth.ok ? auth.value : '' }));
  assert.is(res?.status, 403);
});

test('a too-short expiry gets 423 with Min-Expires; the contact cap holds', async () => {
  const short = await ua.registerWithAuth({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', expires: 10 });
  assert.is(short.final?.status, 423);
  assert.is(getHeader(short.final!, 'min-expires'), '60');
  // maxContactsPerAor is 2: two more contacts from other UAs for 1002 (already has one) -> the third is refused
  const ua2 = await UdpUa.open({ host: '127.0.0.1', port });
  const ua3 = await UdpUa.open({ host: '127.0.0.1', port });
  try {
    assert.is((await ua2.registerWithAuth({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret' })).final?.status, 200);
    assert.is((await ua3.registerWithAuth({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret' })).final?.status, 403);
  } finally {
    ua2.close();
    ua3.close();
  }
});

test('an expired nonce with the right password gets a stale=true challenge', async () => {
  const callId = newCallId();
  const c = await ua.request(ua.register({ user: '1001', domain: 'acme.example', cseq: 1, callId }));
  const { buildAuthorization, pickChallenge } = await import('../../src/sip/auth/client-digest.js');
  const ch = pickChallenge(getHeaderValues(c!, 'www-authenticate'))!;
  clock.advance(301_000); // past nonceTtlSeconds
  const auth = buildAuthorization({ challenge: ch, username: '1001', password: 'acme-1001-secret', method: 'REGISTER', uri: 'sip:acme.example' });
  const res = await ua.request(ua.register({ user: '1001', domain: 'acme.example', cseq: 2, callId, authorization: auth.ok ? auth.value : '' }));
  assert.is(res?.status, 401);
  assert.match(getHeaderValues(res!, 'www-authenticate')[0]!, /stale=true/i);
});

test('OPTIONS to the server gets 200 with Allow', async () => {
  const res = await ua.request({
    kind: 'request',
    method: 'OPTIONS',
    uri: `sip:127.0.0.1:${port}`,
    headers: [
      { name: 'via', value: `SIP/2.0/UDP 127.0.0.1:${ua.port};rport;branch=z9hG4bKopt${Date.now()}` },
      { name: 'from', value: '<sip:probe@127.0.0.1>;tag=1' },
      { name: 'to', value: '<sip:127.0.0.1>' },
      { name: 'call-id', value: newCallId() },
      { name: 'cseq', value: '1 OPTIONS' },
      { name: 'max-forwards', value: '0' },
    ],
    body: Buffer.alloc(0),
  });
  assert.is(res?.status, 200);
  assert.match(getHeader(res!, 'allow') ?? '', /REGISTER/);
  void bindings;
});

test.run();
