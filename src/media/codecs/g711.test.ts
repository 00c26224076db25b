import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alawDecode, alawDecodeInto, alawEncode, alawEncodeInto } from './g711-alaw.js';
import { ulawDecode, ulawDecodeInto, ulawEncode, ulawEncodeInto } from './g711-ulaw.js';

// Reference G.711 written from the Recommendation's tables as a search over decision values,
// independent of the implementation's bit tricks and tables.
//
// Both laws map a two's complement 16-bit sample x onto sign and magnitude with the ones'
// complement for negatives (the ITU-T G.191 convention): magnitude(x) = x >= 0 ? x : -x - 1.

/** µ-law (G.711 Table 2a) in the 14-bit magnitude scale: lower decision value of each of the 128 intervals. */
const ULAW_DECISION: number[] = [];
/** µ-law reconstruction value (14-bit scale, unbiased) of each interval. */
const ULAW_VALUE: number[] = [];
for (let seg = 0; seg < 8; seg++) {
  // Segment `seg` starts at 2^(seg+5) - 33 and has sixteen intervals of 2^(seg+1).
  const start = (1 << (seg + 5)) - 33;
  const step = 1 << (seg + 1);
  for (let q = 0; q < 16; q++) {
    ULAW_DECISION.push(Math.max(0, start + q * step));
    ULAW_VALUE.push(start + q * step + step / 2);
  }
}
ULAW_VALUE[0] = 0; // the first interval is [0, 1): its value is 0

/** A-law (G.711 Table 1a) in the 12-bit magnitude scale of the 13-bit sample. */
const ALAW_DECISION: number[] = [];
const ALAW_VALUE: number[] = [];
for (let seg = 0; seg < 8; seg++) {
  const start = seg === 0 ? 0 : 1 << (seg + 4);
  const step = seg < 2 ? 2 : 1 << seg;
  for (let q = 0; q < 16; q++) {
    ALAW_DECISION.push(start + q * step);
    ALAW_VALUE.push(start + q * step + step / 2);
  }
}

function intervalOf(decisions: number[], magnitude: number): number {
  let k = 0;
  while (k + 1 < decisions.length && decisions[k + 1] <= magnitude) k++;
  return k;
}

function refUlawEncode(x: number): number {
  const negative = x < 0;
  const m = Math.floor((negative ? -x - 1 : x) / 4);
  const k = intervalOf(ULAW_DECISION, m);
  return ~((negative ? 0x80 : 0) | k) & 0xff; // all bits inverted (G.711 §3.2); sign bit 1 = negative before inversion
}

function refUlawDecode(c: number): number {
  const w = ~c & 0xff;
  const v = ULAW_VALUE[w & 0x7f] * 4;
  return w & 0x80 ? -v : v;
}

function refAlawEncode(x: number): number {
  const negative = x < 0;
  const m = Math.floor((negative ? -x - 1 : x) / 8);
  const k = intervalOf(ALAW_DECISION, m);
  return ((negative ? 0 : 0x80) | k) ^ 0x55; // even bits inverted (G.711 §2.2)
}

function refAlawDecode(c: number): number {
  const w = c ^ 0x55;
  const v = ALAW_VALUE[w & 0x7f] * 8;
  return w & 0x80 ? v : -v;
}

test('µ-law encode matches the reference on all 65,536 inputs', () => {
  let bad = 0;
  let first = '';
  for (let x = -32768; x <= 32767; x++) {
    if (ulawEncode(x) !== refUlawEncode(x)) {
      if (bad++ === 0) first = `x=${x}: ${ulawEncode(x)} != ${refUlawEncode(x)}`;
    }
  }
  assert.is(bad, 0, first);
});

test('A-law encode matches the reference on all 65,536 inputs', () => {
  let bad = 0;
  let first = '';
  for (let x = -32768; x <= 32767; x++) {
    if (alawEncode(x) !== refAlawEncode(x)) {
      if (bad++ === 0) first = `x=${x}: ${alawEncode(x)} != ${refAlawEncode(x)}`;
    }
  }
  assert.is(bad, 0, first);
});

test('decode matches the reference on all 256 codewords, both laws', () => {
  for (let c = 0; c < 256; c++) {
    assert.is(ulawDecode(c), refUlawDecode(c), `µ-law 0x${c.toString(16)}`);
    assert.is(alawDecode(c), refAlawDecode(c), `A-law 0x${c.toString(16)}`);
  }
});

test('anchor values from the G.711 tables', () => {
  // µ-law: both zeros, the extremes, the first steps.
  assert.is(ulawDecode(0xff), 0);
  assert.is(ulawDecode(0x7f), 0);
  assert.is(ulawDecode(0x00), -32124);
  assert.is(ulawDecode(0x80), 32124);
  assert.is(ulawDecode(0xfe), 8);
  assert.is(ulawDecode(0x7e), -8);
  assert.is(ulawEncode(0), 0xff);
  assert.is(ulawEncode(-1), 0x7f); // ones' complement: -1 mirrors 0, on the negative side
  assert.is(ulawEncode(32767), 0x80);
  assert.is(ulawEncode(-32768), 0x00);
  // A-law: the two near-zeros, the extremes.
  assert.is(alawDecode(0xd5), 8);
  assert.is(alawDecode(0x55), -8);
  assert.is(alawDecode(0x2a), -32256);
  assert.is(alawDecode(0xaa), 32256);
  assert.is(alawEncode(0), 0xd5);
  assert.is(alawEncode(-1), 0x55);
  assert.is(alawEncode(32767), 0xaa);
  assert.is(alawEncode(-32768), 0x2a);
  // Segment edges in 16-bit units: A-law segment 1 starts at 256, segment 2 at 512.
  assert.is(alawEncode(255) ^ 0x55, 0x80 | 0x0f);
  assert.is(alawEncode(256) ^ 0x55, 0x80 | 0x10);
  assert.is(alawEncode(512) ^ 0x55, 0x80 | 0x20);
  // µ-law segment 1 starts at 14-bit magnitude 31, i.e. 124 in 16 bits.
  assert.is(~ulawEncode(123) & 0xff, 0x0f);
  assert.is(~ulawEncode(124) & 0xff, 0x10);
});

test('encode(decode(c)) === c for every codeword (µ-law 0x7f decodes to 0, which encodes as 0xff)', () => {
  for (let c = 0; c < 256; c++) {
    assert.is(alawEncode(alawDecode(c)), c, `A-law 0x${c.toString(16)}`);
    if (c === 0x7f) assert.is(ulawEncode(ulawDecode(c)), 0xff);
    else assert.is(ulawEncode(ulawDecode(c)), c, `µ-law 0x${c.toString(16)}`);
  }
});

test('decode is odd-symmetric and monotonic in the interval index', () => {
  for (let k = 0; k < 128; k++) {
    assert.is(alawDecode((0x80 | k) ^ 0x55), -alawDecode(k ^ 0x55));
    assert.is(ulawDecode(~k & 0xff), -ulawDecode(~(0x80 | k) & 0xff));
    if (k > 0) {
      assert.ok(alawDecode((0x80 | k) ^ 0x55) > alawDecode((0x80 | (k - 1)) ^ 0x55));
      assert.ok(ulawDecode(~k & 0xff) > ulawDecode(~(k - 1) & 0xff));
    }
  }
});

test('buffer versions equal the per-sample functions and write into the given buffers', () => {
  const pcm = new Int16Array(65536);
  for (let i = 0; i < pcm.length; i++) pcm[i] = i - 32768;
  const u = new Uint8Array(65536);
  const a = new Uint8Array(65536);
  assert.is(ulawEncodeInto(pcm, u), 65536);
  assert.is(alawEncodeInto(pcm, a), 65536);
  for (let i = 0; i < pcm.length; i++) {
    assert.is(u[i], ulawEncode(pcm[i]));
    assert.is(a[i], alawEncode(pcm[i]));
  }
  const codes = new Uint8Array(256).map((_, i) => i);
  const du = new Int16Array(256);
  const da = new Int16Array(256);
  assert.is(ulawDecodeInto(codes, du), 256);
  assert.is(alawDecodeInto(codes, da), 256);
  for (let c = 0; c < 256; c++) {
    assert.is(du[c], ulawDecode(c));
    assert.is(da[c], alawDecode(c));
  }
});

test('buffer versions stop at the shorter buffer and leave the rest untouched', () => {
  const out = new Uint8Array(4).fill(0x11);
  assert.is(ulawEncodeInto(new Int16Array([0, 0]), out), 2);
  assert.equal([...out], [0xff, 0xff, 0x11, 0x11]);
  const pcm = new Int16Array(2).fill(7);
  assert.is(alawDecodeInto(new Uint8Array([0xd5, 0x55, 0xd5]), pcm), 2);
  assert.equal([...pcm], [8, -8]);
  // A subarray view writes into its window of the parent buffer.
  const frame = new Uint8Array(8);
  alawEncodeInto(new Int16Array([0, 0]), frame.subarray(3, 5));
  assert.equal([...frame], [0, 0, 0, 0xd5, 0xd5, 0, 0, 0]);
});

test.run();
