import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import type { SipRequest } from '../sip/message/types.js';
import { AckAnswers } from './ack-answer.js';

function ack(cseq: number, body = '', contentType?: string): SipRequest {
  const headers = [{ name: 'cseq', value: `${cseq} ACK` }];
  if (contentType) headers.push({ name: 'content-type', value: contentType });
  return { kind: 'request', method: 'ACK', uri: 'sip:x@y', headers, body: Buffer.from(body) };
}

function user(verdict = true) {
  const seen = { answers: [] as string[], failures: [] as string[] };
  return { seen, u: { answered: (b: Buffer) => (seen.answers.push(b.toString()), verdict), failed: (c: string) => seen.failures.push(c) } };
}

test('the ACK with an answer is handed over once; a stray ACK of another INVITE is ignored', () => {
  const a = new AckAnswers(new FakeClock(), { t1: 500, t2: 4000 });
  const { seen, u } = user();
  a.expect('a', 2, u);
  assert.ok(a.waiting('a'));
  assert.not.ok(a.waiting('b'));
  assert.not.ok(a.onAck('a', ack(1, 'v=0')), 'an ACK of an older INVITE');
  assert.ok(a.onAck('a', ack(2, 'v=0', 'application/sdp')));
  assert.equal(seen.answers, ['v=0']);
  assert.not.ok(a.waiting('a'));
  assert.not.ok(a.onAck('a', ack(2, 'v=0')), 'a retransmitted ACK finds nothing pending');
  assert.equal(seen.failures, []);
});

test('an ACK without SDP, with another body type, or with SDP that is no answer: failed, with the reason', () => {
  for (const [req, verdict, cause] of [
    [ack(3), true, /without the SDP answer/],
    [ack(3, 'hello', 'text/plain'), true, /not SDP/],
    [ack(3, 'v=0', 'application/sdp'), false, /does not fit/],
  ] as const) {
    const a = new AckAnswers(new FakeClock(), { t1: 500, t2: 4000 });
    const { seen, u } = user(verdict);
    a.expect('b', 3, u);
    assert.ok(a.onAck('b', req));
    assert.is(seen.failures.length, 1);
    assert.match(seen.failures[0]!, cause);
  }
});

test('the 2xx is resent at T1, 2*T1 ... up to T2 until the ACK; after 64*T1 without one the user is told', () => {
  const clock = new FakeClock();
  const a = new AckAnswers(clock, { t1: 500, t2: 4000 });
  const { seen, u } = user();
  let resent = 0;
  a.expect('a', 5, u, () => resent++);
  clock.advance(500);
  assert.is(resent, 1);
  clock.advance(1000);
  assert.is(resent, 2);
  clock.advance(64 * 500);
  assert.equal(seen.failures, ['no ACK for the 200 that carried our offer']);
  const n = resent;
  clock.advance(60_000);
  assert.is(resent, n);
});

test('without resend (reliable transport) the ACK is still awaited only 64*T1', () => {
  const clock = new FakeClock();
  const a = new AckAnswers(clock, { t1: 500, t2: 4000 });
  const { seen, u } = user();
  a.expect('b', 2, u);
  clock.advance(64 * 500 - 1);
  assert.equal(seen.failures, []);
  clock.advance(1);
  assert.equal(seen.failures, ['no ACK for the 200 that carried our offer']);
  assert.not.ok(a.waiting('b'));
});

test('the ACK stops the retransmission; stop() does too', () => {
  const clock = new FakeClock();
  const a = new AckAnswers(clock, { t1: 500, t2: 4000 });
  let resent = 0;
  a.expect('a', 5, user().u, () => resent++);
  a.onAck('a', ack(5, 'v=0'));
  a.expect('b', 9, user().u, () => resent++);
  a.stop();
  clock.advance(60_000);
  assert.is(resent, 0);
});

test.run();
