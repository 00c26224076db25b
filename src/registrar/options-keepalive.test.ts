import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { ClientTransactionUser } from '../sip/transaction/types.js';
import type { Target } from '../sip/transport/types.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import type { Binding } from './binding.js';
import { OptionsKeepalive, type KeepaliveTenant } from './options-keepalive.js';

const T0 = 1_700_000_000_000;
const udp: Binding['source'] = { protocol: 'udp', address: '203.0.113.9', port: 40001, localAddress: '127.0.0.2', localPort: 5070 };
const bind = (over: Partial<Binding> = {}): Binding => ({ aor: '1001', contact: 'sip:1001@10.0.0.5:5060', callId: 'c', cseq: 1, expiresAt: T0 + 3600_000, source: udp, updatedAt: T0, ...over });

function harness(bindings: Binding[], policy = { optionsSeconds: 30, dropAfterMisses: 0 }) {
  const clock = new FakeClock(T0);
  const sent: Array<{ req: SipRequest; target: Target; user: ClientTransactionUser }> = [];
  const removed: Binding[] = [];
  const tenant: KeepaliveTenant = { id: 'acme', realm: 'acme.example', policy, bindings: () => bindings, removeBinding: (b) => removed.push(b) };
  const k = new OptionsKeepalive({ clock, logger: silentLogger, tenants: () => [tenant], sendRequest: (req, target, user) => sent.push({ req, target, user }), viaFor: (port) => ({ transport: 'udp', host: '192.0.2.1', port }) });
  const ok = { kind: 'response', status: 200, reason: 'OK', headers: [], body: Buffer.alloc(0) } as unknown as SipResponse;
  return { clock, sent, removed, tenant, k, ok };
}

test('a UDP binding gets an OPTIONS one interval after its REGISTER, from the socket it came in on, to its flow', () => {
  const h = harness([bind()]);
  h.clock.advance(29_000);
  h.k.tick();
  assert.is(h.sent.length, 0);
  h.clock.advance(1_000);
  h.k.tick();
  assert.is(h.sent.length, 1);
  const { req, target } = h.sent[0]!;
  assert.is(req.method, 'OPTIONS');
  assert.is(req.uri, 'sip:1001@10.0.0.5:5060');
  assert.equal(target, { protocol: 'udp', address: '203.0.113.9', port: 40001, local: { protocol: 'udp', address: '127.0.0.2', port: 5070 } });
  assert.match(req.headers.find((x) => x.name === 'via')!.value, /^SIP\/2\.0\/UDP 192\.0\.2\.1:5070;branch=z9hG4bK/);
});

test('answered pings repeat every interval; any final response counts, provisional ones do not', () => {
  const h = harness([bind()]);
  h.clock.advance(30_000);
  h.k.tick();
  h.sent[0]!.user.onResponse({ ...h.ok, status: 100 } as SipResponse, undefined as never);
  h.clock.advance(30_000);
  h.k.tick();
  assert.is(h.sent.length, 1, 'still waiting for a final answer: no second ping');
  h.sent[0]!.user.onResponse({ ...h.ok, status: 405 } as SipResponse, undefined as never);
  h.k.tick();
  assert.is(h.sent.length, 2);
  assert.is(h.k.stats.answered, 1);
});

test('a contact that stops answering is counted, not dropped, by default', () => {
  const b = bind();
  const h = harness([b]);
  for (let i = 0; i < 5; i++) {
    h.clock.advance(30_000);
    h.k.tick();
    h.sent.at(-1)!.user.onTimeout(undefined as never);
  }
  assert.is(h.sent.length, 5);
  assert.is(h.k.stats.missed, 5);
  assert.is(h.k.missesOf('acme', b), 5);
  assert.is(h.removed.length, 0);
  h.clock.advance(30_000);
  h.k.tick();
  h.sent.at(-1)!.user.onResponse(h.ok, undefined as never);
  assert.is(h.k.missesOf('acme', b), 0, 'an answer resets the count');
});

test('with dropAfterMisses, the binding is removed after that many misses in a row', () => {
  const b = bind();
  const h = harness([b], { optionsSeconds: 30, dropAfterMisses: 2 });
  h.clock.advance(30_000);
  h.k.tick();
  h.sent.at(-1)!.user.onTransportError(undefined as never, new Error('x'));
  h.clock.advance(30_000);
  h.k.tick();
  h.sent.at(-1)!.user.onTimeout(undefined as never);
  assert.equal(h.removed, [b]);
  assert.is(h.k.stats.dropped, 1);
});

test('off for the tenant, TCP/TLS bindings and expired ones get no OPTIONS', () => {
  const h = harness([bind({ source: { ...udp, protocol: 'tcp', connectionId: 'c1' } }), bind({ contact: 'sip:x@h', expiresAt: T0 + 1000 })]);
  h.clock.advance(60_000);
  h.k.tick();
  assert.is(h.sent.length, 0);
  const off = harness([bind()], { optionsSeconds: 0, dropAfterMisses: 0 });
  off.clock.advance(600_000);
  off.k.tick();
  assert.is(off.sent.length, 0);
});

test('the timer drives the passes on the injected clock', () => {
  const h = harness([bind()]);
  h.k.start();
  h.clock.advance(35_000);
  assert.is(h.sent.length, 1);
  h.k.stop();
  h.clock.advance(120_000);
  assert.is(h.sent.length, 1);
});

test.run();
