import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { getHeader, getHeaderValues } from '../message/headers.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';
import { FakeSender } from './fake-sender.js';
import { inbound, request, responseTo, targetOf } from './sample-messages.js';
import type { TimerConfig } from './timers.js';
import { TransactionLayer } from './transaction-layer.js';
import type { ClientTransactionUser } from './types.js';

function setup(timers?: Partial<TimerConfig>) {
  const clock = new FakeClock(0);
  const sender = new FakeSender(clock);
  const layer = new TransactionLayer({ sender, clock, ...(timers ? { timers } : {}) });
  const events: string[] = [];
  const responses: SipResponse[] = [];
  const user: ClientTransactionUser = {
    onResponse: (res) => {
      events.push(`response ${res.status}`);
      responses.push(res);
    },
    onTimeout: () => events.push('timeout'),
    onTransportError: (_tx, e) => events.push(`transport-error ${(e as Error).message}`),
    onTerminated: () => events.push('terminated'),
  };
  return { clock, sender, layer, events, responses, user };
}

const isInvite = (m: SipMessage) => m.kind === 'request' && m.method === 'INVITE';
const isAck = (m: SipMessage) => m.kind === 'request' && m.method === 'ACK';
const flush = () => new Promise<void>((r) => setImmediate(r));

test('UDP: INVITE sent at 0, 500, 1500, 3500, 7500, 15500, 31500; Timer B at 32 s times out', () => {
  const { clock, sender, layer, events, user } = setup();
  const tx = layer.sendRequest(request(), targetOf(), user);
  assert.is(tx.state, 'calling');
  clock.advance(31_999);
  assert.equal(sender.timesOf(0, isInvite), [0, 500, 1500, 3500, 7500, 15500, 31500]);
  assert.equal(events, []);
  clock.advance(1);
  assert.equal(events, ['timeout', 'terminated']);
  assert.is(tx.state, 'terminated');
  assert.equal(layer.stats(), { server: 0, client: 0 });
  assert.is(clock.timerCount, 0);
  clock.advance(100_000);
  assert.is(sender.sent.length, 7);
});

test('configured T1 = 100 ms shortens the schedule: 0, 100, 300, 700, 1500, 3100, 6300; B at 6.4 s', () => {
  const { clock, sender, layer, events, user } = setup({ t1: 100 });
  layer.sendRequest(request(), targetOf(), user);
  clock.advance(6399);
  assert.equal(sender.timesOf(0), [0, 100, 300, 700, 1500, 3100, 6300]);
  assert.equal(events, []);
  clock.advance(1);
  assert.equal(events, ['timeout', 'terminated']);
});

test('TCP: the INVITE is sent once; Timer B still bounds the wait', () => {
  const { clock, sender, layer, events, user } = setup();
  layer.sendRequest(request({ transport: 'TCP' }), targetOf({ protocol: 'tcp', address: '192.0.2.10', port: 5060 }), user);
  clock.advance(31_999);
  assert.equal(sender.timesOf(0), [0]);
  clock.advance(1);
  assert.equal(events, ['timeout', 'terminated']);
});

test('a provisional response stops retransmissions and Timer B; the TU gets each 1xx', () => {
  const { clock, sender, layer, events, user } = setup();
  const req = request();
  const tx = layer.sendRequest(req, targetOf(), user);
  clock.advance(600);
  assert.ok(layer.receiveResponse(inbound(responseTo(req, 100))));
  assert.is(tx.state, 'proceeding');
  assert.ok(layer.receiveResponse(inbound(responseTo(req, 180, { toTag: 'b1' }))));
  clock.advance(120_000);
  assert.equal(sender.timesOf(0), [0, 500]);
  assert.equal(events, ['response 100', 'response 180']);
  assert.is(tx.state, 'proceeding');
  assert.equal(layer.stats().client, 1);
});

test('300-699: Completed, the ACK is built per §17.1.1.3, re-sent for each retransmission, Timer D ends it', () => {
  const { clock, sender, layer, events, responses, user } = setup();
  const req = request({
    routes: ['<sip:proxy1.example;lr>', '<sip:proxy2.example;lr>'],
    lowerVias: ['SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKlower'],
  });
  const tx = layer.sendRequest(req, targetOf(), user);
  clock.advance(100);
  const busy = responseTo(req, 486, { toTag: 'callee-tag' });
  assert.ok(layer.receiveResponse(inbound(busy)));
  assert.is(tx.state, 'completed');
  assert.equal(events, ['response 486']);
  assert.is(responses[0], busy);

  const acks = sender.sent.filter((s) => isAck(s.msg));
  assert.is(acks.length, 1);
  const ack = acks[0]!.msg as SipRequest;
  assert.is(ack.uri, req.uri);
  assert.is(getHeader(ack, 'call-id'), getHeader(req, 'call-id'));
  assert.is(getHeader(ack, 'from'), getHeader(req, 'from'));
  assert.is(getHeader(ack, 'to'), getHeader(busy, 'to'));
  assert.match(getHeader(ack, 'to')!, /;tag=callee-tag$/);
  assert.is(getHeader(ack, 'cseq'), '1 ACK');
  assert.equal(getHeaderValues(ack, 'via'), ['SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKtest1']);
  assert.equal(getHeaderValues(ack, 'route'), ['<sip:proxy1.example;lr>', '<sip:proxy2.example;lr>']);
  assert.is(ack.body.length, 0);
  assert.is(acks[0]!.target.address, '192.0.2.10');

  // The INVITE is not retransmitted any more; a retransmitted 486 re-sends the ACK only.
  clock.advance(5000);
  assert.ok(layer.receiveResponse(inbound(responseTo(req, 486, { toTag: 'callee-tag' }))));
  assert.equal(events, ['response 486']);
  assert.equal(sender.timesOf(0, isInvite), [0]);
  assert.equal(sender.timesOf(0, isAck), [100, 5100]);

  clock.advance(32_000 - 5000 - 1);
  assert.is(tx.state, 'completed');
  clock.advance(1);
  assert.is(tx.state, 'terminated');
  assert.equal(events, ['response 486', 'terminated']);
  assert.equal(layer.stats().client, 0);
  assert.not.ok(layer.receiveResponse(inbound(responseTo(req, 486, { toTag: 'callee-tag' }))));
});

test('300-699 over TCP: ACK sent, Timer D is zero so the transaction ends at once', () => {
  const { sender, layer, events, user } = setup();
  const req = request({ transport: 'TCP' });
  const tx = layer.sendRequest(req, targetOf({ protocol: 'tcp', address: '192.0.2.10', port: 5060 }), user);
  layer.receiveResponse(inbound(responseTo(req, 603, { toTag: 'x' })));
  assert.is(tx.state, 'terminated');
  assert.equal(events, ['response 603', 'terminated']);
  assert.is(sender.sent.filter((s) => isAck(s.msg)).length, 1);
  assert.equal(layer.stats().client, 0);
});

test('RFC 6026 Accepted: every 2xx goes to the TU (retransmissions, other forks) until Timer M', () => {
  const { clock, sender, layer, events, user } = setup();
  const req = request();
  const tx = layer.sendRequest(req, targetOf(), user);
  clock.advance(700);
  layer.receiveResponse(inbound(responseTo(req, 180, { toTag: 'a' })));
  layer.receiveResponse(inbound(responseTo(req, 200, { toTag: 'a' })));
  assert.is(tx.state, 'accepted');
  clock.advance(1000);
  assert.ok(layer.receiveResponse(inbound(responseTo(req, 200, { toTag: 'a' }))));
  assert.ok(layer.receiveResponse(inbound(responseTo(req, 200, { toTag: 'other-fork' }))));
  // A non-2xx final in Accepted is absorbed; no ACK is generated by the transaction for 2xx.
  assert.ok(layer.receiveResponse(inbound(responseTo(req, 486, { toTag: 'c' }))));
  assert.equal(events, ['response 180', 'response 200', 'response 200', 'response 200']);
  assert.equal(sender.sent.filter((s) => isAck(s.msg)).length, 0);
  assert.equal(sender.timesOf(0, isInvite), [0, 500]);
  clock.advance(32_000 - 1000 - 1);
  assert.is(tx.state, 'accepted');
  clock.advance(1);
  assert.is(tx.state, 'terminated');
  assert.equal(events.at(-1), 'terminated');
  assert.not.ok(layer.receiveResponse(inbound(responseTo(req, 200, { toTag: 'a' }))));
  assert.is(clock.timerCount, 0);
});

test('a transport error on the INVITE is reported to the TU and ends the transaction (§17.1.4)', async () => {
  const { clock, sender, layer, events, user } = setup();
  sender.failWith = () => new Error('ECONNREFUSED');
  const tx = layer.sendRequest(request(), targetOf(), user);
  assert.equal(events, []);
  await flush();
  assert.equal(events, ['transport-error ECONNREFUSED', 'terminated']);
  assert.is(tx.state, 'terminated');
  assert.equal(layer.stats().client, 0);
  assert.is(clock.timerCount, 0);
});

test('a transport error on the ACK is reported to the TU and ends the transaction', async () => {
  const { sender, layer, events, user } = setup();
  const req = request();
  const tx = layer.sendRequest(req, targetOf(), user);
  sender.failWith = (m) => (isAck(m) ? new Error('EHOSTUNREACH') : undefined);
  layer.receiveResponse(inbound(responseTo(req, 404, { toTag: 'n' })));
  await flush();
  assert.equal(events, ['response 404', 'transport-error EHOSTUNREACH', 'terminated']);
  assert.is(tx.state, 'terminated');
});

test('§9.1: after a CANCEL, no final response within 64*T1 destroys the transaction', () => {
  const { clock, layer, events, user } = setup();
  const req = request();
  const tx = layer.sendRequest(req, targetOf(), user);
  layer.receiveResponse(inbound(responseTo(req, 180, { toTag: 'a' })));
  clock.advance(10_000);
  tx.cancelSent();
  clock.advance(31_999);
  assert.is(tx.state, 'proceeding');
  clock.advance(1);
  assert.equal(events, ['response 180', 'timeout', 'terminated']);
  assert.equal(layer.stats().client, 0);
});

test('§9.1: a final response after the CANCEL stops the CANCEL timer', () => {
  const { clock, layer, events, user } = setup();
  const req = request({ transport: 'TCP' });
  const tx = layer.sendRequest(req, targetOf({ protocol: 'tcp', address: '192.0.2.10', port: 5060 }), user);
  layer.receiveResponse(inbound(responseTo(req, 180, { toTag: 'a' })));
  tx.cancelSent();
  layer.receiveResponse(inbound(responseTo(req, 487, { toTag: 'a' })));
  clock.advance(100_000);
  assert.equal(events, ['response 180', 'response 487', 'terminated']);
});

test('a TU that throws does not break the transaction', () => {
  const { clock, layer, user } = setup();
  const seen: number[] = [];
  const req = request();
  const tx = layer.sendRequest(req, targetOf(), {
    ...user,
    onResponse: (res) => {
      seen.push(res.status);
      throw new Error('TU bug');
    },
  });
  assert.ok(layer.receiveResponse(inbound(responseTo(req, 180, { toTag: 'a' }))));
  assert.ok(layer.receiveResponse(inbound(responseTo(req, 480, { toTag: 'a' }))));
  assert.equal(seen, [180, 480]);
  assert.is(tx.state, 'completed');
  clock.advance(32_000);
  assert.is(tx.state, 'terminated');
});

test.run();
