import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCredentials } from '../sip/auth/authorization-header.js';
import { cseqOf, getHeader } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import type { Endpoint, Target } from '../sip/transport/types.js';
import { carrierTrunk, flush, harness } from './registration.case.js';
import { TrunkRegistration } from './trunk-registration.js';

const CHALLENGE: [string, string] = ['WWW-Authenticate', 'Digest realm="carrier.test", nonce="n-1", qop="auth", algorithm=MD5'];

function nc(req: SipRequest): string | undefined {
  const v = getHeader(req, 'authorization');
  if (!v) return undefined;
  const p = parseCredentials(v);
  return p.kind === 'digest' ? `${p.credentials.nonce}/${p.credentials.nc}` : undefined;
}

test('pre-emptive credentials: after one challenge, N refreshes cost N REGISTERs, nc counting up', async () => {
  const h = harness();
  const reg = new TrunkRegistration(carrierTrunk(), h.deps, { contactUser: 'p.carrier1' });
  reg.start();
  await flush();
  h.reply(h.last(), 401, [CHALLENGE]);
  h.reply(h.last(), 200, [['Expires', '120']]);
  assert.is(h.registers().length, 2);
  const N = 5;
  for (let i = 0; i < N; i++) {
    h.clock.advance(60_000);
    await flush();
    const refresh = h.last();
    assert.is(nc(refresh), `n-1/${(i + 2).toString(16).padStart(8, '0')}`);
    h.reply(refresh, 200, [['Expires', '120']]);
    assert.is(reg.state().state, 'registered');
  }
  assert.is(h.registers().length, 2 + N, 'one REGISTER per refresh, no 401 round trip');
  // Refused credentials (a second 401 to the answer) are a failure, and forgotten.
  h.clock.advance(60_000);
  await flush();
  h.reply(h.last(), 401, [['WWW-Authenticate', 'Digest realm="carrier.test", nonce="n-2", qop="auth", algorithm=MD5']]);
  const answered = h.last();
  assert.is(nc(answered), 'n-2/00000001');
  h.reply(answered, 401, [['WWW-Authenticate', 'Digest realm="carrier.test", nonce="n-3", qop="auth", algorithm=MD5']]);
  assert.is(reg.state().state, 'failed');
  h.clock.advance(reg.state().nextAttemptAt! - h.clock.now());
  await flush();
  assert.is(nc(h.last()), undefined, 'after a refusal, the next REGISTER goes without credentials');
  const stopped = reg.stop();
  await flush();
  h.clock.advance(5_000);
  await stopped;
});

test('RFC 3263 targets: 503, then a timeout, fail over to the next target at once; failed targets are marked', async () => {
  const targets: Target[] = [
    { protocol: 'udp', address: '198.51.100.7', port: 5070 },
    { protocol: 'udp', address: '198.51.100.8', port: 5071 },
    { protocol: 'udp', address: '198.51.100.9', port: 5072 },
  ];
  const marked: string[] = [];
  const h = harness({
    resolver: {
      target: async () => targets[0]!,
      targets: async () => targets,
      markFailed: (t) => marked.push(`${t.address}:${t.port}`),
    },
    isFromTrunk: () => true,
  });
  const reg = new TrunkRegistration(carrierTrunk({ host: 'carrier.test' }), h.deps, { contactUser: 'p.carrier1' });
  reg.start();
  await flush();
  const first = h.last();
  assert.equal(h.sender.sent.at(-1)!.target, targets[0]);
  h.reply(first, 503);
  const second = h.last();
  assert.equal(h.sender.sent.at(-1)!.target, targets[1]);
  assert.is(cseqOf(second).seq, cseqOf(first).seq + 1);
  // No answer: Timer F (64*T1 = 32 s) ends the transaction; the third target is asked.
  h.clock.advance(32_000);
  await flush();
  const third = h.last();
  assert.equal(h.sender.sent.at(-1)!.target, targets[2]);
  assert.equal(marked, ['198.51.100.7:5070', '198.51.100.8:5071']);
  const from3: Endpoint = { protocol: 'udp', address: '198.51.100.9', port: 5072 };
  h.reply(third, 200, [['Expires', '300']], from3);
  assert.is(reg.state().state, 'registered');
  assert.is(reg.state().failures, 0);
  const stopped = reg.stop();
  await flush();
  h.clock.advance(5_000);
  await stopped;
});

test('every target failing ends the attempt with the back-off, not a loop', async () => {
  const targets: Target[] = [
    { protocol: 'udp', address: '198.51.100.7', port: 5070 },
    { protocol: 'udp', address: '198.51.100.8', port: 5071 },
  ];
  const h = harness({ resolver: { target: async () => targets[0]!, targets: async () => targets, markFailed: () => {} }, isFromTrunk: () => true });
  const reg = new TrunkRegistration(carrierTrunk({ host: 'carrier.test' }), h.deps, { contactUser: 'p.carrier1' });
  reg.start();
  await flush();
  h.reply(h.last(), 503);
  h.reply(h.last(), 503);
  assert.is(h.registers().length, 2);
  const s = reg.state();
  assert.is(s.state, 'failed');
  assert.is(s.lastStatus, 503);
  assert.ok(s.nextAttemptAt! > h.clock.now());
  const stopped = reg.stop();
  await flush();
  h.clock.advance(5_000);
  await stopped;
});

test.run();
