import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { SipError } from '../../util/errors.js';
import type { SipResponse } from '../message/types.js';
import { newBranch } from '../../util/ids.js';
import { FakeSender } from './fake-sender.js';
import { inbound, request, responseTo, targetOf } from './sample-messages.js';
import type { TimerConfig } from './timers.js';
import { TransactionLayer } from './transaction-layer.js';
import type { ClientTransactionUser } from './types.js';

function setup(timers?: Partial<TimerConfig>, maxClientTransactions?: number) {
  const clock = new FakeClock(0);
  const sender = new FakeSender(clock);
  const layer = new TransactionLayer({ sender, clock, ...(timers ? { timers } : {}), ...(maxClientTransactions ? { maxClientTransactions } : {}) });
  const events: string[] = [];
  const user: ClientTransactionUser = {
    onResponse: (res: SipResponse) => events.push(`response ${res.status}`),
    onTimeout: () => events.push('timeout'),
    onTransportError: (_tx, e) => events.push(`transport-error ${(e as Error).message}`),
    onTerminated: () => events.push('terminated'),
  };
  return { clock, sender, layer, events, user };
}

const tcp = targetOf({ protocol: 'tcp', address: '192.0.2.10', port: 5060 });
const flush = () => new Promise<void>((r) => setImmediate(r));

test('UDP Trying: Timer E doubles from T1 and is capped at T2; Timer F times out at 64*T1', () => {
  const { clock, sender, layer, events, user } = setup();
  const tx = layer.sendRequest(request({ method: 'OPTIONS' }), targetOf(), user);
  assert.is(tx.state, 'trying');
  clock.advance(31_999);
  assert.equal(sender.timesOf(0), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  assert.equal(events, []);
  clock.advance(1);
  assert.equal(events, ['timeout', 'terminated']);
  assert.equal(layer.stats(), { server: 0, client: 0 });
  assert.is(clock.timerCount, 0);
});

test('UDP Proceeding: after a 1xx, the next Timer E fires and then every T2', () => {
  const { clock, sender, layer, events, user } = setup();
  const req = request({ method: 'BYE', toTag: 't' });
  const tx = layer.sendRequest(req, targetOf(), user);
  clock.advance(600);
  layer.receiveResponse(inbound(responseTo(req, 100)));
  assert.is(tx.state, 'proceeding');
  clock.advance(32_000 - 600);
  assert.equal(sender.timesOf(0), [0, 500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500]);
  assert.equal(events, ['response 100', 'timeout', 'terminated']);
});

test('configured T2 = 2000 ms caps Timer E lower', () => {
  const { clock, sender, layer, user } = setup({ t2: 2000 });
  layer.sendRequest(request({ method: 'OPTIONS' }), targetOf(), user);
  clock.advance(10_000);
  assert.equal(sender.timesOf(0), [0, 500, 1500, 3500, 5500, 7500, 9500]);
});

test('a final response: Completed; its retransmissions are absorbed; Timer K (T4) ends it', () => {
  const { clock, sender, layer, events, user } = setup();
  const req = request({ method: 'REGISTER', uri: 'sip:acme.example' });
  const tx = layer.sendRequest(req, targetOf(), user);
  clock.advance(1000);
  assert.ok(layer.receiveResponse(inbound(responseTo(req, 200, { toTag: 'r' }))));
  assert.is(tx.state, 'completed');
  clock.advance(2000);
  assert.ok(layer.receiveResponse(inbound(responseTo(req, 200, { toTag: 'r' }))));
  assert.ok(layer.receiveResponse(inbound(responseTo(req, 180, { toTag: 'r' }))));
  assert.equal(events, ['response 200']);
  assert.equal(sender.timesOf(0), [0, 500]);
  clock.advance(2999);
  assert.is(tx.state, 'completed');
  clock.advance(1);
  assert.is(tx.state, 'terminated');
  assert.equal(events, ['response 200', 'terminated']);
  assert.equal(layer.stats().client, 0);
  assert.not.ok(layer.receiveResponse(inbound(responseTo(req, 200, { toTag: 'r' }))));
});

test('configured T4 changes Timer K', () => {
  const { clock, layer, events, user } = setup({ t4: 1000 });
  const req = request({ method: 'OPTIONS' });
  layer.sendRequest(req, targetOf(), user);
  layer.receiveResponse(inbound(responseTo(req, 200, { toTag: 'r' })));
  clock.advance(999);
  assert.equal(events, ['response 200']);
  clock.advance(1);
  assert.equal(events, ['response 200', 'terminated']);
});

test('TCP: no retransmissions; Timer K is zero so a final response ends the transaction', () => {
  const { clock, sender, layer, events, user } = setup();
  const req = request({ method: 'OPTIONS', transport: 'TCP' });
  const tx = layer.sendRequest(req, tcp, user);
  clock.advance(20_000);
  assert.equal(sender.timesOf(0), [0]);
  layer.receiveResponse(inbound(responseTo(req, 404, { toTag: 'r' })));
  assert.is(tx.state, 'terminated');
  assert.equal(events, ['response 404', 'terminated']);
  assert.is(clock.timerCount, 0);
});

test('TCP: Timer F still times out', () => {
  const { clock, layer, events, user } = setup();
  layer.sendRequest(request({ method: 'OPTIONS', transport: 'TCP' }), tcp, user);
  clock.advance(32_000);
  assert.equal(events, ['timeout', 'terminated']);
});

test('a transport error is reported to the TU and ends the transaction (§17.1.4)', async () => {
  const { clock, sender, layer, events, user } = setup();
  const req = request({ method: 'MESSAGE' });
  const tx = layer.sendRequest(req, targetOf(), user);
  layer.receiveResponse(inbound(responseTo(req, 100)));
  sender.failWith = () => new Error('ENETUNREACH');
  clock.advance(500); // retransmission fails
  await flush();
  assert.equal(events, ['response 100', 'transport-error ENETUNREACH', 'terminated']);
  assert.is(tx.state, 'terminated');
  assert.equal(layer.stats().client, 0);
  assert.is(clock.timerCount, 0);
});

test('a send() that throws is reported like a rejection, after sendRequest returns', async () => {
  const clock = new FakeClock(0);
  const events: string[] = [];
  const layer = new TransactionLayer({
    clock,
    sender: {
      send: () => {
        throw new Error('socket closed');
      },
      isReliable: () => false,
    },
  });
  const tx = layer.sendRequest(request({ method: 'OPTIONS' }), targetOf(), {
    onResponse: () => events.push('response'),
    onTimeout: () => events.push('timeout'),
    onTransportError: (_t, e) => events.push('transport-error ' + (e as Error).message),
  });
  assert.is(tx.state, 'trying');
  await flush();
  assert.equal(events, ['transport-error socket closed']);
  assert.is(tx.state, 'terminated');
});

test('CANCEL has its own client transaction beside the INVITE with the same branch', () => {
  const { layer, events, user } = setup();
  const invite = request();
  const cancel = request({ method: 'CANCEL' });
  const itx = layer.sendRequest(invite, targetOf(), user);
  const ctx = layer.sendRequest(cancel, targetOf(), user);
  assert.equal(layer.stats().client, 2);
  layer.receiveResponse(inbound(responseTo(cancel, 200, { toTag: 'c' })));
  assert.is(ctx.state, 'completed');
  assert.is(itx.state, 'calling');
  assert.equal(events, ['response 200']);
});

test('sendRequest refuses ACK, requests without an RFC 3261 branch, reused branches, and too many transactions', () => {
  const { layer, user } = setup(undefined, 2);
  assert.throws(() => layer.sendRequest(request({ method: 'ACK' }), targetOf(), user), TypeError);
  assert.throws(() => layer.sendRequest(request({ method: 'OPTIONS', branch: null }), targetOf(), user), TypeError);
  assert.throws(() => layer.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK' }), targetOf(), user), TypeError);
  layer.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bKone' }), targetOf(), user);
  assert.throws(() => layer.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bKone' }), targetOf(), user), /already exists/);
  layer.sendRequest(request({ method: 'OPTIONS', branch: newBranch() }), targetOf(), user);
  try {
    layer.sendRequest(request({ method: 'OPTIONS', branch: newBranch() }), targetOf(), user);
    assert.unreachable('should refuse a third transaction');
  } catch (e) {
    assert.instance(e, SipError);
    assert.is((e as SipError).status, 503);
  }
  assert.equal(layer.stats().client, 2);
});

test.run();
