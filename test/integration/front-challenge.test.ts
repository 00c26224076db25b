/**
 * Issue 13 point 2: with sip.threads: 2 the front thread answers a first REGISTER's
 * digest challenge itself (src/sip/transport/front-challenge.ts), exactly as the main
 * thread would, and forwards everything else. Which thread reads a source port is learnt
 * from /metrics (per-thread counters), one socket at a time.
 */
import { createSocket, type Socket } from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseChallenge } from '../../src/sip/auth/authorization-header.js';
import { buildAuthorization } from '../../src/sip/auth/client-digest.js';
import { getHeaderValues } from '../../src/sip/message/headers.js';
import { parseMessage } from '../../src/sip/message/parse.js';
import type { SipResponse } from '../../src/sip/message/types.js';
import { PbxProcess, tenantYaml, type TestTenant } from '../support/pbx-process.js';

const TOKEN = 'front-challenge-test-token';
const UA = 'FrontChallengeTest/1.0';

let pbx: PbxProcess;
const sockets: Socket[] = [];
let seq = 0;

async function metricsText(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${pbx.apiPort}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return res.text();
}

function series(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

interface Counters {
  read0: number;
  read1: number;
  challenged1: number;
  forwarded1: number;
}

async function counters(): Promise<Counters> {
  const t = await metricsText();
  return {
    read0: series(t, 'pbx_sip_thread_datagrams_total', 'thread="0"'),
    read1: series(t, 'pbx_sip_thread_datagrams_total', 'thread="1"'),
    challenged1: series(t, 'pbx_sip_thread_answered_total', 'thread="1",kind="challenge"'),
    forwarded1: series(t, 'pbx_sip_thread_forwarded_total', 'thread="1"'),
  };
}

async function until<T>(f: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One client socket: it sends raw REGISTERs and reads what comes back. */
class Client {
  private readonly waiting: Array<(r: SipResponse) => void> = [];
  constructor(readonly socket: Socket) {
    socket.on('message', (data) => {
      const r = parseMessage(data, { framed: false });
      if (r.ok && r.message.kind === 'response') this.waiting.shift()?.(r.message);
      if (r.ok && r.message.kind === 'response') this.lastRaw = data.toString();
    });
  }
  lastRaw = '';
  get port(): number {
    return this.socket.address().port;
  }

  /** A REGISTER as a phone sends it; the Via sent-by is the same for every socket (rport carries the real port). */
  register(user: string, domain: string, extra: string[] = []): Promise<SipResponse> {
    const n = ++seq;
    const text = [
      `REGISTER sip:${domain} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKfc${n};rport`,
      'Max-Forwards: 70',
      `From: <sip:${user}@${domain}>;tag=from${n}`,
      `To: <sip:${user}@${domain}>`,
      `Call-ID: fc-${n}@127.0.0.1`,
      `CSeq: ${n} REGISTER`,
      `Contact: <sip:${user}@127.0.0.1:${this.port}>`,
      'Expires: 60',
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    return this.send(text);
  }

  private send(text: string): Promise<SipResponse> {
    return new Promise<SipResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response in 10 s')), 10_000);
      this.waiting.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.socket.send(text, pbx.ports.udp, '127.0.0.1');
    });
  }
}

async function openClient(): Promise<Client> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  sockets.push(s);
  return new Client(s);
}

/** A client whose datagrams the kernel gives to `thread` (new source ports until one lands there). */
async function clientOn(thread: 0 | 1): Promise<Client> {
  for (let i = 0; i < 40; i++) {
    const c = await openClient();
    const before = await counters();
    // One REGISTER to a domain nobody serves (forwarded and answered 404 by the main thread
    // whichever thread reads it): counted by the thread the port hashes to.
    await c.register('1001', 'unknown.example');
    const d = await until(async () => {
      const now = await counters();
      const d0 = now.read0 - before.read0;
      const d1 = now.read1 - before.read1;
      return d0 + d1 >= 1 ? [d0, d1] : undefined;
    }, 'the datagram counted in /metrics');
    if ((thread === 1 ? d[1]! : d[0]!) >= 1 && d[0]! + d[1]! === 1) return c;
  }
  throw new Error(`no source port landed on thread ${thread}`);
}

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

/** The counters once the threads' last reports are in (they are sent twice a second). */
async function settled(): Promise<Counters> {
  for (;;) {
    const a = await counters();
    await new Promise((r) => setTimeout(r, 1_200));
    const b = await counters();
    if (JSON.stringify(a) === JSON.stringify(b)) return b;
  }
}

let front: Client;
let main: Client;

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
  front = await clientOn(1);
  main = await clientOn(0);
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
  const n1 = seq + 1;
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
