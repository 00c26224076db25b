import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alawDecodeInto, alawEncodeInto, ALAW_DECODE } from '../codecs/g711-alaw.js';
import { ulawDecodeInto, ulawEncodeInto, ULAW_DECODE } from '../codecs/g711-ulaw.js';
import { whiteNoise } from '../../../test/support/synthetic-audio.js';
import { DBM0_SINE_PEAK, dbm0ToPower, powerToDbm0 } from './dbm0.js';
import { detect, sequence, toInt16, type Segment } from './dtmf-signal.case.js';
import { DTMF_DIGITS } from './dtmf-tones.js';
import { meanPower } from './goertzel.js';

const ALL = DTMF_DIGITS.join('');

/** All sixteen keys, 50 ms tone / 50 ms pause, after 30 ms of silence. */
function allDigits(extra: Partial<Segment> = {}, toneMs = 50, pauseMs = 50): Segment[] {
  const s: Segment[] = [{ ms: 30 }];
  for (const d of DTMF_DIGITS) s.push({ digit: d, ms: toneMs, ...extra }, { ms: pauseMs });
  return s;
}

function g711RoundTrip(pcm: Int16Array, law: 'ulaw' | 'alaw'): Int16Array {
  const bytes = new Uint8Array(pcm.length);
  const out = new Int16Array(pcm.length);
  if (law === 'ulaw') {
    ulawEncodeInto(pcm, bytes);
    ulawDecodeInto(bytes, out);
  } else {
    alawEncodeInto(pcm, bytes);
    alawDecodeInto(bytes, out);
  }
  return out;
}

test('the dBm0 reference is the G.711 digital milliwatt', () => {
  const mu = Int16Array.from([0x1e, 0x0b, 0x0b, 0x1e, 0x9e, 0x8b, 0x8b, 0x9e], (c) => ULAW_DECODE[c]);
  assert.ok(Math.abs(powerToDbm0(meanPower(mu))) < 0.01, `µ-law milliwatt at ${powerToDbm0(meanPower(mu))} dBm0`);
  const a = Int16Array.from([0x34, 0x21, 0x21, 0x34, 0xb4, 0xa1, 0xa1, 0xb4], (c) => ALAW_DECODE[c]);
  assert.ok(Math.abs(powerToDbm0(meanPower(a))) < 0.1, `A-law milliwatt at ${powerToDbm0(meanPower(a))} dBm0`);
  // 3.17 dB below µ-law's load capacity (a sine reaching 8159 in the 14-bit scale).
  assert.ok(Math.abs(20 * Math.log10((8159 * 4) / DBM0_SINE_PEAK) - 3.17) < 0.01);
});

test('all 16 digits at -20 dBm0, 50 ms on / 50 ms off: each exactly once, in order, timed', () => {
  const r = detect(toInt16(sequence(allDigits({ dbm0: -20 }))));
  assert.is(r.digits, ALL);
  assert.is(r.starts.map((e) => e.digit).join(''), ALL);
  r.events.forEach((e, i) => {
    const start = 240 + i * 800; // 30 ms lead, 100 ms per digit
    assert.ok(Math.abs(e.startSample - start) <= 16, `${e.digit} starts at ${e.startSample}, sent at ${start}`);
    assert.ok(Math.abs(e.durationMs - 50) <= 4, `${e.digit} lasts ${e.durationMs} ms`);
    assert.is(e.startMs, e.startSample / 8);
  });
});

test('all 16 digits survive a G.711 µ-law and A-law round trip', () => {
  for (const law of ['ulaw', 'alaw'] as const) {
    for (const dbm0 of [-20, -26, 0]) {
      const r = detect(g711RoundTrip(toInt16(sequence(allDigits({ dbm0 }))), law));
      assert.is(r.digits, ALL, `${law} at ${dbm0} dBm0`);
    }
  }
});

test('levels: 0 dBm0 per tone (clipping in 16 bits) and -26 dBm0 detected, -40 dBm0 not', () => {
  assert.is(detect(toInt16(sequence(allDigits({ dbm0: 0 })))).digits, ALL);
  assert.is(detect(toInt16(sequence(allDigits({ dbm0: -26 })))).digits, ALL);
  assert.is(detect(toInt16(sequence(allDigits({ dbm0: -30 })))).digits, ALL);
  assert.is(detect(toInt16(sequence(allDigits({ dbm0: -40 })))).digits, '');
  assert.is(detect(toInt16(sequence(allDigits({ dbm0: -40 }, 200, 100)))).digits, '', 'long tones at -40 dBm0');
  assert.is(detect(g711RoundTrip(toInt16(sequence(allDigits({ dbm0: -40 }))), 'ulaw')).digits, '');
});

test('twist: 4 dB either way accepted; 10 dB normal and 6 dB reverse refused', () => {
  // Normal twist: the low-group (row) tone stronger than the high-group (column) tone.
  assert.is(detect(toInt16(sequence(allDigits({ rowDbm0: -16, columnDbm0: -20 })))).digits, ALL, 'normal +4 dB');
  assert.is(detect(toInt16(sequence(allDigits({ rowDbm0: -13, columnDbm0: -20 })))).digits, ALL, 'normal +7 dB');
  assert.is(detect(toInt16(sequence(allDigits({ rowDbm0: -10, columnDbm0: -20 })))).digits, '', 'normal +10 dB');
  // Reverse twist: the column stronger.
  assert.is(detect(toInt16(sequence(allDigits({ rowDbm0: -20, columnDbm0: -17 })))).digits, ALL, 'reverse +3 dB');
  assert.is(detect(toInt16(sequence(allDigits({ rowDbm0: -20, columnDbm0: -14 })))).digits, '', 'reverse +6 dB');
  assert.is(detect(toInt16(sequence(allDigits({ rowDbm0: -20, columnDbm0: -10 })))).digits, '', 'reverse +10 dB');
});

test('frequency deviation: ±1.5 % accepted, ±3.5 % refused (Q.24), per tone and both together', () => {
  for (const f of [0.985, 1.015]) {
    assert.is(detect(toInt16(sequence(allDigits({ rowFactor: f, columnFactor: f })))).digits, ALL, `both × ${f}`);
    assert.is(detect(toInt16(sequence(allDigits({ rowFactor: f })))).digits, ALL, `row × ${f}`);
    assert.is(detect(toInt16(sequence(allDigits({ columnFactor: f })))).digits, ALL, `column × ${f}`);
    assert.is(detect(toInt16(sequence(allDigits({ rowFactor: f, columnFactor: 2 - f })))).digits, ALL, `opposite × ${f}`);
  }
  for (const f of [0.965, 1.035]) {
    assert.is(detect(toInt16(sequence(allDigits({ rowFactor: f, columnFactor: f }, 100)))).digits, '', `both × ${f}`);
    assert.is(detect(toInt16(sequence(allDigits({ rowFactor: f }, 100)))).digits, '', `row × ${f}`);
    assert.is(detect(toInt16(sequence(allDigits({ columnFactor: f }, 100)))).digits, '', `column × ${f}`);
  }
});

/** Runs `segments` shifted by every offset 0..101 against the block grid; returns the digit strings seen. */
function atEveryOffset(segments: Segment[]): Set<string> {
  const seen = new Set<string>();
  for (let off = 0; off < 102; off++) seen.add(detect(toInt16(sequence([{ ms: off / 8 }, ...segments, { ms: 60 }]))).digits);
  return seen;
}

test('durations: a 40 ms tone is a digit and a 20 ms tone is not, wherever it falls in the block grid', () => {
  for (const d of ['1', '5', '#', 'D']) {
    assert.equal([...atEveryOffset([{ digit: d, ms: 40 }])], [d], `40 ms ${d}`);
    assert.equal([...atEveryOffset([{ digit: d, ms: 20 }])], [''], `20 ms ${d}`);
  }
});

test('a 30 ms pause separates two digits; a 10 ms break does not end one', () => {
  assert.equal([...atEveryOffset([{ digit: '5', ms: 60 }, { ms: 30 }, { digit: '5', ms: 60 }])], ['55']);
  assert.equal([...atEveryOffset([{ digit: '3', ms: 50 }, { ms: 30 }, { digit: '9', ms: 50 }])], ['39']);
  assert.equal([...atEveryOffset([{ digit: '8', ms: 60 }, { ms: 10 }, { digit: '8', ms: 60 }])], ['8']);
  // The break also in the tone's phase (a generator restarted after the dropout).
  const seen = new Set<string>();
  for (let off = 0; off < 102; off += 7) {
    const a = sequence([{ ms: off / 8 }, { digit: '0', ms: 60 }]);
    const b = sequence([{ digit: '0', ms: 60 }, { ms: 60 }]);
    const x = new Float64Array(a.length + 80 + b.length);
    x.set(a);
    x.set(b, a.length + 80);
    const r = detect(toInt16(x));
    seen.add(r.digits);
    assert.ok(Math.abs(r.events[0].durationMs - 130) <= 8, `duration ${r.events[0].durationMs}`);
  }
  assert.equal([...seen], ['0']);
  // Two different keys back to back with no pause are two digits.
  assert.is(detect(toInt16(sequence([{ ms: 20 }, { digit: '1', ms: 60 }, { digit: '2', ms: 60 }, { ms: 40 }]))).digits, '12');
});

test('a long key press is one digit with its full duration', () => {
  const r = detect(toInt16(sequence([{ ms: 30 }, { digit: '#', ms: 1500 }, { ms: 100 }])));
  assert.is(r.digits, '#');
  assert.ok(Math.abs(r.events[0].durationMs - 1500) <= 4, String(r.events[0].durationMs));
  // Still sounding at the end of the stream: flush() reports it.
  assert.is(detect(toInt16(sequence([{ ms: 30 }, { digit: '7', ms: 500 }]))).digits, '7');
});

test('digits in white noise at 15 dB SNR are still detected', () => {
  for (const seed of [1, 2, 3]) {
    for (const law of [undefined, 'ulaw', 'alaw'] as const) {
      const clean = sequence(allDigits({ dbm0: -20 }));
      const noise = whiteNoise(clean.length, seed);
      // Signal power: two tones of -20 dBm0; noise 15 dB below that, over the whole band.
      const scale = Math.sqrt((2 * dbm0ToPower(-20)) / Math.pow(10, 15 / 10));
      for (let i = 0; i < noise.length; i++) noise[i] *= scale;
      let pcm = toInt16(clean, noise);
      if (law) pcm = g711RoundTrip(pcm, law);
      assert.is(detect(pcm).digits, ALL, `seed ${seed} ${law ?? 'linear'}`);
    }
  }
});

test('frame size does not change the events', () => {
  const pcm = toInt16(sequence([...allDigits({ dbm0: -20 }), { digit: '5', ms: 60 }, { ms: 10 }, { digit: '5', ms: 60 }, { ms: 30 }, { digit: '5', ms: 40 }, { ms: 50 }]));
  const ref = detect(pcm, [160]);
  assert.is(ref.digits, ALL + '55');
  for (const sizes of [[80], [320], [1], [7], [101], [102], [103], [161, 13, 250, 0, 3], [pcm.length]]) {
    const r = detect(pcm, sizes);
    assert.equal(r.events, ref.events, `frames of ${sizes.join(',')}`);
    assert.equal(r.starts, ref.starts, `frames of ${sizes.join(',')}`);
  }
});

test('silence, DC and full-scale square waves give nothing', () => {
  assert.is(detect(new Int16Array(8000)).digits, '');
  assert.is(detect(new Int16Array(8000).fill(12000)).digits, '');
  const square = Int16Array.from({ length: 8000 }, (_, i) => (Math.floor(i / 4) % 2 ? 32767 : -32768)); // 1 kHz
  assert.is(detect(square).digits, '');
});

test.run();
