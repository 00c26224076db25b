import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SipResponse } from '../sip/message/types.js';
import { FakeClock } from '../util/fake-clock.js';
import { UasOkRetransmits } from './uas-ok-retransmits.js';

const ok = { kind: 'response', status: 200, reason: 'OK', headers: [], body: Buffer.alloc(0) } as unknown as SipResponse;
const udp = { protocol: 'udp' as const, address: '192.0.2.1', port: 5060 };

test('the 200 goes again at T1, 2T1, 4T1 … capped at T2 until the ACK; then nothing more', () => {
  const clock = new FakeClock(0);
  const sent: number[] = [];
  const r = new UasOkRetransmits(clock, () => ({ t1: 500, t2: 4000 }), () => sent.push(clock.now()));
  let broken = false;
  r.start('k', ok, udp, () => (broken = true));
  clock.advance(500 + 1000 + 2000 + 4000 + 4000);
  assert.equal(sent, [500, 1500, 3500, 7500, 11500]);
  assert.ok(r.ack('k'));
  clock.advance(60_000);
  assert.is(sent.length, 5);
  assert.not.ok(broken);
  assert.not.ok(r.ack('k'), 'nothing pending any more');
});

test('no ACK within 64*T1: the owner is told once; over TCP nothing is retransmitted', () => {
  const clock = new FakeClock(0);
  let sent = 0;
  let broken = 0;
  const r = new UasOkRetransmits(clock, () => ({ t1: 500, t2: 4000 }), () => sent++);
  r.start('k', ok, udp, () => broken++);
  clock.advance(64 * 500 + 10_000);
  assert.is(broken, 1);
  assert.ok(sent > 5);
  const before = sent;
  r.start('t', ok, { ...udp, protocol: 'tcp' }, () => broken++);
  clock.advance(64 * 500 + 10_000);
  assert.is(sent, before);
  assert.is(broken, 1);
});

test.run();
