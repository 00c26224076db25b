import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RepeatAndFade } from './repeat-and-fade.js';

const N = 160;
const tone = (amp: number) => Int16Array.from({ length: N }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
const peak = (f: Int16Array) => f.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

test('a lost frame repeats the last good one, fading; a long gap decays to silence', () => {
  const plc = new RepeatAndFade(960, 5);
  const good = tone(10000);
  plc.remember(Int16Array.from(good));
  const out = new Int16Array(N);
  const peaks: number[] = [];
  for (let k = 0; k < 7; k++) {
    plc.conceal(out);
    peaks.push(peak(out));
  }
  // first concealed frame starts at the good frame's level and follows its waveform
  assert.ok(Math.abs(out.length - N) === 0);
  assert.ok(peaks[0] > 8000 && peaks[0] <= 10000, `first ${peaks[0]}`);
  for (let k = 1; k < 5; k++) assert.ok(peaks[k] < peaks[k - 1], `fades: ${peaks}`);
  assert.is(peaks[5], 0);
  assert.is(peaks[6], 0);
  assert.is(plc.lostFrames, 7);
});

test('the first concealed sample continues the waveform (no click at the boundary)', () => {
  const plc = new RepeatAndFade(960);
  const good = tone(8000);
  plc.remember(Int16Array.from(good));
  const out = new Int16Array(N);
  plc.conceal(out);
  // 1 kHz at 8 kHz repeats every 8 samples, so a repeated 160-sample frame is continuous
  assert.ok(Math.abs(out[0] - good[0]) < 200);
  assert.ok(Math.abs(out[8] - good[8]) < 200);
});

test('after a loss, the next good frame fades in from the concealed level, then passes unchanged', () => {
  const plc = new RepeatAndFade(960, 2);
  plc.remember(tone(10000));
  const out = new Int16Array(N);
  plc.conceal(out);
  plc.conceal(out); // now silent
  const back = tone(10000);
  plc.remember(back);
  assert.ok(Math.abs(back[1]) < 2000, `starts quiet: ${back[1]}`);
  assert.ok(peak(back.subarray(N - 16)) > 8000, 'ends at full level');
  const next = tone(10000);
  plc.remember(next);
  assert.equal(Array.from(next), Array.from(tone(10000)));
  assert.is(plc.lostFrames, 0);
});

test('nothing remembered yet: silence', () => {
  const plc = new RepeatAndFade(160);
  const out = new Int16Array(N).fill(5);
  plc.conceal(out);
  assert.is(peak(out), 0);
});

test.run();
