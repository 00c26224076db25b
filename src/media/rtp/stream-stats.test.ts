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

/**
 * RFC 3550 §6.4.1 written out in timestamp units, for checking: D(i,j) = (Rj - Ri) - (Sj - Si)
 * with R the arrival in timestamp units, J += (|D| - J) / 16; returned in ms.
 */
function referenceJitterMs(packets: ReadonlyArray<{ ts: number; arrivalMs: number }>, rate: number): number {
  let j = 0;
  for (let i = 1; i < packets.length; i++) {
    const a = packets[i - 1]!;
    const b = packets[i]!;
    const d = (b.arrivalMs - a.arrivalMs) * (rate / 1000) - (b.ts - a.ts);
    j += (Math.abs(d) - j) / 16;
  }
  return j / (rate / 1000);
}

/** Opus (48 kHz, 960 units per 20 ms packet) with a fixed arrival schedule: a few packets late or early. */
const OPUS_SCHEDULE = [0, 0, 5, 0, 0, -3, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0].map((late, i) => ({ seq: 100 + i, ts: 5000 + i * 960, arrivalMs: 1000 + i * 20 + late }));

test('Opus at 48 kHz: with its rtpmap clock the jitter in ms is RFC 3550 §6.4.1; the 8 kHz default would be far off', () => {
  const s = new StreamStats(8000);
  s.setPayloadClocks([[111, 48000], [101, 0]]);
  for (const p of OPUS_SCHEDULE) s.update(p.seq, p.ts, 9, p.arrivalMs, 111);
  const want = referenceJitterMs(OPUS_SCHEDULE, 48000);
  assert.ok(want > 0.5 && want < 2, `reference ${want}`);
  assert.ok(Math.abs(s.jitterMs - want) < 1e-9, `${s.jitterMs} vs ${want}`);

  // What the 8 kHz assumption gave: every on-time packet looks 100 ms off (960 units read as 120 ms).
  const wrong = new StreamStats(8000);
  for (const p of OPUS_SCHEDULE) wrong.update(p.seq, p.ts, 9, p.arrivalMs, 111);
  assert.ok(wrong.jitterMs > 50, `the old result ${wrong.jitterMs}`);
});

test('a perfectly timed 48 kHz stream has zero jitter; G.722 (payload type 9) runs at 8 kHz per RFC 3551', () => {
  const s = new StreamStats(8000);
  s.setPayloadClocks([[111, 48000], [9, 8000]]);
  for (let i = 0; i < 10; i++) s.update(i, i * 960, 3, i * 20, 111);
  assert.is(s.jitterMs, 0);
  const g722 = new StreamStats(8000);
  g722.setPayloadClocks([[9, 8000]]);
  for (let i = 0; i < 10; i++) g722.update(i, i * 160, 3, i * 20, 9);
  assert.is(g722.jitterMs, 0);
});

test('telephone-event (clock 0) counts for loss but not jitter; a change of clock starts the transit over', () => {
  const s = new StreamStats(8000);
  s.setPayloadClocks([[111, 48000], [101, 0]]);
  s.update(1, 0, 4, 0, 111);
  s.update(2, 960, 4, 20, 111);
  // An RFC 4733 event: three packets, one timestamp, 20 ms apart.
  s.update(3, 1920, 4, 40, 101);
  s.update(4, 1920, 4, 60, 101);
  s.update(5, 1920, 4, 80, 101);
  s.update(6, 4800, 4, 100, 111);
  assert.is(s.jitterMs, 0);
  assert.is(s.expected, 6);
  assert.is(s.lost, 0);
  // An unknown payload type uses the default rate; switching clocks is not a jump.
  s.update(7, 5000, 4, 120, 0);
  assert.is(s.jitterMs, 0);
  // setPayloadClocks ignores what is not a payload type or a rate.
  s.setPayloadClocks([[128, 48000], [-1, 8000], [5, -1], [6, Number.NaN]]);
  s.update(8, 5160, 4, 140, 0);
  assert.is(s.jitterMs, 0);
});

test('new payload clocks mid-stream (a re-INVITE) apply from the next packet of the same payload type', () => {
  // The rate of the last payload type is remembered between packets: the new table must replace it.
  const s = new StreamStats(8000);
  s.setPayloadClocks([[96, 48000]]);
  // 20 ms apart at 48 kHz (960 per packet), but arriving 30 ms apart: 10 ms of jitter per packet.
  for (let i = 0; i < 20; i++) s.update(i, i * 960, 5, i * 30, 96);
  const at48k = s.jitterMs;
  assert.ok(at48k > 5, `jitter ${at48k}`);
  // Now payload type 96 is telephone-event-like (clock 0): no more jitter from it.
  s.setPayloadClocks([[96, 0]]);
  for (let i = 20; i < 40; i++) s.update(i, i * 960, 5, i * 200, 96);
  assert.is(s.jitterMs, at48k);
  assert.is(s.lost, 0);
});

test.run();
