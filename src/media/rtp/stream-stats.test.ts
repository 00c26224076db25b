import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StreamStats } from './stream-stats.js';

/** Feed packets 20 ms apart with G.711 timestamps (160 per packet) unless told otherwise. */
function feed(s: StreamStats, seqs: number[], ssrc = 1, start = 0): void {
  for (const seq of seqs) s.update(seq, seq * 160, ssrc, start + seq * 20);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('no loss and no jitter for a perfect stream', () => {
  const s = new StreamStats(8000);
  feed(s, range(1, 50));
  assert.is(s.expected, 50);
  assert.is(s.lost, 0);
  assert.is(s.jitterMs, 0);
  assert.is(s.currentSsrc, 1);
});

test('a skipped sequence number counts as one lost packet', () => {
  const s = new StreamStats();
  feed(s, [...range(1, 4), ...range(6, 10)]);
  assert.is(s.expected, 10);
  assert.is(s.lost, 1);
});

test('sequence wrap-around is not loss (RFC 3550 A.1 cycles)', () => {
  const s = new StreamStats();
  for (const [i, seq] of [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 4, 5].entries()) s.update(seq, i * 160, 7, i * 20);
  assert.is(s.expected, 12); // 65530..5
  assert.is(s.lost, 2); // 2 and 3
});

test('reordered and duplicated packets are not loss, and loss never goes negative', () => {
  const s = new StreamStats();
  feed(s, [1, 2, 4, 3, 5, 5, 5]);
  assert.is(s.expected, 5);
  assert.is(s.lost, 0);
});

test('a new SSRC starts a new source; the old one stays in the totals', () => {
  const s = new StreamStats();
  feed(s, range(1, 5), 111);
  feed(s, [1000, 1001, 1003, 1004], 222, 10_000);
  assert.is(s.currentSsrc, 222);
  assert.is(s.expected, 10);
  assert.is(s.lost, 1);
});

test('a large jump confirmed by the next packet resynchronises instead of counting thousands lost', () => {
  const s = new StreamStats();
  feed(s, range(1, 5));
  feed(s, [40000, 40001, 40002]);
  assert.is(s.lost, 0);
  // A single wild packet is ignored, not taken as a restart.
  feed(s, [20000, 40003]);
  assert.is(s.lost, 0);
  assert.is(s.expected, 5 + 3); // 1..5, then 40001..40003
});

test('restart() (re-INVITE) accepts a new sequence with the same SSRC', () => {
  const s = new StreamStats();
  feed(s, range(1, 5), 9);
  s.restart();
  feed(s, range(30000, 30004), 9, 5000);
  assert.is(s.expected, 10);
  assert.is(s.lost, 0);
});

test('jitter follows RFC 3550 A.8: J += (|D| - J) / 16', () => {
  const s = new StreamStats(8000);
  s.update(1, 0, 5, 0);
  s.update(2, 160, 5, 30); // 30 ms after the first, 20 ms of timestamp: D = 240 - 160 = 80 units
  assert.is(s.jitterMs, 80 / 16 / 8);
  s.update(3, 320, 5, 50); // 20 ms later with 20 ms of timestamp: D = 0, J decays
  const j2 = 80 / 16 + (0 - 80 / 16) / 16;
  assert.ok(Math.abs(s.jitterMs - j2 / 8) < 1e-9);
  assert.ok(s.maxJitterMs >= s.jitterMs);
});

test('a timestamp wrap between two packets is not a jump of 2^32', () => {
  const s = new StreamStats(8000);
  s.update(1, 0xffffff60, 5, 0);
  s.update(2, 0x00000000, 5, 20); // +160 across the wrap, on time
  assert.is(s.jitterMs, 0);
});

test('48 kHz clock rate: jitter in ms does not depend on the rate', () => {
  const s = new StreamStats(48000);
  s.update(1, 0, 5, 0);
  s.update(2, 960, 5, 30);
  assert.ok(Math.abs(s.jitterMs - 10 / 16) < 1e-9);
});

test.run();
