// Trunk registration with pre-emptive credentials (issue 17 point 6, RFC 3261 §22.1) through the
// real server: a hand-made carrier registrar on 127.0.0.36 challenges the first REGISTER, then
// grants bindings of 2 s so that the server refreshes every second. Each refresh must come with
// credentials for the nonce already known and the nonce count one higher: N refreshes are N
// REGISTERs, not 2N. A stale=true challenge is answered with the new nonce, nc 1 again.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { digestParams, digestResponseOk, freeUdpPortOn, headerValues, RawUdpPeer, responseTo } from '../support/carrier.js';
import { PbxProcess } from '../support/pbx-process.js';

const REGISTRAR = '127.0.0.36';
const AUTH = { username: 'acct-77', password: 'reg-secret-77', realm: 'registrar.test' };

const s = suite('trunk registration: pre-emptive credentials on refresh');

let pbx: PbxProcess;
let registrar: RawUdpPeer;
/** Every distinct REGISTER (by Via branch) in order, with what the registrar did. */
const seen: Array<{ branch: string; auth?: Record<string, string>; answer: number }> = [];
let nonce = 'nonce-1';
/** The next REGISTER with credentials gets this challenge instead of a 200 (once). */
let staleNext = false;

function serve(): void {
  const done = new Set<string>();
  registrar.sock.on('message', (buf, from) => {
    const text = buf.toString('latin1');
    if (!text.startsWith('REGISTER ')) return;
    const branch = /branch=([^;,\s]+)/.exec(headerValues(text, 'via', 'v')[0] ?? '')?.[1] ?? '';
    if (done.has(branch)) return; // a retransmission
    done.add(branch);
    const cred = headerValues(text, 'authorization')[0];
    const challenge = (stale: boolean) => `WWW-Authenticate: Digest realm="${AUTH.realm}", nonce="${nonce}", qop="auth", algorithm=MD5${stale ? ', stale=true' : ''}`;
    let reply: string;
    let answer: number;
    if (!cred) {
      reply = responseTo(text, 401, 'Unauthorized', [challenge(false)]);
      answer = 401;
    } else if (!digestResponseOk(cred, AUTH.password, 'REGISTER') || digestParams(cred).nonce !== nonce) {
      reply = responseTo(text, 403, 'Forbidden');
      answer = 403;
    } else if (staleNext) {
      staleNext = false;
      nonce = 'nonce-2';
      reply = responseTo(text, 401, 'Unauthorized', [challenge(true)]);
      answer = 401;
    } else {
      const contact = headerValues(text, 'contact', 'm')[0] ?? '';
      reply = responseTo(text, 200, 'OK', [`Contact: ${contact};expires=2`]);
      answer = 200;
    }
    seen.push({ branch, ...(cred ? { auth: digestParams(cred) } : {}), answer });
    void registrar.send(reply, { host: from.address, port: from.port });
  });
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

s.before(async () => {
  const port = await freeUdpPortOn(REGISTRAR);
  registrar = await RawUdpPeer.open(REGISTRAR, port);
  serve();
  pbx = await PbxProcess.start({
    tenants: [{ id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }] }],
    transports: ['udp'],
    extraYaml: [
      'security: { trusted: [ "127.0.0.0/8" ] }',
      'trunks:',
      `  - { name: reg, kind: register, host: ${REGISTRAR}, port: ${port}, domain: ${AUTH.realm}, username: ${AUTH.username}, password: ${AUTH.password}, registerExpires: 60, tenants: [ "*" ] }`,
    ].join('\n'),
  });
});

s.after(async () => {
  await pbx?.dispose();
  registrar?.close();
});

s('after one challenge, N refreshes are N REGISTERs carrying the known nonce with nc counting up', async () => {
  const N = 4;
  // 1 unauthenticated + 1 answer + N refreshes
  const ok = await until(() => seen.filter((x) => x.answer === 200).length >= N + 1, 15_000);
  assert.ok(ok, `refreshes seen: ${JSON.stringify(seen)}\n${pbx.logs.slice(-30).join('\n')}`);
  const upTo = seen.findIndex((x, i) => seen.slice(0, i + 1).filter((y) => y.answer === 200).length === N + 1);
  const first = seen.slice(0, upTo + 1);
  assert.is(first.length, N + 2, `N refreshes cost N REGISTERs, not 2N: ${JSON.stringify(first.map((x) => x.answer))}`);
  assert.is(first[0]!.auth, undefined, 'the very first REGISTER goes without credentials');
  assert.is(first[0]!.answer, 401);
  assert.equal(
    first.slice(1).map((x) => `${x.auth?.nonce}/${x.auth?.nc}`),
    Array.from({ length: N + 1 }, (_, i) => `nonce-1/${(i + 1).toString(16).padStart(8, '0')}`),
  );
  assert.ok(first.slice(1).every((x) => x.auth?.username === AUTH.username && x.auth?.realm === AUTH.realm));
});

s('a stale=true challenge to a refresh is answered at once with the new nonce, nc 1, and refreshes go on with it', async () => {
  const from = seen.length;
  staleNext = true;
  const ok = await until(() => seen.slice(from).filter((x) => x.answer === 200).length >= 2, 10_000);
  assert.ok(ok, `after the stale challenge: ${JSON.stringify(seen.slice(from))}`);
  const after = seen.slice(from);
  assert.is(after[0]!.answer, 401, 'the stale challenge');
  assert.is(after[0]!.auth?.nonce, 'nonce-1');
  assert.is(`${after[1]!.auth?.nonce}/${after[1]!.auth?.nc}`, 'nonce-2/00000001');
  assert.is(after[1]!.answer, 200);
  assert.is(`${after[2]!.auth?.nonce}/${after[2]!.auth?.nc}`, 'nonce-2/00000002');
  assert.not.ok(after.some((x) => x.answer === 403), 'no credentials were refused');
});

s.run();
