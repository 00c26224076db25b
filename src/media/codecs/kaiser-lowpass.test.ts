import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { besselI0, designLowpass, kaiserBeta } from './kaiser-lowpass.js';

test('I0 matches tabulated values', () => {
  assert.is(besselI0(0), 1);
  assert.ok(Math.abs(besselI0(1) - 1.2660658777520082) < 1e-14);
  assert.ok(Math.abs(besselI0(5) - 27.239871823604442) < 1e-11);
});

test("Kaiser's β formula in its three ranges", () => {
  assert.is(kaiserBeta(10), 0);
  assert.ok(Math.abs(kaiserBeta(30) - (0.5842 * Math.pow(9, 0.4) + 0.07886 * 9)) < 1e-12);
  assert.ok(Math.abs(kaiserBeta(70) - 0.1102 * 61.3) < 1e-12);
});

test('the design is symmetric (linear phase), has the asked DC gain, and its response meets the stop band', () => {
  const h = designLowpass({ taps: 89, cutoff: 0.2375, beta: kaiserBeta(70), gain: 1 });
  for (let n = 0; n < h.length; n++) assert.ok(Math.abs(h[n] - h[h.length - 1 - n]) < 1e-15);
  assert.ok(Math.abs(h.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const response = (f: number) => {
    let re = 0;
    let im = 0;
    for (let n = 0; n < h.length; n++) {
      re += h[n] * Math.cos(2 * Math.PI * f * n);
      im -= h[n] * Math.sin(2 * Math.PI * f * n);
    }
    return 20 * Math.log10(Math.hypot(re, im));
  };
  assert.ok(Math.abs(response(0.1)) < 0.01); // pass band
  assert.ok(Math.abs(response(0.2375) + 6) < 0.5); // -6 dB at the cutoff
  assert.ok(response(0.2625) < -65); // stop band
  assert.ok(response(0.4) < -65);
});

test.run();
