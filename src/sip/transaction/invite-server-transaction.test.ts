import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { getHeader } from '../message/headers.js';
import { createResponse } from '../message/response.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';
import { FakeSender } from './fake-sender.js';
import { inbound, request, targetOf } from './sample-messages.js';
import { TransactionLayer } from './transaction-layer.js';
import type { ServerTransaction } from './types.js';

function setup() {
  const clock = new FakeClock(0);
  const sender = new FakeSender(clock);
  const layer = new TransactionLayer({ sender, clock });
  const events: string[] = [];
  const open = (req: SipRequest, protocol: 'udp' | 'tcp' = 'udp'): ServerTransaction => {
    const src = { protocol, address: '192.0.2.10', port: 5060 } as const;
    assert.equal(layer.matchRequest(inbound(req, src)), { kind: 'new' });
    const tx = layer.createServerTransaction(inbound(req, src), targetOf(src));
    tx.onTerminated = () => events.push('terminated');
    tx.onTimeout = () => events.push('timeout');
    tx.onTransportError = (e) => events.push(`transport-error ${(e as Error).message}`);
    tx.onAck = (ack) => events.push(`ack ${ack.method}`);
    return tx;
  };
  return { clock, sender, layer, events, open };
}

const status = (s: number) => (m: SipMessage) => m.kind === 'response' && m.status === s;
const flush = () => new Promise<void>((r) => setImmediate(r));
const ackFor = (req: SipRequest, res: SipResponse, branch = 'z9hG4bKtest1') =>
  request({ method: 'ACK', branch, toTag: /;tag=([^;]+)/.exec(getHeader(res, 'to')!)![1]!, cseq: 1 });

test('100 Trying goes out by itself when the TU is silent for 200 ms; it has no To tag', () => {
  const { clock, sender, layer, open } = setup();
  const invite = request();
  const tx = open(invite);
  clock.advance(199);
  assert.is(sender.sent.length, 0);
  clock.advance(1);
  assert.is(sender.sent.length, 1);
  const trying = sender.sent[0]!.msg as SipResponse;
  assert.is(trying.status, 100);
  assert.is(getHeader(trying, 'to'), '<sip:1002@acme.example>');
  assert.is(tx.lastResponse, trying);
  assert.is(tx.state, 'proceeding');
  // A retransmitted INVITE re-sends the most recent provisional response.
  clock.advance(300);
  assert.equal(layer.matchRequest(inbound(request())), { kind: 'absorbed' });
  assert.equal(sender.timesOf(0, status(100)), [200, 500]);
});

test('no 100 Trying when the TU answers within 200 ms; retransmissions re-send its latest 1xx', () => {
  const { clock, sender, layer, open } = setup();
  const invite = request();
  const tx = open(invite);
  clock.advance(50);
  tx.respond(createResponse(invite, 180, { toTag: 'uas' }));
  tx.respond(createResponse(invite, 183, { toTag: 'uas' }));
  clock.advance(1000);
  assert.equal(layer.matchRequest(inbound(request())), { kind: 'absorbed' });
  assert.equal(sender.sent.map((s) => (s.msg as SipResponse).status), [180, 183, 183]);
});

test('300-699 over UDP: Timer G retransmits (T1 doubling to T2); INVITE retransmissions re-send it; Timer H times out', () => {
  const { clock, sender, layer, events, open } = setup();
  const invite = request();
  const tx = open(invite);
  clock.advance(1000);
  tx.respond(createResponse(invite, 486, { toTag: 'uas' }));
  assert.is(tx.state, 'completed');
  clock.advance(31_999);
  const g = [1000, 1500, 2500, 4500, 8500, 12500, 16500, 20500, 24500, 28500, 32500];
  assert.equal(sender.timesOf(0, status(486)), g);
  assert.equal(layer.matchRequest(inbound(request())), { kind: 'absorbed' });
  assert.equal(sender.timesOf(0, status(486)), [...g, 32_999]);
  assert.equal(events, []);
  clock.advance(1);
  assert.equal(events, ['timeout', 'terminated']);
  assert.is(tx.state, 'terminated');
  assert.equal(layer.stats(), { server: 0, client: 0 });
  assert.is(clock.timerCount, 0);
  // The transaction is gone: the next copy of the INVITE is new to the TU.
  assert.equal(layer.matchRequest(inbound(request())), { kind: 'new' });
});

test('the ACK for a non-2xx is absorbed: Confirmed, retransmissions stop, ACK copies absorbed, Timer I ends it', () => {
  const { clock, sender, layer, events, open } = setup();
  const invite = request();
  const tx = open(invite);
  const busy = createResponse(invite, 486, { toTag: 'uas' });
  tx.respond(busy);
  clock.advance(600);
  assert.equal(layer.matchRequest(inbound(ackFor(invite, busy))), { kind: 'absorbed' });
  assert.is(tx.state, 'confirmed');
  assert.equal(events, ['ack ACK']);
  clock.advance(1000);
  assert.equal(layer.matchRequest(inbound(ackFor(invite, busy))), { kind: 'absorbed' });
  assert.equal(layer.matchRequest(inbound(request())), { kind: 'absorbed' });
  assert.equal(events, ['ack ACK']);
  assert.equal(sender.timesOf(0, status(486)), [0, 500]);
  clock.advance(5000 - 1000 - 1);
  assert.is(tx.state, 'confirmed');
  clock.advance(1);
  assert.equal(events, ['ack ACK', 'terminated']);
  assert.equal(layer.stats().server, 0);
  assert.is(clock.timerCount, 0);
});

test('TCP: no Timer G; the ACK ends the transaction at once (Timer I is zero); without ACK Timer H still fires', () => {
  const { clock, sender, layer, events, open } = setup();
  const a = request({ transport: 'TCP' });
  const txA = open(a, 'tcp');
  const busy = createResponse(a, 486, { toTag: 'uas' });
  txA.respond(busy);
  clock.advance(10_000);
  assert.equal(sender.timesOf(0, status(486)), [0]);
  const ack = ackFor(a, busy);
  assert.equal(layer.matchRequest(inbound(ack, { protocol: 'tcp', address: '192.0.2.10', port: 5060 })), { kind: 'absorbed' });
  assert.is(txA.state, 'terminated');
  assert.equal(events, ['ack ACK', 'terminated']);

  const b = request({ transport: 'TCP', branch: 'z9hG4bKsecond' });
  const txB = open(b, 'tcp');
  txB.respond(createResponse(b, 480, { toTag: 'uas' }));
  clock.advance(31_999);
  assert.is(txB.state, 'completed');
  clock.advance(1);
  assert.equal(events, ['ack ACK', 'terminated', 'timeout', 'terminated']);
  assert.equal(layer.stats().server, 0);
});

test('RFC 6026 Accepted: INVITE copies absorbed, the TU retransmits its 2xx, the ACK is for the TU, Timer L ends it', () => {
  const { clock, sender, layer, events, open } = setup();
  const invite = request();
  const tx = open(invite);
  const ok = createResponse(invite, 200, { toTag: 'uas' });
  tx.respond(ok);
  assert.is(tx.state, 'accepted');
  clock.advance(500);
  assert.equal(layer.matchRequest(inbound(request())), { kind: 'absorbed' });
  assert.equal(sender.sent.length, 1, 'the transaction does not retransmit the 2xx itself');
  tx.respond(ok);
  tx.respond(createResponse(invite, 486, { toTag: 'uas' }));
  assert.equal(sender.timesOf(0, status(200)), [0, 500]);
  assert.equal(sender.timesOf(0, status(486)), []);
  // An ACK for the 2xx normally has a branch of its own: it matches no transaction.
  assert.equal(layer.matchRequest(inbound(ackFor(invite, ok, 'z9hG4bKack2xx'))), { kind: 'ack' });
  // A peer that reuses the INVITE branch for it reaches the Accepted transaction, and the TU.
  const m = layer.matchRequest(inbound(ackFor(invite, ok)));
  assert.is(m.kind, 'ack');
  assert.is(m.kind === 'ack' ? m.transaction : undefined, tx);
  assert.equal(events, []);
  clock.advance(32_000 - 500 - 1);
  assert.is(tx.state, 'accepted');
  clock.advance(1);
  assert.equal(events, ['terminated']);
  assert.equal(layer.stats().server, 0);
  assert.equal(layer.matchRequest(inbound(ackFor(invite, ok))), { kind: 'ack' });
});

test('transport errors are reported to the TU without destroying the transaction (RFC 6026 §7.1)', async () => {
  const { clock, sender, layer, events, open } = setup();
  const invite = request();
  const tx = open(invite);
  sender.failWith = () => new Error('EPIPE');
  tx.respond(createResponse(invite, 180, { toTag: 'uas' }));
  await flush();
  assert.equal(events, ['transport-error EPIPE']);
  assert.is(tx.state, 'proceeding');
  sender.failWith = undefined;
  tx.respond(createResponse(invite, 500, { toTag: 'uas' }));
  assert.is(tx.state, 'completed');
  assert.equal(layer.matchRequest(inbound(request())), { kind: 'absorbed' });
  clock.advance(32_000);
  assert.equal(events, ['transport-error EPIPE', 'timeout', 'terminated']);
});

test('responses after the end, and bad status codes', () => {
  const { clock, sender, open } = setup();
  const invite = request();
  const tx = open(invite);
  assert.throws(() => tx.respond({ ...createResponse(invite, 200), status: 99 }), RangeError);
  tx.respond(createResponse(invite, 404, { toTag: 'uas' }));
  tx.respond(createResponse(invite, 200, { toTag: 'uas' }));
  clock.advance(40_000);
  assert.is(tx.state, 'terminated');
  tx.respond(createResponse(invite, 200, { toTag: 'uas' }));
  assert.equal(sender.sent.filter((s) => (s.msg as SipResponse).status === 200).length, 0);
});

test('responses go to the response target the caller chose', () => {
  const { sender, layer } = setup();
  const invite = request();
  const tx = layer.createServerTransaction(inbound(invite), { protocol: 'udp', address: '203.0.113.7', port: 40000 });
  tx.respond(createResponse(invite, 180, { toTag: 'uas' }));
  assert.equal(sender.sent[0]!.target, { protocol: 'udp', address: '203.0.113.7', port: 40000 });
});

test.run();
