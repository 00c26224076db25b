import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { JitterBuffer, PULL_EMPTY, PULL_LOST, type JitterBufferOptions } from './jitter-buffer.js';

const FRAME = 160; // 20 ms of G.711 at 8 kHz

function setup(opts: Partial<JitterBufferOptions> = {}) {
  const clock = new FakeClock(1_000_000);
  const jb = new JitterBuffer({ clock, clockRate: 8000, ...opts });
  const out = Buffer.alloc(1500);
  const payload = Buffer.alloc(FRAME);
  /** A packet whose payload names its sequence number, so the output order can be read back. */
  const push = (seq: number, o: { ts?: number; ssrc?: number; marker?: boolean; tag?: number } = {}) => {
    payload.writeUInt16BE(o.tag ?? seq & 0xffff, 0);
    jb.push(payload, 0, FRAME, seq, o.ts ?? seq * FRAME, o.ssrc ?? 7, o.marker ?? false);
  };
  /** One pull: the tag of the frame, or 'L' (lost) or '-' (empty). */
  const pull = (): string | number => {
    const r = jb.pull(out);
    if (r === PULL_LOST) return 'L';
    if (r === PULL_EMPTY) return '-';
    assert.is(r, FRAME);
    return out.readUInt16BE(0);
  };
  return { clock, jb, push, pull };
}

test('in order: each frame comes out once, in order, after the 20 ms minimum delay', () => {
  const s = setup();
  const got: Array<string | number> = [];
  for (let seq = 100; seq < 110; seq++) {
    s.push(seq);
    s.clock.advance(10);
    got.push(s.pull());
    s.clock.advance(10);
  }
  assert.equal(got, [100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
  assert.is(s.jb.counters.played, 10);
  assert.is(s.jb.counters.lost, 0);
  assert.is(s.jb.frameSeq, 109);
  assert.is(s.jb.frameTimestamp, 109 * FRAME);
});

test('reordered packets are played in sequence order', () => {
  const s = setup({ minDelayMs: 60 });
  const order = [1, 3, 2, 4, 6, 5, 7, 8, 10, 9, 11, 12];
  const got: Array<string | number> = [];
  for (const seq of order) {
    s.push(seq);
    s.clock.advance(20);
    got.push(s.pull());
  }
  for (let i = 0; i < 4; i++) got.push(s.pull());
  assert.equal(got.filter((g) => typeof g === 'number'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.equal(got.slice(-2), ['L', 'L'], 'the end of the stream is concealed as an underrun');
  assert.is(s.jb.counters.lost, 0);
  assert.is(s.jb.counters.late, 0);
});

test('a packet reordered before the very first one is still played', () => {
  const s = setup({ minDelayMs: 40 });
  s.push(11);
  s.push(10);
  s.push(12);
  s.clock.advance(5);
  assert.equal([s.pull(), s.pull(), s.pull()], [10, 11, 12]);
});

test('a lost frame is reported as a gap, and the stream goes on', () => {
  const s = setup();
  const got: Array<string | number> = [];
  for (let seq = 0; seq < 6; seq++) {
    if (seq !== 3) s.push(seq);
    s.clock.advance(20);
    got.push(s.pull());
  }
  s.push(6);
  got.push(s.pull(), s.pull());
  // 3 is missing: the buffer was empty when it was due (underrun, concealed without moving
  // on, in case it is late); once 4 is there, 3 is declared lost.
  assert.equal(got.filter((g) => g !== '-'), [0, 1, 2, 'L', 'L', 4, 5, 6]);
  assert.is(s.jb.counters.lost, 1);
});

test('burst loss: each missing frame is one gap', () => {
  const s = setup({ minDelayMs: 40 });
  for (const seq of [0, 1, 2, 8, 9, 10]) s.push(seq);
  s.clock.advance(100);
  const got: Array<string | number> = [];
  for (let i = 0; i < 11; i++) got.push(s.pull());
  assert.equal(got, [0, 1, 2, 'L', 'L', 'L', 'L', 'L', 8, 9, 10]);
  assert.is(s.jb.counters.lost, 5);
});

test('duplicates are dropped and counted', () => {
  const s = setup({ minDelayMs: 40 });
  s.push(1);
  s.push(1);
  s.push(2);
  s.push(1);
  s.clock.advance(50);
  assert.equal([s.pull(), s.pull(), s.pull()], [1, 2, 'L']);
  assert.is(s.jb.counters.duplicates, 2);
});

test('a packet older than what was played is dropped as late', () => {
  const s = setup();
  s.push(1);
  s.push(2);
  s.push(4);
  s.clock.advance(40);
  assert.equal([s.pull(), s.pull(), s.pull(), s.pull()], [1, 2, 'L', 4]);
  s.push(3); // arrives after its gap was concealed
  s.push(2); // and a stale duplicate
  assert.is(s.jb.counters.late, 2);
  assert.is(s.jb.counters.played, 3);
});

test('sequence numbers and timestamps wrap around', () => {
  const s = setup();
  const seqs = [65533, 65534, 65535, 0, 1, 2];
  const got: Array<string | number> = [];
  for (let i = 0; i < seqs.length; i++) {
    // timestamps cross 2^32 as well
    s.push(seqs[i], { ts: (0xffff_ff00 + i * FRAME) >>> 0 });
    s.clock.advance(20);
    got.push(s.pull());
  }
  // 1 arrives before 0: reordered across the wrap
  assert.equal(got, [65533, 65534, 65535, 0, 1, 2]);
  assert.is(s.jb.counters.lost + s.jb.counters.late + s.jb.counters.outOfWindow + s.jb.counters.resets, 0);
  assert.ok(s.jb.jitterMs < 1, 'a timestamp wrap is not jitter');

  const r = setup({ minDelayMs: 60 });
  for (const q of [65534, 0, 65535, 1]) r.push(q);
  r.clock.advance(5);
  assert.equal([r.pull(), r.pull(), r.pull(), r.pull()], [65534, 65535, 0, 1]);
});

test('new SSRC resets the buffer; a marker after a pause re-buffers', () => {
  const s = setup({ minDelayMs: 40 });
  s.push(10);
  s.push(11);
  s.clock.advance(40);
  assert.is(s.pull(), 10);
  s.push(500, { ssrc: 8, ts: 99 });
  assert.is(s.jb.counters.resets, 1);
  s.push(501, { ssrc: 8, ts: 99 + FRAME });
  assert.equal([s.pull(), s.pull()], [500, 501], 'the old stream is gone');

  // Talk spurt ends; the buffer conceals a few frames, then goes quiet.
  const got: Array<string | number> = [];
  for (let i = 0; i < 8; i++) got.push(s.pull());
  assert.equal(got, ['L', 'L', 'L', 'L', 'L', '-', '-', '-']);
  // New spurt: marker, timestamp jumped by 10 s, sequence contiguous.
  s.push(502, { ssrc: 8, ts: 99 + 80000, marker: true });
  assert.is(s.pull(), '-', 'waits for the target delay again');
  s.push(503, { ssrc: 8, ts: 99 + 80000 + FRAME });
  s.clock.advance(s.jb.targetDelayMs);
  assert.equal([s.pull(), s.pull()], [502, 503]);
  assert.ok(s.jb.jitterMs < 5, 'the silence is not counted as jitter');
});

test('a far sequence jump is believed only when the next packet follows it', () => {
  const s = setup();
  s.push(100);
  s.clock.advance(20);
  assert.is(s.pull(), 100);
  s.push(101);
  s.push(30000, { tag: 1 }); // a stray packet
  assert.is(s.jb.counters.outOfWindow, 1);
  assert.is(s.pull(), 101);
  s.push(40000);
  assert.is(s.jb.counters.outOfWindow, 2);
  s.push(40001);
  assert.is(s.jb.counters.resets, 1);
  s.clock.advance(20);
  assert.equal([s.pull(), s.pull()], [40000, 40001]);
});

test('hostile input: oversize or inconsistent payload bounds are dropped, never thrown', () => {
  const s = setup({ maxPayloadBytes: 200 });
  s.jb.push(Buffer.alloc(300), 0, 300, 1, 1, 1, false);
  s.jb.push(Buffer.alloc(10), 5, 10, 1, 1, 1, false);
  s.jb.push(Buffer.alloc(10), -1, 5, 1, 1, 1, false);
  assert.is(s.jb.counters.oversize, 3);
  assert.is(s.pull(), '-');
  assert.throws(() => new JitterBuffer({ clock: s.clock, clockRate: 8000, capacity: 48 }), /power of two/);
});

/** A 20 ms stream through a network with the given extra delay per packet; pulls every 20 ms. */
function simulate(s: ReturnType<typeof setup>, firstSeq: number, n: number, delayOf: (i: number) => number, startMs: number) {
  type Ev = { at: number; kind: 'arrive' | 'pull'; seq: number };
  const evs: Ev[] = [];
  for (let i = 0; i < n; i++) {
    evs.push({ at: startMs + i * 20 + delayOf(i), kind: 'arrive', seq: firstSeq + i });
    evs.push({ at: startMs + i * 20 + 10, kind: 'pull', seq: 0 });
  }
  evs.sort((a, b) => a.at - b.at || (a.kind === 'arrive' ? -1 : 1));
  const base = s.clock.now() - startMs;
  let played = 0;
  for (const e of evs) {
    s.clock.advanceTo(base + e.at);
    if (e.kind === 'arrive') s.push(e.seq);
    else if (typeof s.pull() === 'number') played++;
  }
  return played;
}

test('delay adapts: grows fast under jitter, shrinks slowly when the network calms', () => {
  const s = setup();
  // calm: fixed 5 ms network delay
  simulate(s, 0, 100, () => 5, 0);
  assert.is(s.jb.targetDelayMs, 20);
  assert.is(s.jb.counters.lost + s.jb.counters.underruns, 0);

  // jittery: 0-80 ms of extra delay, pseudo-random
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) % 81);
  simulate(s, 100, 250, () => 5 + rnd(), 2000);
  const high = s.jb.targetDelayMs;
  assert.ok(high >= 80, `target grew to ${high} ms`);
  assert.ok(high <= 200, 'never beyond 200 ms');
  assert.ok(s.jb.jitterMs > 10, `jitter ${s.jb.jitterMs} ms`);

  // the last 150 frames of the jittery phase are mostly played, few gaps once adapted
  const before = s.jb.counters.played;
  simulate(s, 350, 150, () => 5 + rnd(), 7000);
  const playedShare = (s.jb.counters.played - before) / 150;
  assert.ok(playedShare > 0.9, `played ${playedShare} of the frames under jitter once adapted`);

  // calm again: the target comes down, over seconds rather than at once
  simulate(s, 500, 25, () => 5, 11000);
  const after500ms = s.jb.targetDelayMs;
  assert.ok(after500ms > 40, `still ${after500ms} ms after half a second`);
  simulate(s, 525, 1000, () => 5, 11500);
  assert.ok(s.jb.targetDelayMs < 30, `back down to ${s.jb.targetDelayMs} ms`);
  assert.ok(s.jb.bufferedMs <= 40, `buffer drained to ${s.jb.bufferedMs} ms`);
  assert.ok(s.jb.counters.shrinkDrops > 0, 'excess delay was dropped');
});

test('an underrun raises the target by a frame', () => {
  const s = setup();
  s.push(1);
  s.clock.advance(20);
  assert.is(s.pull(), 1);
  assert.is(s.pull(), 'L');
  assert.is(s.jb.targetDelayMs, 40);
  s.push(2); // late, but not lost: it still plays
  assert.is(s.pull(), 2);
  assert.is(s.jb.counters.lost, 0);
});

test.run();
