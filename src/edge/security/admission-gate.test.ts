import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AdmissionGate } from './admission-gate.js';

test('under the rate everything is admitted, known or not', () => {
  const gate = new AdmissionGate(100, 0);
  let shed = 0;
  for (let t = 0; t < 10_000; t += 10) if (gate.admit(() => false, t) === 'shed') shed++;
  assert.is(shed, 0);
});

test('saturated: unknown sources are shed, known ones still served; the unknown get about the rate', () => {
  const gate = new AdmissionGate(100, 0);
  let unknownOk = 0;
  let knownOk = 0;
  let known = 0;
  // 10 s at 1000 unknown + 10 known messages a second.
  for (let t = 0; t < 10_000; t++) {
    if (gate.admit(() => false, t) === 'ok') unknownOk++;
    if (t % 100 === 0) {
      known++;
      if (gate.admit(() => true, t) === 'ok') knownOk++;
    }
  }
  assert.is(knownOk, known, 'every known message admitted');
  assert.ok(unknownOk <= 100 + 10 * 100, `unknown admitted ${unknownOk} <= burst + rate * 10 s`);
  assert.ok(unknownOk >= 10 * 100 - 100 - known, `unknown still get the rest of the rate: ${unknownOk}`);
  assert.is(gate.shedTotal, 10_000 - unknownOk);
});

test('isKnown is asked only when the bucket is empty', () => {
  const gate = new AdmissionGate(5, 0);
  let asked = 0;
  const ask = () => (asked++, false);
  for (let i = 0; i < 5; i++) assert.is(gate.admit(ask, 0), 'ok');
  assert.is(asked, 0);
  assert.is(gate.admit(ask, 0), 'shed');
  assert.is(asked, 1);
  assert.ok(gate.saturated);
});

test('shedding ends when the load falls: the bucket refills at the rate', () => {
  const gate = new AdmissionGate(10, 0);
  for (let i = 0; i < 50; i++) gate.admit(() => false, 0);
  assert.is(gate.admit(() => false, 0), 'shed');
  assert.is(gate.admit(() => false, 100), 'ok', 'one token after 100 ms');
  assert.is(gate.admit(() => false, 100), 'shed');
  for (let i = 0; i < 10; i++) assert.is(gate.admit(() => false, 5_000), 'ok', 'full burst after a quiet spell');
});

test('a clock that steps back does not mint tokens; reconfigure caps the bucket', () => {
  const gate = new AdmissionGate(10, 1_000_000);
  for (let i = 0; i < 10; i++) gate.admit(() => false, 1_000_000);
  assert.is(gate.admit(() => false, 0), 'shed');
  assert.is(gate.admit(() => false, 50), 'shed');
  assert.is(gate.admit(() => false, 100), 'ok');
  const g2 = new AdmissionGate(100, 0);
  g2.reconfigure(2);
  assert.is(g2.admit(() => false, 0), 'ok');
  assert.is(g2.admit(() => false, 0), 'ok');
  assert.is(g2.admit(() => false, 0), 'shed');
  assert.throws(() => new AdmissionGate(0, 0), /positive/);
});

test.run();
