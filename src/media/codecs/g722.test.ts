import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goertzelPower, meanPower, powerDb } from '../dsp/goertzel.js';
import { dbfsToAmplitude, writeSine } from '../dsp/tone.js';
import { BandState } from './g722-band-state.js';
import { G722Decoder } from './g722-decoder.js';
import { G722Encoder } from './g722-encoder.js';
import { decodeHigher, decodeLower, encodeHigher, encodeLower, HIGHER_DET0, LOWER_DET0 } from './g722-sub-band.js';
import { QMF_H } from './g722-tables.js';

const RATE = 16000;

function roundTrip(pcm: Int16Array): Int16Array {
  const codes = new Uint8Array(pcm.length / 2);
  new G722Encoder().encode(pcm, codes);
  const out = new Int16Array(pcm.length);
  new G722Decoder().decode(codes, out);
  return out;
}

/** A linear sweep from f0 to f1 Hz over the whole buffer. */
function chirp(n: number, f0: number, f1: number, amplitude: number): Int16Array {
  const x = new Int16Array(n);
  const T = n / RATE;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    x[i] = Math.round(amplitude * Math.sin(2 * Math.PI * (f0 * t + ((f1 - f0) * t * t) / (2 * T))));
  }
  return x;
}

/** The lag (0..maxLag) at which `out` best matches `input`, by cross-correlation. */
function delayOf(input: Int16Array, out: Int16Array, maxLag: number): number {
  let best = -Infinity;
  let lag = 0;
  for (let d = 0; d <= maxLag; d++) {
    let s = 0;
    for (let i = 0; i + d < out.length; i++) s += input[i] * out[i + d];
    if (s > best) {
      best = s;
      lag = d;
    }
  }
  return lag;
}

/** SNR in dB of `out` against `input` delayed by `lag`, skipping the first `skip` samples (start-up). */
function snrDb(input: Int16Array, out: Int16Array, lag: number, skip: number): number {
  let sig = 0;
  let err = 0;
  for (let i = skip; i + lag < out.length; i++) {
    sig += input[i] * input[i];
    const e = input[i] - out[i + lag];
    err += e * e;
  }
  return 10 * Math.log10(sig / err);
}

// The codec's delay (transmit and receive QMF), measured once on a broadband sweep; a pure tone is
// periodic and cannot pin it down.
const sweep = chirp(RATE * 2, 50, 7500, dbfsToAmplitude(-10));
const DELAY = delayOf(sweep, roundTrip(sweep), 64);

test('the group delay measured by cross-correlation is 22 samples (1.375 ms), the two 24-tap QMFs', () => {
  assert.is(DELAY, 22);
});

test('a 1 kHz tone at -3, -10, -20, -30 and -40 dBFS comes back with SNR above 33 dB', () => {
  for (const level of [-3, -10, -20, -30, -40]) {
    const x = new Int16Array(RATE);
    writeSine(x, { sampleRate: RATE, frequency: 1000, amplitude: dbfsToAmplitude(level) });
    const snr = snrDb(x, roundTrip(x), DELAY, 1600);
    assert.ok(snr > 33, `1 kHz at ${level} dBFS: SNR ${snr.toFixed(1)} dB`);
  }
});

test('a 300–3400 Hz sweep at -10, -20 and -30 dBFS comes back with SNR above 25 dB', () => {
  for (const level of [-10, -20, -30]) {
    const x = chirp(RATE * 2, 300, 3400, dbfsToAmplitude(level));
    const snr = snrDb(x, roundTrip(x), DELAY, 1600);
    assert.ok(snr > 25, `sweep at ${level} dBFS: SNR ${snr.toFixed(1)} dB`);
  }
});

test('a 7 kHz tone survives (wideband: the higher sub-band carries it)', () => {
  const x = new Int16Array(RATE);
  writeSine(x, { sampleRate: RATE, frequency: 7000, amplitude: dbfsToAmplitude(-10) });
  const y = roundTrip(x);
  const pin = goertzelPower(x, RATE, 7000, 1600, 8000);
  const pout = goertzelPower(y, RATE, 7000, 1600 + DELAY, 8000);
  assert.ok(Math.abs(powerDb(pout, pin)) < 1.5, `7 kHz level changed by ${powerDb(pout, pin).toFixed(2)} dB`);
  const snr = snrDb(x, y, DELAY, 1600);
  assert.ok(snr > 15, `7 kHz SNR ${snr.toFixed(1)} dB`);
});

test('silence stays silence, and a loud tone followed by silence decays back to it', () => {
  const zeros = new Int16Array(RATE);
  const y = roundTrip(zeros);
  // G.722 idles with tiny noise (the quantizer has no zero level): a few LSBs, below -80 dBFS.
  assert.ok(Math.max(...y.map(Math.abs)) <= 8, `peak ${Math.max(...y.map(Math.abs))}`);
  assert.ok(powerDb(meanPower(y), (32767 * 32767) / 2) < -80);
  const x = new Int16Array(RATE);
  writeSine(x.subarray(0, RATE / 2), { sampleRate: RATE, frequency: 1000, amplitude: dbfsToAmplitude(-3) });
  const z = roundTrip(x);
  const tail = z.subarray(RATE / 2 + 1600);
  assert.ok(powerDb(meanPower(tail), (32767 * 32767) / 2) < -70, `tail at ${powerDb(meanPower(tail), (32767 * 32767) / 2).toFixed(1)} dBFS`);
});

test('full-scale input does not wrap around', () => {
  const x = new Int16Array(RATE / 2);
  writeSine(x, { sampleRate: RATE, frequency: 500, amplitude: 32767 });
  const y = roundTrip(x);
  const snr = snrDb(x, y, DELAY, 1600);
  assert.ok(snr > 40, `full scale: SNR ${snr.toFixed(1)} dB`);
  const square = new Int16Array(RATE / 2).map((_, i) => (i % 64 < 32 ? 32767 : -32768));
  const s = roundTrip(square);
  // Away from the edges (where the band limit rings), the output follows the square's sign at full level.
  let agree = 0;
  let total = 0;
  for (let i = 1600; i + DELAY < s.length; i++) {
    if (i % 32 < 4 || i % 32 > 28) continue;
    total++;
    if (Math.sign(s[i + DELAY]) === Math.sign(square[i]) && Math.abs(s[i + DELAY]) > 25000) agree++;
  }
  assert.ok(agree / total > 0.99, `${agree}/${total}`);
});

test('frame-by-frame (20 ms = 320 samples, 160 bytes) equals one-shot; reset starts over', () => {
  const x = chirp(RATE, 100, 7000, dbfsToAmplitude(-12));
  const whole = new Uint8Array(RATE / 2);
  new G722Encoder().encode(x, whole);
  const enc = new G722Encoder();
  const framed = new Uint8Array(RATE / 2);
  for (let i = 0; i < x.length; i += 320) enc.encode(x.subarray(i, i + 320), framed.subarray(i / 2, i / 2 + 160));
  assert.equal(framed, whole);
  const dec = new G722Decoder();
  const a = new Int16Array(RATE);
  for (let i = 0; i < whole.length; i += 160) dec.decode(whole.subarray(i, i + 160), a.subarray(2 * i, 2 * i + 320));
  const b = new Int16Array(RATE);
  new G722Decoder().decode(whole, b);
  assert.equal(a, b);
  enc.reset();
  const again = new Uint8Array(RATE / 2);
  enc.encode(x, again);
  assert.equal(again, whole);
  dec.reset();
  const c = new Int16Array(RATE);
  dec.decode(whole, c);
  assert.equal(c, b);
});

test('regression vector (not a reference vector): a fixed input hashes to the output recorded once', () => {
  // Recorded from this implementation after it matched the ITU-T sequences it was checked against;
  // it guards against unintended changes, it proves nothing about conformance by itself.
  const x = chirp(RATE, 50, 7900, dbfsToAmplitude(-6));
  const codes = new Uint8Array(RATE / 2);
  new G722Encoder().encode(x, codes);
  const out = new Int16Array(RATE);
  new G722Decoder().decode(codes, out);
  const h = (b: Uint8Array | Int16Array) => createHash('sha256').update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex').slice(0, 16);
  assert.is(h(codes), 'f790ec7ba64cb127');
  assert.is(h(out), 'dd1902b5361d7661');
});

test('regression vector for full-scale noise and decoder modes 2 and 3 (recorded before the codec loops were unrolled)', () => {
  // Recorded from the loop-based implementation that the regression vector above was recorded
  // from: the unrolled QMFs and branchless quantizers must not change a single bit.
  let seed = 2024;
  const x = new Int16Array(RATE).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) - 32768);
  const codes = new Uint8Array(RATE / 2);
  new G722Encoder().encode(x, codes);
  const h = (b: Uint8Array | Int16Array) => createHash('sha256').update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex').slice(0, 16);
  assert.is(h(codes), 'a4f9a15606a5d15f');
  const want = { 1: '84d0c15e24dd5faa', 2: 'bca580bb51758e94', 3: '242f4151ed471fce' } as const;
  for (const mode of [1, 2, 3] as const) {
    const out = new Int16Array(RATE);
    new G722Decoder(mode).decode(codes, out);
    assert.is(h(out), want[mode], `mode ${mode}`);
  }
});

test('the codec equals the textbook QMFs (G.722 §3.1, §4.4 loops over QMF_H) around the sub-band coders', () => {
  const x = chirp(RATE, 50, 7900, dbfsToAmplitude(-1));
  for (let i = 0; i < x.length; i += 97) x[i] = i & 1 ? 32767 : -32768; // clicks that saturate
  const hist = new Int32Array(24);
  const lo = new BandState(LOWER_DET0);
  const hi = new BandState(HIGHER_DET0);
  const want = new Uint8Array(x.length / 2);
  for (let j = 0; j < want.length; j++) {
    hist.copyWithin(2, 0, 22);
    hist[1] = x[2 * j];
    hist[0] = x[2 * j + 1]; // hist[i] = x(n - i)
    let xa = 0;
    let xb = 0;
    for (let i = 0; i < 24; i += 2) {
      xa += hist[i] * QMF_H[i];
      xb += hist[i + 1] * QMF_H[i + 1];
    }
    const xl = Math.max(-16384, Math.min(16383, (xa + xb) >> 14));
    const xh = Math.max(-16384, Math.min(16383, (xa - xb) >> 14));
    want[j] = (encodeHigher(hi, xh) << 6) | encodeLower(lo, xl);
  }
  const codes = new Uint8Array(want.length);
  new G722Encoder().encode(x, codes);
  assert.equal(codes, want);
  for (const mode of [1, 2, 3] as const) {
    const dlo = new BandState(LOWER_DET0);
    const dhi = new BandState(HIGHER_DET0);
    const xd = new Int32Array(12);
    const xs = new Int32Array(12);
    const ref = new Int16Array(x.length);
    for (let j = 0; j < codes.length; j++) {
      const rl = decodeLower(dlo, codes[j] & 0x3f, mode);
      const rh = decodeHigher(dhi, codes[j] >> 6);
      xd.copyWithin(1, 0, 11);
      xs.copyWithin(1, 0, 11);
      xd[0] = rl - rh;
      xs[0] = rl + rh;
      let y1 = 0;
      let y2 = 0;
      for (let i = 0; i < 12; i++) {
        y1 += xd[i] * QMF_H[2 * i];
        y2 += xs[i] * QMF_H[2 * i + 1];
      }
      ref[2 * j] = Math.max(-32768, Math.min(32767, y1 >> 11));
      ref[2 * j + 1] = Math.max(-32768, Math.min(32767, y2 >> 11));
    }
    const out = new Int16Array(x.length);
    new G722Decoder(mode).decode(codes, out);
    assert.equal(out, ref, `mode ${mode}`);
  }
});

test('bad input: odd sample counts and short output buffers are refused; any byte decodes', () => {
  assert.throws(() => new G722Encoder().encode(new Int16Array(3), new Uint8Array(2)), (e: unknown) => e instanceof RangeError && /pairs/.test(e.message));
  assert.throws(() => new G722Encoder().encode(new Int16Array(4), new Uint8Array(1)), RangeError);
  assert.throws(() => new G722Decoder().decode(new Uint8Array(4), new Int16Array(7)), RangeError);
  assert.throws(() => new G722Decoder(4 as 1), RangeError);
  // Random bytes (a corrupt or hostile payload) decode to bounded noise without throwing.
  let seed = 12345;
  const junk = new Uint8Array(8000).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  const out = new Int16Array(16000);
  assert.is(new G722Decoder().decode(junk, out), 16000);
});

// ITU-T G.722 Appendix II digital test sequences. They are ITU copyright and not shipped with the
// project; point G722_ITU_VECTORS at a folder with the ASCII files (T1C1.XMT, T2R1.COD, T3L1.RC1...)
// to run them. As in the Recommendation, they exercise the sub-band ADPCM with the QMF bypassed:
// the encoder input word >> 1 feeds both bands, outputs are compared as rl << 1, rh << 1.
const ituDir = process.env.G722_ITU_VECTORS;

function ituWords(name: string): number[] | undefined {
  if (!ituDir || !existsSync(join(ituDir, name))) return undefined;
  const words: number[] = [];
  for (const line of readFileSync(join(ituDir, name), 'latin1').split('\n')) {
    if (!/^[0-9A-Fa-f]{66}/.test(line)) continue; // 16 words of 4 hex digits, then a checksum
    for (let i = 0; i < 64; i += 4) words.push(parseInt(line.slice(i, i + 4), 16));
  }
  return words.slice(16, -16); // the 16-word 0x0001 sync blocks at both ends
}

if (ituDir) {
  for (const [input, coded] of [
    ['T1C1.XMT', 'T2R1.COD'],
    ['T1C2.XMT', 'T2R2.COD'],
  ] as const) {
    const xmt = ituWords(input);
    const cod = ituWords(coded);
    if (!xmt || !cod) continue;
    test(`ITU-T sequence ${input} encodes to ${coded} bit for bit`, () => {
      const lo = new BandState(LOWER_DET0);
      const hi = new BandState(HIGHER_DET0);
      assert.is(xmt.length, cod.length);
      for (let i = 0; i < xmt.length; i++) {
        const x = ((xmt[i] << 16) >> 16) >> 1;
        const c = (encodeHigher(hi, x) << 6) | encodeLower(lo, x);
        if (c !== cod[i] >> 8) assert.unreachable(`${input} word ${i}: 0x${c.toString(16)} != 0x${(cod[i] >> 8).toString(16)}`);
      }
    });
  }
  for (const [coded, low, high] of [
    ['T2R1.COD', 'T3L1', 'T3H1.RC0'],
    ['T2R2.COD', 'T3L2', 'T3H2.RC0'],
    ['T1D3.COD', 'T3L3', 'T3H3.RC0'],
  ] as const) {
    for (const mode of [1, 2, 3] as const) {
      const cod = ituWords(coded);
      const rl = ituWords(`${low}.RC${mode}`);
      const rh = ituWords(high);
      if (!cod || !rl || !rh) continue;
      test(`ITU-T sequence ${coded} decodes to ${low}.RC${mode} and ${high} bit for bit (mode ${mode})`, () => {
        const lo = new BandState(LOWER_DET0);
        const hi = new BandState(HIGHER_DET0);
        for (let i = 0; i < cod.length; i++) {
          const c = cod[i] >> 8;
          const l = (decodeLower(lo, c & 0x3f, mode) << 1) & 0xffff;
          const h = (decodeHigher(hi, c >> 6) << 1) & 0xffff;
          if (l !== rl[i] || h !== rh[i]) assert.unreachable(`${coded} word ${i}: low ${l.toString(16)}/${rl[i].toString(16)} high ${h.toString(16)}/${rh[i].toString(16)}`);
        }
      });
    }
  }
} else {
  console.log('g722.test: G722_ITU_VECTORS not set, the ITU-T test sequences were not run');
}

test.run();
