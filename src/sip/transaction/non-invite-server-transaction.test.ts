import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { createResponse } from '../message/response.js';
import { serializeMessage } from '../message/serialize.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { FakeSender } from './fake-sender.js';
import { inbound, request, targetOf } from './sample-messages.js';
import type { TimerConfig } from './timers.js';
import { TransactionLayer } from './transaction-layer.js';
import type { ServerTransaction } from './types.js';

function setup(timers?: Partial<TimerConfig>) {
  const clock = new FakeClock(0);
  const sender = new FakeSender(clock);
  const layer = new TransactionLayer({ sender, clock, ...(timers ? { timers } : {}) });
  const events: string[] = [];
  const open = (req: SipRequest, protocol: 'udp' | 'tcp' = 'udp'): ServerTransaction => {
    const src = { protocol, address: '192.0.2.10', port: 5060 } as const;
    assert.equal(layer.matchRequest(inbound(req, src)), { kind: 'new' });
    const tx = layer.createServerTransaction(inbound(req, src), targetOf(src));
    tx.onTerminated = () => events.push('terminated');
    tx.onTransportError = (e) => events.push(`transport-error ${(e as Error).message}`);
    return tx;
  };
  return { clock, sender, layer, events, open };
}

const statuses = (sender: FakeSender) => sender.sent.map((s) => (s.msg as SipResponse).status);
const register = () => request({ method: 'REGISTER', uri: 'sip:acme.example', branch: 'z9hG4bKreg1' });
const flush = () => new Promise<void>((r) => setImmediate(r));

test('Trying: retransmissions are absorbed and nothing is sent', () => {
  const { sender, layer, open } = setup();
  const tx = open(register());
  assert.is(tx.state, 'trying');
  assert.is(tx.isInvite, false);
  assert.is(tx.method, 'REGISTER');
  assert.equal(layer.matchRequest(inbound(register())), { kind: 'absorbed' });
  assert.equal(sender.sent, []);
});

test('Proceeding: a retransmission re-sends the latest provisional response', () => {
  const { sender, layer, open } = setup();
  const req = register();
  const tx = open(req);
  tx.respond(createResponse(req, 100));
  assert.is(tx.state, 'proceeding');
  assert.equal(layer.matchRequest(inbound(register())), { kind: 'absorbed' });
  assert.equal(statuses(sender), [100, 100]);
});

test('Completed over UDP: retransmissions re-send the final response, the request is let go, Timer J (64*T1) ends it', () => {
  const { clock, sender, layer, events, open } = setup();
  const req = register();
  const tx = open(req);
  clock.advance(10);
  tx.respond(createResponse(req, 100));
  const ok = createResponse(req, 200, { toTag: 'reg' });
  tx.respond(ok);
  assert.is(tx.state, 'completed');
  assert.is(tx.request, undefined);
  // It keeps a compact copy of the response: the same octets on the wire.
  assert.equal(serializeMessage(tx.lastResponse!), serializeMessage(ok));
  clock.advance(4000);
  assert.equal(layer.matchRequest(inbound(register())), { kind: 'absorbed' });
  assert.equal(statuses(sender), [100, 200, 200]);
  assert.equal(serializeMessage(sender.sent[2]!.msg), serializeMessage(ok));
  // Another final response from the TU is discarded (§17.2.2).
  tx.respond(createResponse(req, 500));
  assert.equal(statuses(sender), [100, 200, 200]);
  clock.advance(32_000 - 4000 - 1);
  assert.is(tx.state, 'completed');
  assert.equal(layer.stats().server, 1);
  clock.advance(1);
  assert.is(tx.state, 'terminated');
  assert.equal(events, ['terminated']);
  assert.equal(layer.stats(), { server: 0, client: 0 });
  assert.is(clock.timerCount, 0);
  assert.equal(layer.matchRequest(inbound(register())), { kind: 'new' });
});

test('configured T1 changes Timer J', () => {
  const { clock, open, events } = setup({ t1: 50 });
  const req = register();
  open(req).respond(createResponse(req, 200, { toTag: 'x' }));
  clock.advance(3199);
  assert.equal(events, []);
  clock.advance(1);
  assert.equal(events, ['terminated']);
});

test('TCP: Timer J is zero, so the final response ends the transaction at once', () => {
  const { clock, layer, events, open } = setup();
  const req = request({ method: 'OPTIONS', transport: 'TCP' });
  const tx = open(req, 'tcp');
  tx.respond(createResponse(req, 200, { toTag: 'x' }));
  assert.is(tx.state, 'terminated');
  assert.equal(events, ['terminated']);
  assert.equal(layer.stats().server, 0);
  clock.advance(32_000);
  assert.equal(events, ['terminated']);
  assert.is(clock.timerCount, 0);
});

test('a TU that sends no final response within 64*T1 loses the transaction (the client gave up at Timer F)', () => {
  const { clock, sender, layer, events, open } = setup();
  const silent = open(request({ method: 'OPTIONS', branch: 'z9hG4bKsilent' }));
  silent.onTimeout = () => events.push('timeout');
  clock.advance(1000);
  const req = register();
  const answered = open(req);
  answered.onTimeout = () => events.push('timeout answered');
  answered.respond(createResponse(req, 100));
  clock.advance(30_999);
  assert.is(silent.state, 'trying');
  clock.advance(1);
  assert.is(silent.state, 'terminated');
  assert.equal(events, ['timeout', 'terminated']);
  assert.equal(layer.stats().server, 1);
  // A provisional response is not an answer: Proceeding ends the same way.
  clock.advance(1000);
  assert.is(answered.state, 'terminated');
  assert.equal(events, ['timeout', 'terminated', 'timeout answered', 'terminated']);
  assert.equal(layer.stats().server, 0);
  assert.equal(statuses(sender), [100]);
  // Answering late is ignored.
  answered.respond(createResponse(req, 200, { toTag: 'late' }));
  assert.equal(statuses(sender), [100]);
});

test('a transport error is reported to the TU and ends the transaction (§17.2.4)', async () => {
  const { clock, sender, layer, events, open } = setup();
  const req = register();
  const tx = open(req);
  sender.failWith = () => new Error('EMSGSIZE');
  tx.respond(createResponse(req, 200, { toTag: 'x' }));
  assert.is(tx.state, 'completed');
  await flush();
  assert.equal(events, ['transport-error EMSGSIZE', 'terminated']);
  assert.is(tx.state, 'terminated');
  assert.equal(layer.stats().server, 0);
  // Its Timer J entry runs out unnoticed.
  clock.advance(32_000);
  assert.equal(events, ['transport-error EMSGSIZE', 'terminated']);
  assert.is(clock.timerCount, 0);
});

test('a TU callback that throws is contained', () => {
  const { clock, open } = setup();
  const req = register();
  const tx = open(req);
  tx.onTerminated = () => {
    throw new Error('TU bug');
  };
  tx.respond(createResponse(req, 200, { toTag: 'x' }));
  clock.advance(32_000);
  assert.is(tx.state, 'terminated');
});

test.run();
