import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goertzelPower, meanPower, powerDb } from '../dsp/goertzel.js';
import { dbfsToAmplitude, writeSine } from '../dsp/tone.js';
import { Resampler, type SampleRate } from './resampler.js';

const PAIRS: ReadonlyArray<readonly [SampleRate, SampleRate]> = [
  [8000, 16000],
  [16000, 8000],
  [8000, 48000],
  [48000, 8000],
  [16000, 48000],
  [48000, 16000],
];

/** One second of a tone at `from`, converted to `to` in one call. */
function convertTone(from: SampleRate, to: SampleRate, frequency: number, dbfs = -10): { x: Int16Array; y: Int16Array } {
  const x = new Int16Array(from);
  writeSine(x, { sampleRate: from, frequency, amplitude: dbfsToAmplitude(dbfs) });
  const rs = new Resampler(from, to);
  const y = new Int16Array(rs.outputLength(x.length));
  assert.is(rs.process(x, y), y.length);
  return { x, y };
}

/** The middle 80 % of the output (away from the filter's start-up and the end of the input). */
function middle(y: Int16Array, rate: number): [number, number] {
  return [rate / 10, y.length - rate / 5];
}

test('pass band: tones pass within ±1 dB (in fact ±0.05 dB)', () => {
  for (const [from, to] of PAIRS) {
    const low = Math.min(from, to);
    const tones = low === 8000 ? [300, 1000, 3000, 3400] : [300, 1000, 3000, 6000, 6800];
    for (const f of tones) {
      const { y } = convertTone(from, to, f);
      const [s, n] = middle(y, to);
      const gain = powerDb(goertzelPower(y, to, f, s, n), dbfsToAmplitude(-10) ** 2 / 2);
      assert.ok(Math.abs(gain) < 1, `${from}→${to} ${f} Hz: ${gain.toFixed(2)} dB`);
      assert.ok(Math.abs(gain) < 0.05, `${from}→${to} ${f} Hz: ${gain.toFixed(3)} dB`);
    }
  }
});

test('down-sampling: tones above the target Nyquist frequency are removed, not aliased (≥ 40 dB; designed for 70)', () => {
  const cases: Array<[SampleRate, SampleRate, number]> = [
    [16000, 8000, 5000],
    [16000, 8000, 7000],
    [16000, 8000, 4300],
    [48000, 8000, 5000],
    [48000, 8000, 12000],
    [48000, 8000, 20000],
    [48000, 16000, 9000],
    [48000, 16000, 12000],
    [48000, 16000, 20000],
  ];
  for (const [from, to, f] of cases) {
    const { y } = convertTone(from, to, f, 0);
    const [s, n] = middle(y, to);
    const left = powerDb(meanPower(y, s, n) + 1e-12, 32767 ** 2 / 2);
    assert.ok(left < -40, `${from}→${to} ${f} Hz: ${left.toFixed(1)} dB left`);
    assert.ok(left < -65, `${from}→${to} ${f} Hz: ${left.toFixed(1)} dB left`);
  }
});

test('up-sampling: the images of a tone are attenuated (≥ 40 dB; designed for 70)', () => {
  const cases: Array<[SampleRate, SampleRate, number]> = [
    [8000, 16000, 1000],
    [8000, 16000, 3000],
    [8000, 48000, 1000],
    [8000, 48000, 3400],
    [16000, 48000, 1000],
    [16000, 48000, 6000],
  ];
  for (const [from, to, f] of cases) {
    const { y } = convertTone(from, to, f);
    const [s, n] = middle(y, to);
    const tone = goertzelPower(y, to, f, s, n);
    // Images sit at k·from ± f; look at each one below the output Nyquist frequency, and at everything else together.
    for (let k = 1; k * from - f < to / 2; k++) {
      for (const image of [k * from - f, k * from + f]) {
        if (image >= to / 2) continue;
        const db = powerDb(goertzelPower(y, to, image, s, n) + 1e-12, tone);
        assert.ok(db < -40, `${from}→${to} ${f} Hz: image at ${image} Hz ${db.toFixed(1)} dB`);
      }
    }
    const rest = powerDb(Math.max(meanPower(y, s, n) - tone, 1e-12), tone);
    assert.ok(rest < -60, `${from}→${to} ${f} Hz: everything but the tone at ${rest.toFixed(1)} dB`);
  }
});

test('frame-by-frame processing equals one-shot, for 20 ms frames and odd chunk sizes', () => {
  for (const [from, to] of PAIRS) {
    const x = new Int16Array(from / 2);
    let seed = 7;
    for (let i = 0; i < x.length; i++) x[i] = ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) - 32768;
    const one = new Resampler(from, to);
    const whole = new Int16Array(one.outputLength(x.length));
    one.process(x, whole);
    for (const frame of [from / 50, 7, 1, 1000]) {
      const rs = new Resampler(from, to);
      const joined = new Int16Array(whole.length);
      let o = 0;
      for (let i = 0; i < x.length; i += frame) {
        const part = x.subarray(i, Math.min(x.length, i + frame));
        o += rs.process(part, joined.subarray(o));
      }
      assert.is(o, whole.length, `${from}→${to} frames of ${frame}`);
      assert.equal(joined, whole, `${from}→${to} frames of ${frame}`);
    }
  }
});

test('20 ms frames give 20 ms frames: 160 ⇄ 320 ⇄ 960 samples', () => {
  const sizes: Record<number, number> = { 8000: 160, 16000: 320, 48000: 960 };
  for (const [from, to] of PAIRS) {
    const rs = new Resampler(from, to);
    const out = new Int16Array(sizes[to]);
    for (let f = 0; f < 5; f++) assert.is(rs.process(new Int16Array(sizes[from]), out), sizes[to]);
  }
});

test('the reported group delay is where an impulse comes out, and equals the cross-correlation peak', () => {
  for (const [from, to] of PAIRS) {
    const rs = new Resampler(from, to);
    const x = new Int16Array(from / 10);
    const at = 60; // a multiple of 6, so it falls on an output instant whichever the ratio
    x[at] = 20000;
    const y = new Int16Array(rs.outputLength(x.length));
    rs.process(x, y);
    let peak = 0;
    for (let i = 1; i < y.length; i++) if (Math.abs(y[i]) > Math.abs(y[peak])) peak = i;
    const expected = (at * to) / from + rs.delay;
    assert.is(peak, expected, `${from}→${to}: peak at ${peak}, expected ${expected}`);
    assert.ok(Number.isInteger(rs.delay));
    // The same delay from a tone's phase: input 1 kHz sine shifted by the delay matches the output.
    const { y: ty } = convertTone(from, to, 1000);
    let err = 0;
    let sig = 0;
    for (let n = to / 10; n < ty.length - to / 10; n++) {
      const want = dbfsToAmplitude(-10) * Math.sin((2 * Math.PI * 1000 * (n - rs.delay)) / to);
      err += (ty[n] - want) ** 2;
      sig += want * want;
    }
    assert.ok(powerDb(err, sig) < -60, `${from}→${to}: delayed tone differs by ${powerDb(err, sig).toFixed(1)} dB`);
  }
});

test('DC passes with gain 1, full scale saturates instead of wrapping', () => {
  for (const [from, to] of PAIRS) {
    const rs = new Resampler(from, to);
    const x = new Int16Array(from / 10).fill(10000);
    const y = new Int16Array(rs.outputLength(x.length));
    rs.process(x, y);
    for (let i = y.length / 2; i < y.length; i++) assert.ok(Math.abs(y[i] - 10000) <= 1, `${from}→${to} DC ${y[i]}`);
    // A full-scale square: the filter's overshoot must clip, not wrap, so every plateau keeps its sign.
    const sq = new Int16Array(from / 10).map((_, i) => (i % 48 < 24 ? 32767 : -32768));
    const z = new Int16Array(rs.outputLength(sq.length));
    new Resampler(from, to).process(sq, z);
    for (let i = 48 + 12; (i * to) / from + rs.delay < z.length; i += 24) {
      const v = z[(i * to) / from + rs.delay];
      assert.ok(sq[i] > 0 ? v > 25000 : v < -25000, `${from}→${to}: plateau at input ${i} came out as ${v}`);
    }
  }
});

test('bad input: unsupported rates and short output buffers are refused without touching the state', () => {
  assert.throws(() => new Resampler(8000, 8000), RangeError);
  assert.throws(() => new Resampler(44100 as SampleRate, 8000), RangeError);
  const rs = new Resampler(16000, 8000);
  assert.throws(() => rs.process(new Int16Array(320), new Int16Array(159)), RangeError);
  const a = new Int16Array(160);
  assert.is(rs.process(new Int16Array(320).fill(1000), a), 160);
  const b = new Int16Array(160);
  assert.is(new Resampler(16000, 8000).process(new Int16Array(320).fill(1000), b), 160);
  assert.equal(a, b);
  rs.reset();
  const c = new Int16Array(160);
  rs.process(new Int16Array(320).fill(1000), c);
  assert.equal(c, b);
});

test.run();
