import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SipError } from '../../util/errors.js';
import { FakeClock } from '../../util/fake-clock.js';
import { memoryLogger } from '../../util/logger.js';
import { getHeader } from '../message/headers.js';
import { createResponse } from '../message/response.js';
import type { SipResponse } from '../message/types.js';
import { FakeSender } from './fake-sender.js';
import { inbound, request, responseTo, targetOf, type RequestSpec } from './sample-messages.js';
import { TransactionLayer, type TransactionLayerOptions } from './transaction-layer.js';

function setup(opts: Partial<TransactionLayerOptions> = {}) {
  const clock = new FakeClock(0);
  const sender = new FakeSender(clock);
  const layer = new TransactionLayer({ sender, clock, ...opts });
  return { clock, sender, layer };
}

const ALICE = { protocol: 'udp', address: '192.0.2.10', port: 5060 } as const;
const BOB = { protocol: 'udp', address: '198.51.100.20', port: 5062 } as const;
const noBranch = (s: RequestSpec = {}) => request({ branch: null, ...s });

test('RFC 2543 peer (no branch): INVITE retransmissions match; the ACK matches by the To tag of the response sent', () => {
  const { clock, sender, layer } = setup();
  const invite = noBranch();
  assert.equal(layer.matchRequest(inbound(invite)), { kind: 'new' });
  const tx = layer.createServerTransaction(inbound(invite), targetOf());
  assert.equal(layer.matchRequest(inbound(noBranch())), { kind: 'absorbed' });
  // Same everything but the CSeq number: another transaction.
  assert.equal(layer.matchRequest(inbound(noBranch({ cseq: 2 }))), { kind: 'new' });
  // Before any final response an ACK has nothing to match (no To tag sent yet).
  assert.equal(layer.matchRequest(inbound(noBranch({ method: 'ACK', toTag: 'uas' }))), { kind: 'ack' });
  tx.respond(createResponse(invite, 486, { toTag: 'uas' }));
  // An ACK with another To tag is not this transaction's.
  assert.equal(layer.matchRequest(inbound(noBranch({ method: 'ACK', toTag: 'other' }))), { kind: 'ack' });
  assert.is(tx.state, 'completed');
  assert.equal(layer.matchRequest(inbound(noBranch({ method: 'ACK', toTag: 'uas' }))), { kind: 'absorbed' });
  assert.is(tx.state, 'confirmed');
  clock.advance(5000);
  assert.equal(layer.stats().server, 0);
  assert.ok(sender.sent.length >= 1);
  // The ACK index is cleaned up with the transaction.
  assert.equal(layer.matchRequest(inbound(noBranch({ method: 'ACK', toTag: 'uas' }))), { kind: 'ack' });
});

test('RFC 2543 peer: a non-INVITE retransmission re-sends the final response', () => {
  const { sender, layer } = setup();
  const reg = noBranch({ method: 'REGISTER', uri: 'sip:acme.example' });
  const tx = layer.createServerTransaction(inbound(reg), targetOf());
  tx.respond(createResponse(reg, 401, { toTag: 'r' }));
  assert.equal(layer.matchRequest(inbound(noBranch({ method: 'REGISTER', uri: 'sip:acme.example' }))), { kind: 'absorbed' });
  assert.equal(sender.sent.map((s) => (s.msg as SipResponse).status), [401, 401]);
  // Another Request-URI, From tag or top Via is another request.
  assert.equal(layer.matchRequest(inbound(noBranch({ method: 'REGISTER', uri: 'sip:globex.example' }))), { kind: 'new' });
  assert.equal(layer.matchRequest(inbound(noBranch({ method: 'REGISTER', uri: 'sip:acme.example', fromTag: 'f2' }))), { kind: 'new' });
  assert.equal(layer.matchRequest(inbound(noBranch({ method: 'REGISTER', uri: 'sip:acme.example', sentBy: '192.0.2.11' }))), { kind: 'new' });
});

test('a bare "z9hG4bK" branch is not an RFC 3261 branch: two senders using it do not collide (RFC 4475 §3.2.1)', () => {
  const { sender, layer } = setup();
  const fromAlice = request({ method: 'OPTIONS', branch: 'z9hG4bK', sentBy: '192.0.2.10:5060', callId: 'a@192.0.2.10' });
  const fromBob = request({ method: 'OPTIONS', branch: 'z9hG4bK', sentBy: '198.51.100.20:5062', callId: 'b@198.51.100.20' });
  assert.equal(layer.matchRequest(inbound(fromAlice, ALICE)), { kind: 'new' });
  const txA = layer.createServerTransaction(inbound(fromAlice, ALICE), targetOf(ALICE));
  assert.equal(layer.matchRequest(inbound(fromBob, BOB)), { kind: 'new' });
  const txB = layer.createServerTransaction(inbound(fromBob, BOB), targetOf(BOB));
  assert.is.not(txA.id, txB.id);
  assert.equal(layer.stats().server, 2);
  txA.respond(createResponse(fromAlice, 200, { toTag: 'a' }));
  txB.respond(createResponse(fromBob, 404, { toTag: 'b' }));
  // Bob's retransmission gets Bob's answer, sent to Bob.
  const again = request({ method: 'OPTIONS', branch: 'z9hG4bK', sentBy: '198.51.100.20:5062', callId: 'b@198.51.100.20' });
  assert.equal(layer.matchRequest(inbound(again, BOB)), { kind: 'absorbed' });
  const last = sender.sent.at(-1)!;
  assert.is((last.msg as SipResponse).status, 404);
  assert.is(last.target.address, '198.51.100.20');
  // Even one sender reusing the bare cookie for two different calls gets two transactions.
  assert.equal(layer.matchRequest(inbound(request({ method: 'OPTIONS', branch: 'z9hG4bK', callId: 'a2@192.0.2.10' }), ALICE)), { kind: 'new' });
});

test('RFC 3261 matching: branch, sent-by and method; ACK counts as INVITE, CANCEL does not', () => {
  const { layer } = setup();
  const invite = request({ branch: 'z9hG4bKsame' });
  layer.createServerTransaction(inbound(invite), targetOf());
  // Same branch from another sent-by: another transaction (§17.2.3).
  assert.equal(layer.matchRequest(inbound(request({ branch: 'z9hG4bKsame', sentBy: '198.51.100.20:5062' }), BOB)), { kind: 'new' });
  // The branch is compared case-sensitively and as a whole.
  assert.equal(layer.matchRequest(inbound(request({ branch: 'z9hG4bKSAME' }))), { kind: 'new' });
  assert.equal(layer.matchRequest(inbound(request({ branch: 'z9hG4bKsam' }))), { kind: 'new' });
  // The other headers do not take part with a 3261 branch.
  assert.equal(layer.matchRequest(inbound(request({ branch: 'z9hG4bKsame', callId: 'changed' }))), { kind: 'absorbed' });
  // sent-by hosts compare without regard to case.
  layer.createServerTransaction(inbound(request({ method: 'OPTIONS', branch: 'z9hG4bKh', sentBy: 'PC33.Example.COM' })), targetOf());
  assert.equal(layer.matchRequest(inbound(request({ method: 'OPTIONS', branch: 'z9hG4bKh', sentBy: 'pc33.example.com' }))), { kind: 'absorbed' });
  // CANCEL with the INVITE's branch is a transaction of its own.
  const cancel = request({ method: 'CANCEL', branch: 'z9hG4bKsame' });
  assert.equal(layer.matchRequest(inbound(cancel)), { kind: 'new' });
  const ctx = layer.createServerTransaction(inbound(cancel), targetOf());
  assert.is(ctx.method, 'CANCEL');
  assert.equal(layer.stats().server, 3);
  assert.equal(layer.matchRequest(inbound(request({ method: 'CANCEL', branch: 'z9hG4bKsame' }))), { kind: 'absorbed' });
});

test('CANCEL finds the INVITE it refers to (§9.2), for 3261 and 2543 peers', () => {
  const { layer } = setup();
  const invite = request({ branch: 'z9hG4bKinv' });
  const itx = layer.createServerTransaction(inbound(invite), targetOf());
  assert.is(layer.findInviteServerTransaction(request({ method: 'CANCEL', branch: 'z9hG4bKinv' })), itx);
  assert.is(layer.findInviteServerTransaction(request({ method: 'CANCEL', branch: 'z9hG4bKother' })), undefined);
  assert.is(layer.findInviteServerTransaction(request({ method: 'CANCEL', branch: 'z9hG4bKinv', sentBy: '192.0.2.99' })), undefined);

  const old = noBranch({ callId: 'old@192.0.2.10', cseq: 7 });
  const otx = layer.createServerTransaction(inbound(old), targetOf());
  assert.is(layer.findInviteServerTransaction(noBranch({ method: 'CANCEL', callId: 'old@192.0.2.10', cseq: 7 })), otx);
  assert.is(layer.findInviteServerTransaction(noBranch({ method: 'CANCEL', callId: 'old@192.0.2.10', cseq: 8 })), undefined);

  // A CANCEL for a non-INVITE finds nothing.
  const opt = request({ method: 'OPTIONS', branch: 'z9hG4bKopt' });
  layer.createServerTransaction(inbound(opt), targetOf());
  assert.is(layer.findInviteServerTransaction(request({ method: 'CANCEL', branch: 'z9hG4bKopt' })), undefined);
});

test('stray responses match nothing and return false (§18.1.2)', () => {
  const { layer } = setup();
  const req = request({ method: 'OPTIONS', branch: 'z9hG4bKmine' });
  layer.sendRequest(req, targetOf(), { onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} });
  assert.not.ok(layer.receiveResponse(inbound(responseTo(request({ method: 'OPTIONS', branch: 'z9hG4bKnotmine' }), 200))));
  assert.not.ok(layer.receiveResponse(inbound(responseTo(request({ method: 'OPTIONS', branch: null }), 200))));
  assert.not.ok(layer.receiveResponse(inbound(responseTo(request({ method: 'OPTIONS', branch: 'z9hG4bK' }), 200))));
  // Right branch, wrong CSeq method.
  assert.not.ok(layer.receiveResponse(inbound(responseTo(request({ method: 'INFO', branch: 'z9hG4bKmine' }), 200))));
  // A request is not a response.
  assert.not.ok(layer.receiveResponse(inbound(req)));
  assert.ok(layer.receiveResponse(inbound(responseTo(req, 200))));
});

test('ACKs: a stray ACK and an ACK for a 2xx with its own branch go to the TU; ACK never creates a transaction', () => {
  const { layer } = setup();
  const ack = request({ method: 'ACK', branch: 'z9hG4bKack', toTag: 'x' });
  assert.equal(layer.matchRequest(inbound(ack)), { kind: 'ack' });
  assert.throws(() => layer.createServerTransaction(inbound(ack), targetOf()), TypeError);
  assert.equal(layer.stats().server, 0);
});

test('createServerTransaction refuses a duplicate, and a 503 SipError past the bound (told to onServerCap)', () => {
  let capped = 0;
  const { layer } = setup({ maxServerTransactions: 2, onServerCap: () => capped++ });
  layer.createServerTransaction(inbound(request({ branch: 'z9hG4bK1' })), targetOf());
  assert.throws(() => layer.createServerTransaction(inbound(request({ branch: 'z9hG4bK1' })), targetOf()), /already exists/);
  layer.createServerTransaction(inbound(request({ branch: 'z9hG4bK2' })), targetOf());
  try {
    layer.createServerTransaction(inbound(request({ branch: 'z9hG4bK3' })), targetOf());
    assert.unreachable('a third transaction should be refused');
  } catch (e) {
    assert.instance(e, SipError);
    assert.is((e as SipError).status, 503);
  }
  assert.equal(layer.stats().server, 2);
  assert.is(capped, 1);
});

test('stop() cancels every timer and drops every transaction without calling the TU', () => {
  const { clock, sender, layer } = setup();
  const events: string[] = [];
  const inv = request({ branch: 'z9hG4bKs1' });
  const itx = layer.createServerTransaction(inbound(inv), targetOf());
  itx.onTerminated = () => events.push('terminated');
  itx.respond(createResponse(inv, 486, { toTag: 'x' }));
  const reg = request({ method: 'REGISTER', branch: 'z9hG4bKs2' });
  layer.createServerTransaction(inbound(reg), targetOf()).respond(createResponse(reg, 200, { toTag: 'y' }));
  layer.createServerTransaction(inbound(noBranch({ callId: 'c3' })), targetOf());
  layer.sendRequest(request({ branch: 'z9hG4bKc1' }), targetOf(), {
    onResponse: () => events.push('response'),
    onTimeout: () => events.push('timeout'),
    onTransportError: () => events.push('error'),
  });
  assert.equal(layer.stats(), { server: 3, client: 1 });
  assert.ok(clock.timerCount > 0);
  layer.stop();
  assert.equal(layer.stats(), { server: 0, client: 0 });
  assert.is(clock.timerCount, 0);
  const before = sender.sent.length;
  clock.advance(100_000);
  assert.is(sender.sent.length, before);
  assert.equal(events, []);
  assert.is(itx.state, 'terminated');
});

test('TU exceptions are logged, not thrown into the caller', () => {
  const logger = memoryLogger();
  const { clock, layer } = setup({ logger });
  const inv = request();
  const tx = layer.createServerTransaction(inbound(inv), targetOf());
  tx.onTimeout = () => {
    throw new Error('TU bug');
  };
  tx.respond(createResponse(inv, 500, { toTag: 'x' }));
  clock.advance(32_000);
  assert.is(tx.state, 'terminated');
  assert.ok(logger.lines.some((l) => l.includes('transaction user threw') && l.includes('onTimeout')));
});

test('the To tag of the 100 Trying is absent and the 2xx keeps the TU tag (createResponse contract)', () => {
  const { clock, sender, layer } = setup();
  const inv = request();
  const tx = layer.createServerTransaction(inbound(inv), targetOf());
  clock.advance(200);
  tx.respond(createResponse(inv, 200, { toTag: 'tu-tag' }));
  assert.is(getHeader(sender.sent[0]!.msg, 'to'), '<sip:1002@acme.example>');
  assert.match(getHeader(sender.sent[1]!.msg, 'to')!, /;tag=tu-tag$/);
});

test.run();
