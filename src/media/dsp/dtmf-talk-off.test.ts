/**
 * Talk-off: speech, music and noise must not produce digits. Synthetic material is generated
 * deterministically (seeded) so a failure is reproducible; real synthesized speech comes from
 * espeak-ng when it is installed.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ulawDecodeInto, ulawEncodeInto } from '../codecs/g711-ulaw.js';
import { musicLike, pinkNoise, speechLike, toInt16AtDbm0, whiteNoise } from '../../../test/support/synthetic-audio.js';
import { requireTools } from '../../../test/support/tools.js';
import { detect, sequence, toInt16, type Segment } from './dtmf-signal.case.js';
import { DTMF_DIGITS } from './dtmf-tones.js';

const RATE = 8000;
const LEVELS = [-6, -15, -25];

function ulawRoundTrip(pcm: Int16Array): Int16Array {
  const bytes = new Uint8Array(pcm.length);
  const out = new Int16Array(pcm.length);
  ulawEncodeInto(pcm, bytes);
  ulawDecodeInto(bytes, out);
  return out;
}

/** Runs every level (and a µ-law round trip of each) and returns the false digits with where they came from. */
function falseDigits(name: string, material: Float64Array): string[] {
  const found: string[] = [];
  for (const dbm0 of LEVELS) {
    const pcm = toInt16AtDbm0(material, dbm0);
    for (const [how, x] of [['linear', pcm], ['µ-law', ulawRoundTrip(pcm)]] as const) {
      for (const e of detect(x).events) found.push(`${name} ${dbm0} dBm0 ${how}: '${e.digit}' at ${e.startMs} ms for ${e.durationMs} ms`);
    }
  }
  return found;
}

test('speech-like sound (formant-filtered glottal pulses, 3-5 Hz syllables): no digits in 3 × 80 s', () => {
  const found = [
    ...falseDigits('speech f0 110 Hz', speechLike(RATE * 30, 11, { f0: 110, syllableRate: 4 })),
    ...falseDigits('speech f0 160 Hz', speechLike(RATE * 30, 12, { f0: 160, syllableRate: 5 })),
    ...falseDigits('speech f0 220 Hz', speechLike(RATE * 20, 13, { f0: 220, syllableRate: 3 })),
  ];
  assert.equal(found, []);
});

test('that material does stress the detector: with twist and frequency checks relaxed, it yields false digits', () => {
  const pcm = toInt16AtDbm0(speechLike(RATE * 30, 13, { f0: 220 }), -15);
  const loose = detect(pcm, [160], { maxNormalTwistDb: 20, maxReverseTwistDb: 20, maxFrequencyDeviation: 0.1 });
  assert.ok(loose.events.length > 0, 'relaxed detector found nothing: the material is too easy');
  assert.is(detect(pcm).events.length, 0);
});

test('music-like chords with harmonics: no digits in 3 × 60 s', () => {
  assert.equal([...falseDigits('music A', musicLike(RATE * 30, 21)), ...falseDigits('music B', musicLike(RATE * 30, 22))], []);
});

test('white and pink noise: no digits in 3 × 40 s', () => {
  assert.equal([...falseDigits('white', whiteNoise(RATE * 20, 31)), ...falseDigits('pink', pinkNoise(RATE * 20, 32))], []);
});

test('digits over speech-like sound at 15 dB SNR are still detected, and nothing else', () => {
  const segs: Segment[] = [{ ms: 30 }];
  for (const d of DTMF_DIGITS) segs.push({ digit: d, ms: 60, dbm0: -20 }, { ms: 140 });
  const tones = sequence(segs);
  const speech = toInt16AtDbm0(speechLike(tones.length, 41, { f0: 150 }), -20 + 3 - 15); // active speech level 15 dB under the pair (two tones of -20 dBm0 = -17 dBm0)
  assert.is(detect(toInt16(tones, speech)).digits, DTMF_DIGITS.join(''));
  assert.is(detect(ulawRoundTrip(toInt16(tones, speech))).digits, DTMF_DIGITS.join(''));
  // The same speech alone: nothing.
  assert.is(detect(speech).digits, '');
});

const TEXT = [
  'Thank you for calling. Your call is important to us. Please stay on the line and the next available agent will answer.',
  'The quick brown fox jumps over the lazy dog, while five wizards box quickly and the jay, pig, fox, zebra and my wolves quack.',
  'Hello, this is Sam. I am not at my desk right now. Leave your name, your number and a short message after the tone, and I will call you back as soon as I can.',
  'One, two, three, four, five, six, seven, eight, nine, zero. Star, pound, hash. Press one for sales, two for support, or stay on the line.',
  'She sells sea shells by the sea shore. Peter Piper picked a peck of pickled peppers. How much wood would a woodchuck chuck?',
].join(' ');

/** espeak-ng speech resampled to 8 kHz 16-bit by sox. */
function espeak(voice: string, speed: number, pitch: number): Int16Array {
  const wav = spawnSync('espeak-ng', ['-v', voice, '-s', String(speed), '-p', String(pitch), '--stdout', TEXT], { maxBuffer: 64 << 20 });
  assert.is(wav.status, 0, `espeak-ng: ${wav.stderr?.toString()}`);
  const raw = spawnSync('sox', ['-t', 'wav', '-', '-t', 'raw', '-r', '8000', '-e', 'signed', '-b', '16', '-c', '1', '-'], { input: wav.stdout, maxBuffer: 64 << 20 });
  assert.is(raw.status, 0, `sox: ${raw.stderr?.toString()}`);
  const buf: Buffer = raw.stdout;
  return new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + (buf.length & ~1)));
}

if (requireTools('dtmf-talk-off espeak-ng speech', 'espeak-ng', 'sox')) {
  test('espeak-ng speech (several voices, speeds, pitches; at least 60 s): no digits', () => {
    const found: string[] = [];
    let seconds = 0;
    for (const [voice, speed, pitch] of [['en-us', 150, 50], ['en-gb', 175, 35], ['en-us+f3', 160, 70], ['en-gb-scotland', 140, 60], ['en-us+m3', 190, 20]] as const) {
      const pcm = espeak(voice, speed, pitch);
      seconds += pcm.length / RATE;
      found.push(...falseDigits(`espeak ${voice}`, Float64Array.from(pcm)));
    }
    assert.ok(seconds >= 60, `only ${seconds} s of speech`);
    assert.equal(found, []);
  });
}

test.run();
