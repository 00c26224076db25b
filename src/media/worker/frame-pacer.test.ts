import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TRANSCODABLE_CODECS } from '../../sdp/codecs.js';
import { canTranscode, createFrameCodec } from './codec-registry.js';
import { FramePacer, type PacerTimers } from './frame-pacer.js';

function fake() {
  const clock = { t: 0 };
  const pending: Array<{ fn: () => void; at: number }> = [];
  const timers: PacerTimers = {
    now: () => clock.t,
    setTimeout: (fn, ms) => {
      const h = { fn, at: clock.t + ms };
      pending.push(h);
      return h;
    },
    clearTimeout: (h) => {
      const i = pending.indexOf(h as never);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  /** Move the clock to `t`, firing the timer (late, when t is past its time). */
  const fireAt = (t: number) => {
    clock.t = t;
    pending.splice(0).forEach((h) => h.fn());
  };
  return { clock, pending, timers, fireAt };
}

test('frames follow the monotonic clock, not the timer: a late wake runs the frames due, counted late', () => {
  const f = fake();
  const pacer = new FramePacer(f.timers);
  let ticks = 0;
  pacer.add({ tick: () => ticks++ });
  assert.is(f.pending[0]!.at, 20);
  f.fireAt(20);
  assert.is(ticks, 1);
  assert.is(pacer.late, 0);
  f.fireAt(75); // due at 40 and 60: both run now, both more than 10 ms late
  assert.is(ticks, 3);
  assert.is(pacer.late, 2);
  assert.is(f.pending[0]!.at, 80, 'the next wake is at the next due frame');
});

test('a stalled loop skips what it cannot catch up instead of bursting; a throwing member does not stop the others', () => {
  const f = fake();
  const errors: unknown[] = [];
  const pacer = new FramePacer(f.timers, (e) => errors.push(e));
  let ticks = 0;
  pacer.add({ tick: () => { throw new Error('boom'); } });
  pacer.add({ tick: () => ticks++ });
  f.fireAt(1000); // 50 frames due: 5 run, the rest skipped
  assert.is(ticks, 5);
  assert.is(pacer.frames, 5);
  assert.is(pacer.skipped, 45);
  assert.is(errors.length, 5);
  assert.ok(f.pending[0]!.at > 1000);
});

test('the timer runs only while a member needs it', () => {
  const f = fake();
  const pacer = new FramePacer(f.timers);
  const m = { tick: () => {} };
  assert.not.ok(pacer.running);
  pacer.add(m);
  assert.ok(pacer.running);
  pacer.remove(m);
  assert.not.ok(pacer.running);
  assert.is(f.pending.length, 0);
});

test('every codec the B2BUA offers for transcoding (TRANSCODABLE_CODECS) has a coder in the worker', () => {
  for (const c of TRANSCODABLE_CODECS) {
    const lc = { payloadType: c.staticPayloadType ?? 96, name: c.name, clockRate: c.clockRate, channels: c.channels };
    assert.ok(canTranscode(lc), c.name);
    const coder = createFrameCodec(lc)!;
    const pcm = new Int16Array(coder.frameSamples);
    const out = new Uint8Array(coder.maxPayloadBytes);
    const bytes = coder.encode(pcm, out);
    // G.711 and G.722 are constant rate; Opus's packets vary, never above maxPayloadBytes.
    if (c.name === 'opus') assert.ok(bytes > 0 && bytes <= coder.maxPayloadBytes, `opus: ${bytes} bytes`);
    else assert.is(bytes, coder.maxPayloadBytes);
    assert.is(coder.decode(out.subarray(0, bytes), new Int16Array(coder.decodedSamples(bytes))), coder.frameSamples);
    assert.is((coder.rtpClock * 20) / 1000, c.name === 'opus' ? 960 : 160, `${c.name}: RTP units per 20 ms`);
    coder.close?.();
  }
  assert.not.ok(canTranscode({ payloadType: 111, name: 'opus', clockRate: 8000, channels: 2 }), 'Opus runs at 48000 only');
  assert.not.ok(canTranscode({ payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 2 }), 'no stereo G.711');
  assert.not.ok(canTranscode(null as never));
});

test.run();
