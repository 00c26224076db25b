import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_TIMER_CONFIG, timerTable } from './timers.js';

test('defaults are the RFC 3261 values (Table 4) and RFC 6026 L and M', () => {
  const t = timerTable();
  assert.equal([t.t1, t.t2, t.t4], [500, 4000, 5000]);
  assert.equal(DEFAULT_TIMER_CONFIG, { t1: 500, t2: 4000, t4: 5000 });
  assert.is(t.A, 500);
  assert.is(t.B, 32_000);
  assert.is(t.D(false), 32_000);
  assert.is(t.D(true), 0);
  assert.is(t.E, 500);
  assert.is(t.F, 32_000);
  assert.is(t.G, 500);
  assert.is(t.H, 32_000);
  assert.equal([t.I(false), t.I(true)], [5000, 0]);
  assert.equal([t.J(false), t.J(true)], [32_000, 0]);
  assert.equal([t.K(false), t.K(true)], [5000, 0]);
  assert.is(t.L, 32_000);
  assert.is(t.M, 32_000);
});

test('A doubles without bound; E and G double up to T2; E is T2 in Proceeding', () => {
  const t = timerTable();
  const seq = (first: number, next: (n: number) => number, n: number) => {
    const out = [first];
    while (out.length < n) out.push(next(out[out.length - 1]!));
    return out;
  };
  assert.equal(seq(t.A, t.nextA, 7), [500, 1000, 2000, 4000, 8000, 16000, 32000]);
  assert.equal(seq(t.E, (n) => t.nextE(n, false), 6), [500, 1000, 2000, 4000, 4000, 4000]);
  assert.equal(seq(t.G, t.nextG, 6), [500, 1000, 2000, 4000, 4000, 4000]);
  assert.is(t.nextE(500, true), 4000);
});

test('T1, T2 and T4 are configurable and everything follows from them', () => {
  const t = timerTable({ t1: 100, t2: 1000, t4: 2000 });
  assert.is(t.A, 100);
  assert.is(t.B, 6400);
  assert.is(t.F, 6400);
  assert.is(t.H, 6400);
  assert.is(t.J(false), 6400);
  assert.is(t.L, 6400);
  assert.is(t.M, 6400);
  assert.is(t.I(false), 2000);
  assert.is(t.K(false), 2000);
  assert.is(t.nextG(800), 1000);
  // Timer D is "at least 32 s" over UDP whatever T1 is, and follows 64*T1 above that.
  assert.is(t.D(false), 32_000);
  assert.is(timerTable({ t1: 1000, t2: 4000 }).D(false), 64_000);
  // A partial config keeps the other defaults.
  assert.equal([timerTable({ t4: 1 }).t1, timerTable({ t4: 1 }).t2], [500, 4000]);
});

test('nonsense timer values are refused', () => {
  assert.throws(() => timerTable({ t1: 0 }), /t1/);
  assert.throws(() => timerTable({ t2: Number.NaN }), /t2/);
  assert.throws(() => timerTable({ t4: -5 }), /t4/);
  assert.throws(() => timerTable({ t1: 5000, t2: 4000 }), /t2/);
});

test.run();
