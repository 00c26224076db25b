import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCredentials } from '../sip/auth/authorization-header.js';
import { computeHa1, computeResponse } from '../sip/auth/digest.js';
import { callIdOf, cseqOf, getHeader, hasHeader } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import type { Target } from '../sip/transport/types.js';
import type { Trunk } from '../model/routing-plan.js';
import { carrierTrunk, CARRIER, flush, harness, STRANGER } from './registration.case.js';
import { TrunkRegistration } from './trunk-registration.js';
import { HostResolveError } from './trunk-target.js';

const CHALLENGE: [string, string] = ['WWW-Authenticate', 'Digest realm="carrier.test", nonce="abc123", qop="auth", algorithm=MD5'];

function make(h: ReturnType<typeof harness>, trunk: Trunk = carrierTrunk()): TrunkRegistration {
  return new TrunkRegistration(trunk, h.deps, { contactUser: 'p.carrier1' });
}

function checkDigest(req: SipRequest, password: string): void {
  const parsed = parseCredentials(getHeader(req, 'authorization')!);
  assert.is(parsed.kind, 'digest');
  if (parsed.kind !== 'digest') return;
  const c = parsed.credentials;
  const ha1 = computeHa1('MD5', c.username, c.realm, password);
  const expected = computeResponse({ algorithm: 'MD5', ha1, nonce: c.nonce, method: 'REGISTER', uri: c.uri, qop: 'auth', nc: c.nc!, cnonce: c.cnonce! });
  assert.is(c.response, expected);
  assert.is(c.username, 'acct1');
  assert.is(c.realm, 'carrier.test');
  assert.is(c.uri, req.uri);
}

function nonceCount(req: SipRequest): string | undefined {
  const parsed = parseCredentials(getHeader(req, 'authorization')!);
  return parsed.kind === 'digest' ? parsed.credentials.nc : undefined;
}

function getHeaderCount(req: SipRequest, name: string): number {
  return req.headers.filter((x) => x.name === name).length;
}

test('REGISTER → 401 → answered → 200; the refresh goes before expiry, same Call-ID, CSeq one higher', async () => {
  const h = harness();
  const reg = make(h);
  assert.is(reg.state().state, 'idle');
  reg.start();
  assert.is(reg.state().state, 'registering');
  await flush();
  const first = h.last();
  assert.is(first.uri, 'sip:carrier.test');
  assert.is(getHeader(first, 'to'), '<sip:acct1@carrier.test>');
  assert.match(getHeader(first, 'from')!, /^<sip:acct1@carrier\.test>;tag=/);
  assert.is(getHeader(first, 'contact'), '<sip:p.carrier1@203.0.113.1:5060>');
  assert.is(getHeader(first, 'expires'), '300');
  assert.is(cseqOf(first).seq, 1);
  assert.not.ok(hasHeader(first, 'authorization'));
  assert.equal(h.sender.sent[0]!.target, { protocol: 'udp', address: '198.51.100.7', port: 5060 });

  h.reply(first, 401, [CHALLENGE]);
  const second = h.last();
  assert.is(h.registers().length, 2);
  assert.is(cseqOf(second).seq, 2);
  assert.is(callIdOf(second), callIdOf(first));
  assert.is(getHeader(second, 'from'), getHeader(first, 'from'));
  assert.is.not(getHeader(second, 'via'), getHeader(first, 'via'));
  checkDigest(second, 's3cret');

  h.clock.advance(1000);
  h.reply(second, 200, [['Contact', '<sip:p.carrier1@203.0.113.1:5060>;expires=120']]);
  let s = reg.state();
  assert.is(s.state, 'registered');
  assert.is(s.lastStatus, 200);
  assert.is(s.failures, 0);
  assert.is(s.expiresAt, 1000 + 120_000);
  // refreshDelayMs(120) = max(60 s, 60 s): half way through the binding.
  assert.is(s.nextAttemptAt, 1000 + 60_000);

  h.clock.advance(59_999);
  assert.is(h.registers().length, 2);
  h.clock.advance(1);
  await flush();
  const refresh = h.last();
  assert.is(h.registers().length, 3);
  assert.is(cseqOf(refresh).seq, 3);
  assert.is(callIdOf(refresh), callIdOf(first));
  assert.is(getHeader(refresh, 'from'), getHeader(first, 'from'));
  // RFC 3261 §22.1: the refresh carries credentials for the nonce already known, nc 2.
  checkDigest(refresh, 's3cret');
  assert.is(nonceCount(refresh), '00000002');
  assert.is(reg.state().state, 'registered', 'still registered while refreshing');

  // The registrar wants a new nonce (stale): the challenge is answered as the first one was.
  h.reply(refresh, 401, [['WWW-Authenticate', 'Digest realm="carrier.test", nonce="def456", qop="auth", algorithm=MD5, stale=true']]);
  const refreshAuth = h.last();
  assert.is(cseqOf(refreshAuth).seq, 4);
  assert.is(callIdOf(refreshAuth), callIdOf(first));
  checkDigest(refreshAuth, 's3cret');
  assert.is(nonceCount(refreshAuth), '00000001');
  assert.match(getHeader(refreshAuth, 'authorization')!, /nonce="def456"/);
  assert.is(getHeaderCount(refreshAuth, 'authorization'), 1);
  h.reply(refreshAuth, 200, [['Expires', '3600']]);
  s = reg.state();
  assert.is(s.state, 'registered');
  assert.is(s.expiresAt, h.clock.now() + 3_600_000);
  // refreshDelayMs(3600) = 3540 s: a minute before the end.
  assert.is(s.nextAttemptAt, h.clock.now() + 3_540_000);
});

test('granted expiry: our Contact\'s expires param, before the Expires header; other contacts ignored', async () => {
  const h = harness();
  const reg = make(h);
  reg.start();
  await flush();
  h.reply(h.last(), 200, [
    ['Contact', '<sip:someone-else@192.0.2.9>;expires=999'],
    ['Contact', '<sip:p.carrier1@203.0.113.1>;expires=50'],
    ['Expires', '3600'],
  ]);
  assert.is(reg.state().expiresAt, 50_000);
  assert.is(reg.state().nextAttemptAt, 25_000);
});

test('granted expiry: the Expires header, else what was asked', async () => {
  let h = harness();
  let reg = make(h);
  reg.start();
  await flush();
  h.reply(h.last(), 200, [['Contact', '<sip:someone-else@192.0.2.9>;expires=999'], ['Expires', '90']]);
  assert.is(reg.state().expiresAt, 90_000);
  h = harness();
  reg = make(h);
  reg.start();
  await flush();
  h.reply(h.last(), 200);
  assert.is(reg.state().expiresAt, 300_000);
  assert.is(reg.state().nextAttemptAt, 240_000);
});

test('a challenge from another address is not answered: failed, and retried with back-off', async () => {
  const h = harness();
  const reg = make(h);
  reg.start();
  await flush();
  const first = h.last();
  h.reply(first, 401, [CHALLENGE], STRANGER);
  assert.is(h.registers().length, 1, 'no credentials sent');
  for (const s of h.sender.sent) assert.not.ok(hasHeader(s.msg, 'authorization'));
  const s = reg.state();
  assert.is(s.state, 'failed');
  assert.is(s.lastStatus, 401);
  assert.match(s.lastReason!, /not-from-trunk/);
  assert.is(s.failures, 1);
  assert.is(s.nextAttemptAt, 5_000);
  h.clock.advance(5_000);
  await flush();
  assert.is(h.registers().length, 2);
  const again = h.last();
  assert.is(cseqOf(again).seq, 2);
  assert.not.ok(hasHeader(again, 'authorization'));
  // …and the carrier's own challenge to the retry is answered.
  h.reply(again, 401, [CHALLENGE]);
  assert.is(h.registers().length, 3);
  assert.ok(hasHeader(h.last(), 'authorization'));
});

test('a challenge whose source is unknown is not answered either', async () => {
  const h = harness();
  const reg = make(h);
  reg.start();
  await flush();
  h.reply(h.last(), 407, [['Proxy-Authenticate', 'Digest realm="carrier.test", nonce="n", algorithm=MD5']], null);
  assert.is(h.registers().length, 1);
  assert.is(reg.state().state, 'failed');
  assert.is(reg.state().lastStatus, 407);
});

test('an answered challenge challenged again means the credentials were refused: not answered twice', async () => {
  const h = harness();
  const reg = make(h);
  reg.start();
  await flush();
  h.reply(h.last(), 401, [CHALLENGE]);
  h.reply(h.last(), 401, [CHALLENGE]);
  assert.is(h.registers().length, 2);
  assert.is(reg.state().state, 'failed');
  assert.match(reg.state().lastReason!, /credentials refused/);
  assert.is(reg.state().failures, 1);
});

test('503: retries with a growing back-off until it succeeds', async () => {
  const h = harness();
  const reg = make(h);
  reg.start();
  await flush();
  const delays = [5_000, 10_000, 20_000, 40_000];
  for (let i = 0; i < delays.length; i++) {
    const before = h.registers().length;
    h.reply(h.last(), 503);
    const s = reg.state();
    assert.is(s.state, 'failed');
    assert.is(s.lastStatus, 503);
    assert.is(s.failures, i + 1);
    assert.is(s.nextAttemptAt, h.clock.now() + delays[i]!);
    h.clock.advance(delays[i]! - 1);
    await flush();
    assert.is(h.registers().length, before, `no retry before ${delays[i]} ms`);
    h.clock.advance(1);
    await flush();
    assert.is(h.registers().length, before + 1);
    assert.is(cseqOf(h.last()).seq, before + 1);
  }
  h.reply(h.last(), 200);
  assert.is(reg.state().state, 'registered');
  assert.is(reg.state().failures, 0);
});

test('503 with Retry-After: waits at least that long', async () => {
  const h = harness();
  const reg = make(h);
  reg.start();
  await flush();
  h.reply(h.last(), 503, [['Retry-After', '60']]);
  assert.is(reg.state().nextAttemptAt, 60_000);
});

test('back-off jitter comes from the injected random', async () => {
  const h = harness({ random: () => 0.5 });
  const reg = make(h);
  reg.start();
  await flush();
  h.reply(h.last(), 500);
  assert.is(reg.state().nextAttemptAt, 4_500);
});

test('no answer: Timer F gives a 408 failure, then a retry', async () => {
  const h = harness();
  const reg = make(h);
  reg.start();
  await flush();
  h.clock.advance(32_000);
  const s = reg.state();
  assert.is(s.state, 'failed');
  assert.is(s.lastStatus, 408);
  assert.is(s.nextAttemptAt, 37_000);
  h.clock.advance(5_000);
  await flush();
  assert.is(h.registers().length, 2);
});

test('a transport error is a failure', async () => {
  const h = harness();
  h.sender.failWith = () => new Error('ECONNREFUSED');
  const reg = make(h);
  reg.start();
  await flush();
  await flush();
  const s = reg.state();
  assert.is(s.state, 'failed');
  assert.is(s.lastStatus, undefined);
  assert.match(s.lastReason!, /transport error: ECONNREFUSED/);
  assert.is(s.failures, 1);
});

test('a DNS failure is a failure, retried with back-off', async () => {
  let calls = 0;
  const h = harness({
    resolver: {
      target: async (): Promise<Target> => {
        calls++;
        if (calls === 1) throw new HostResolveError('carrier.test', 'no addresses');
        return { protocol: 'udp', address: CARRIER.address, port: 5060 };
      },
    },
  });
  const reg = make(h, carrierTrunk({ host: 'sip.carrier.test' }));
  reg.start();
  await flush();
  assert.is(h.registers().length, 0);
  assert.is(reg.state().state, 'failed');
  assert.match(reg.state().lastReason!, /DNS: cannot resolve/);
  h.clock.advance(5_000);
  await flush();
  assert.is(h.registers().length, 1);
});

test('423 Interval Too Brief: asks again at once with Min-Expires', async () => {
  const h = harness();
  const reg = make(h, carrierTrunk({ registerExpires: 60 }));
  reg.start();
  await flush();
  h.reply(h.last(), 423, [['Min-Expires', '600']]);
  await flush();
  assert.is(h.registers().length, 2);
  assert.is(getHeader(h.last(), 'expires'), '600');
  assert.is(cseqOf(h.last()).seq, 2);
  assert.is(reg.state().failures, 0);
  // A 423 that does not raise the interval is a failure, not a loop.
  h.reply(h.last(), 423, [['Min-Expires', '600']]);
  await flush();
  assert.is(h.registers().length, 2);
  assert.is(reg.state().state, 'failed');
});

test('stop(): cancels the refresh and sends REGISTER Expires: 0, answering the challenge', async () => {
  const h = harness();
  const reg = make(h);
  reg.start();
  await flush();
  h.reply(h.last(), 200, [['Expires', '120']]);
  const done = reg.stop();
  assert.is(reg.state().state, 'stopped');
  assert.is(reg.state().nextAttemptAt, undefined);
  await flush();
  const un = h.last();
  assert.is(getHeader(un, 'expires'), '0');
  assert.is(getHeader(un, 'contact'), '<sip:p.carrier1@203.0.113.1:5060>');
  assert.is(cseqOf(un).seq, 2);
  h.reply(un, 401, [CHALLENGE]);
  const unAuth = h.last();
  assert.is(cseqOf(unAuth).seq, 3);
  assert.is(getHeader(unAuth, 'expires'), '0');
  checkDigest(unAuth, 's3cret');
  h.reply(unAuth, 200);
  await done;
  h.clock.advance(10 * 60_000);
  await flush();
  assert.is(h.registers().length, 3, 'no refresh after stop');
  assert.is(reg.state().state, 'stopped');
});

test('stop(): bounded when the registrar does not answer; never registered: nothing sent', async () => {
  const h = harness({ stopTimeoutMs: 2_000 });
  const reg = make(h);
  reg.start();
  await flush();
  h.reply(h.last(), 200);
  let finished = false;
  const done = reg.stop().then(() => (finished = true));
  await flush();
  h.clock.advance(1_999);
  await flush();
  assert.not.ok(finished);
  h.clock.advance(1);
  await done;
  assert.ok(finished);

  const h2 = harness();
  const idle = make(h2);
  await idle.stop();
  assert.is(h2.registers().length, 0);
  idle.start();
  await flush();
  assert.is(h2.registers().length, 0, 'a stopped registration does not start');
});

test('stop() during the first attempt: late responses are ignored, the binding is removed', async () => {
  const h = harness();
  const reg = make(h);
  reg.start();
  await flush();
  const first = h.last();
  const done = reg.stop();
  await flush();
  h.reply(first, 200);
  assert.is(reg.state().state, 'stopped');
  const un = h.last();
  assert.is(getHeader(un, 'expires'), '0');
  h.reply(un, 200);
  await done;
});

test('outbound proxy: a Route to it; a username with reserved characters is escaped', async () => {
  const h = harness();
  const reg = make(h, carrierTrunk({ username: 'a b@c', outboundProxy: { host: '198.51.100.7', port: 5070 }, domain: undefined, host: 'carrier.test', port: 5080 }));
  const resolver = { target: async (): Promise<Target> => ({ protocol: 'udp', address: CARRIER.address, port: 5070 }) };
  const reg2 = new TrunkRegistration(reg.trunk, { ...h.deps, resolver }, { contactUser: 'p.carrier1' });
  reg2.start();
  await flush();
  const r = h.last();
  assert.is(r.uri, 'sip:carrier.test:5080');
  assert.is(getHeader(r, 'route'), '<sip:198.51.100.7:5070;lr>');
  assert.is(getHeader(r, 'to'), '<sip:a%20b%40c@carrier.test>');
});

test.run();
