import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goertzelPower, meanPower, powerDb, toneShare } from './goertzel.js';
import { addSine, concatPcm, dbfsToAmplitude, sineFrames, writeSine } from './tone.js';

test('a sine of amplitude A has Goertzel power A²/2 at its frequency', () => {
  const x = new Float64Array(800); // 100 ms at 8 kHz: 100 whole periods of 1 kHz
  writeSine(x, { sampleRate: 8000, frequency: 1000, amplitude: 1000 });
  assert.ok(Math.abs(goertzelPower(x, 8000, 1000) - 500_000) < 1, String(goertzelPower(x, 8000, 1000)));
  assert.ok(Math.abs(meanPower(x) - 500_000) < 1);
});

test('off-bin frequencies are measured too, and other tones stay far below', () => {
  // 205 samples (the classic DTMF block at 8 kHz): 697 Hz is 17.86 periods, between two bins.
  const block = new Float64Array(205);
  writeSine(block, { sampleRate: 8000, frequency: 697, amplitude: 1000 });
  assert.ok(Math.abs(powerDb(goertzelPower(block, 8000, 697), 500_000)) < 0.5);
  const x = new Float64Array(8000);
  writeSine(x, { sampleRate: 8000, frequency: 697, amplitude: 1000 });
  const p = goertzelPower(x, 8000, 697);
  assert.ok(Math.abs(powerDb(p, 500_000)) < 0.05, `697 Hz at ${powerDb(p, 500_000)} dB`);
  // 1209 Hz (another DTMF frequency) is absent: more than 40 dB down.
  assert.ok(powerDb(goertzelPower(x, 8000, 1209), p) < -40);
});

test('a mixture of two tones is separated', () => {
  const x = new Int16Array(1600);
  writeSine(x, { sampleRate: 8000, frequency: 770, amplitude: dbfsToAmplitude(-20) });
  addSine(x, { sampleRate: 8000, frequency: 1336, amplitude: dbfsToAmplitude(-26) });
  const p770 = goertzelPower(x, 8000, 770);
  const p1336 = goertzelPower(x, 8000, 1336);
  const fullScale = (32767 * 32767) / 2;
  assert.ok(Math.abs(powerDb(p770, fullScale) + 20) < 0.2, `770 Hz at ${powerDb(p770, fullScale)} dBFS`);
  assert.ok(Math.abs(powerDb(p1336, fullScale) + 26) < 0.2, `1336 Hz at ${powerDb(p1336, fullScale)} dBFS`);
  assert.ok(powerDb(goertzelPower(x, 8000, 1000), fullScale) < -50);
});

test('a window inside the buffer is measured on its own', () => {
  const x = new Float64Array(1600);
  writeSine(x.subarray(800), { sampleRate: 8000, frequency: 1000, amplitude: 100 });
  assert.is(goertzelPower(x, 8000, 1000, 0, 800), 0);
  assert.ok(Math.abs(goertzelPower(x, 8000, 1000, 800, 800) - 5000) < 0.01);
  assert.is(goertzelPower(x, 8000, 1000, 0, 0), 0);
  assert.is(meanPower(x, 0, 0), 0);
});

test('writeSine continues the phase across frames without a click', () => {
  const whole = new Float64Array(480);
  writeSine(whole, { sampleRate: 48000, frequency: 440, amplitude: 1 });
  const framed = new Float64Array(480);
  let phase = 0;
  for (let i = 0; i < 480; i += 160) phase = writeSine(framed.subarray(i, i + 160), { sampleRate: 48000, frequency: 440, amplitude: 1, phase });
  for (let i = 0; i < 480; i++) assert.ok(Math.abs(whole[i] - framed[i]) < 1e-9, `sample ${i}`);
});

test('Int16 output is rounded and saturated', () => {
  const x = new Int16Array(8);
  writeSine(x, { sampleRate: 8000, frequency: 2000, amplitude: 40000 });
  assert.equal([...x], [0, 32767, 0, -32768, 0, 32767, 0, -32768]);
  assert.is(Math.round(dbfsToAmplitude(0)), 32767);
  assert.is(Math.round(dbfsToAmplitude(-20)), 3277);
});

test('sineFrames are 20 ms frames of one continuous tone; toneShare finds it and nothing else; silence has no tone', () => {
  const frames = sineFrames(1000, 8000, 10);
  assert.is(frames.length, 10);
  assert.ok(frames.every((f) => f.length === 160));
  const pcm = concatPcm(frames);
  assert.is(pcm.length, 1600);
  assert.equal([...pcm.subarray(160, 320)], [...frames[1]!]);
  // One continuous tone: joined frames have a clean spectrum (no phase jumps at the seams).
  assert.ok(toneShare(pcm, 8000, 1000) > 0.95, `1 kHz share ${toneShare(pcm, 8000, 1000)}`);
  assert.ok(toneShare(pcm, 8000, 600) < 0.01);
  assert.ok(toneShare(pcm, 8000, 1000, 800) > 0.95, 'from an offset');
  assert.is(toneShare(new Int16Array(160), 8000, 1000), 0);
  assert.is(concatPcm(sineFrames(440, 16000, 3, dbfsToAmplitude(-6))).length, 960);
});

test.run();
