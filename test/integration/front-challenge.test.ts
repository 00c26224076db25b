/**
 * Issue 13 point 2: with sip.threads: 2 the front thread answers a first REGISTER's
 * digest challenge itself (src/sip/transport/front-challenge.ts), exactly as the main
 * thread would, and forwards everything else. Which thread reads a source port is learnt
 * from /metrics (per-thread counters), one socket at a time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseChallenge } from '../../src/sip/auth/authorization-header.js';
import { buildAuthorization } from '../../src/sip/auth/client-digest.js';
import { getHeaderValues } from '../../src/sip/message/headers.js';
import type { SipResponse } from '../../src/sip/message/types.js';
import { threadClientOn, settledCounters, threadCounters, ThreadClient, until, type ThreadCounters, type ThreadServer } from '../support/front-thread-client.js';
import { PbxProcess, tenantYaml, type TestTenant } from '../support/pbx-process.js';

const TOKEN = 'front-challenge-test-token';
const UA = 'FrontChallengeTest/1.0';

let pbx: PbxProcess;
const sockets: Array<{ close(): void }> = [];
const server = (): ThreadServer => ({ udpPort: pbx.ports.udp, apiPort: pbx.apiPort, token: TOKEN });
const counters = (): Promise<ThreadCounters> => threadCounters(server());
const settled = (): Promise<ThreadCounters> => settledCounters(server());

function authorize(res: SipResponse, user: string, password: string, domain: string): string {
  const ch = parseChallenge(getHeaderValues(res, 'www-authenticate')[0]!);
  if (ch.kind !== 'digest') throw new Error('not a digest challenge');
  const a = buildAuthorization({ challenge: ch.challenge, username: user, password, method: 'REGISTER', uri: `sip:${domain}` });
  if (!a.ok) throw new Error(a.error);
  return `Authorization: ${a.value}`;
}

/** The 401 as text with what differs per message masked: nonce, To tag, rport, branch/Call-ID/CSeq/From tag numbers. */
const mask = (raw: string) =>
  raw
    .replace(/nonce="[^"]+"/g, 'nonce="N"')
    .replace(/^(To: [^\r]*;tag=)[^\r;]+/m, '$1T')
    .replace(/rport=\d+/, 'rport=P')
    .replace(/branch=z9hG4bKfc\d+/, 'branch=B')
    .replace(/tag=from\d+/, 'tag=F')
    .replace(/fc-\d+@/, 'fc-C@')
    .replace(/CSeq: \d+/, 'CSeq: S');

let front: ThreadClient;
let main: ThreadClient;

const ACME: TestTenant = { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }], extraYaml: 'auth: { algorithms: [SHA-256, MD5] }' };

test.before(async () => {
  pbx = await PbxProcess.start({
    tenants: [
      ACME,
      { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }] },
    ],
    transports: ['udp'],
    sipYaml: ['threads: 2', `userAgent: ${UA}`],
    adminToken: TOKEN,
  });
  front = await threadClientOn(server(), 1, sockets);
  main = await threadClientOn(server(), 0, sockets);
  // Both tenants' stores are opened by a REGISTER handled on the main thread; the snapshot
  // that follows (at most 2 s later) lists them.
  for (const d of ['acme.example', 'globex.example']) assert.is((await main.register('1001', d)).status, 401);
  await until(async () => {
    const before = await settled();
    await front.register('1001', 'globex.example');
    await front.register('1001', 'acme.example');
    return (await settled()).challenged1 >= before.challenged1 + 2 ? true : undefined;
  }, 'the front thread challenging both tenants', 40_000);
});

test.after(async () => {
  for (const s of sockets) s.close();
  await pbx?.dispose();
});

test("the front thread's 401 is the main thread's, byte for byte but nonce and To tag; its nonce takes the second REGISTER to 200 on the main thread", async () => {
  const before = await settled();
  const n1 = ThreadClient.nextSeq();
  const fromFront = await front.register('1001', 'acme.example');
  const rawFront = front.lastRaw;
  const fromMain = await main.register('1001', 'acme.example');
  const rawMain = main.lastRaw;
  assert.is(fromFront.status, 401);
  assert.is(fromMain.status, 401);
  const after = await until(async () => {
    const c = await counters();
    return c.challenged1 > before.challenged1 ? c : undefined;
  }, 'the challenge counted');
  assert.is(after.challenged1 - before.challenged1, 1, 'the front thread answered one challenge');
  assert.is(mask(rawFront), mask(rawMain));
  assert.match(rawFront, /^WWW-Authenticate: Digest realm="acme.example", nonce="[^"]+", algorithm=SHA-256, qop="auth"\r\nWWW-Authenticate: Digest realm="acme.example", nonce="[^"]+", algorithm=MD5, qop="auth"\r$/m);
  assert.match(rawFront, new RegExp(`^Server: ${UA.replace(/[./]/g, '\\$&')}\\r$`, 'm'));
  assert.ok(rawFront.includes(`\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKfc${n1};rport=${front.port};received=127.0.0.1\r\n`), rawFront);

  // The answer with credentials is forwarded and accepted on the main thread.
  const ok = await front.register('1001', 'acme.example', [authorize(fromFront, '1001', 'acme-1001-secret', 'acme.example')]);
  assert.is(ok.status, 200, `registered: ${ok.status} ${ok.reason}`);
  const end = await until(async () => {
    const c = await counters();
    return c.forwarded1 > after.forwarded1 ? c : undefined;
  }, 'the credentials forwarded');
  assert.is(end.challenged1, after.challenged1, 'a REGISTER with Authorization is not challenged by the front thread');
});

test("an unknown domain gets the main thread's 404; a wrong password its 403 (forwarded)", async () => {
  const before = await settled();
  const unknown = await front.register('1001', 'nowhere.example');
  assert.is(unknown.status, 404);
  assert.is(unknown.reason, 'Domain Not Served');
  const ch = await front.register('1001', 'globex.example');
  assert.is(ch.status, 401);
  const bad = await front.register('1001', 'globex.example', [authorize(ch, '1001', 'wrong', 'globex.example')]);
  assert.is(bad.status, 403);
  const after = await settled();
  assert.ok(after.forwarded1 >= before.forwarded1 + 2, 'the unknown domain and the credentials were forwarded');
  assert.is(after.challenged1 - before.challenged1, 1, 'only the first globex REGISTER was answered by the front thread');
});

test("a tenant suspended through the API: its next REGISTER read by the front thread gets the main thread's 403 at once", async () => {
  const sus = await fetch(`${pbx.apiUrl}/tenants/globex/suspend`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.is(sus.status, 200);
  const before = await settled();
  const res = await front.register('1001', 'globex.example');
  assert.is(res.status, 403);
  assert.is(res.reason, 'Tenant suspended');
  const after = await settled();
  assert.ok(after.forwarded1 > before.forwarded1, 'forwarded');
  assert.is(after.challenged1, before.challenged1, 'not challenged by the front thread');
  // The other tenant is still challenged on the front thread.
  assert.is((await front.register('1001', 'acme.example')).status, 401);
  await until(async () => ((await counters()).challenged1 > before.challenged1 ? true : undefined), 'acme still challenged by the front thread');
});

test("SIGHUP after the tenant file changed its algorithms: the front thread's next 401 offers the new list", async () => {
  const mark = pbx.logs.length;
  pbx.writeTenantFile('acme', tenantYaml({ ...ACME, extraYaml: 'auth: { algorithms: [MD5] }' }));
  pbx.signal('SIGHUP');
  await pbx.waitForLog(/reloaded/, 20_000, mark);
  const before = await settled();
  const res = await front.register('1001', 'acme.example');
  assert.is(res.status, 401);
  const offered = getHeaderValues(res, 'www-authenticate').map((v) => /algorithm=([^,\s]+)/.exec(v)?.[1]);
  assert.equal(offered, ['MD5']);
  assert.is((await settled()).challenged1 - before.challenged1, 1, 'answered by the front thread');
});

test.run();
