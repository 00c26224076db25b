// The tone helper on made-up audio: each measure must move when the audio changes, so that a
// softphone test that passes on it proves the phone heard the other side's tone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyseTone, channel, decodeWav, encodeWav, sineWave, WavError, type PcmAudio } from './tone.js';

test('a WAV round-trips, mono and stereo', () => {
  for (const [rate, ch] of [[8000, 1], [48000, 2]] as const) {
    const a = sineWave(440, 0.05, rate, ch);
    const back = decodeWav(encodeWav(a));
    assert.is(back.sampleRate, rate);
    assert.is(back.channels, ch);
    assert.equal(Array.from(back.samples), Array.from(a.samples));
  }
});

test('extra chunks are skipped; a data size of 0 (recorder never closed the file) reads to the end', () => {
  const a = sineWave(1000, 0.01, 8000);
  const plain = encodeWav(a);
  const list = Buffer.alloc(8 + 5 + 1); // odd-sized chunk plus its pad byte
  list.write('LIST', 0, 'ascii');
  list.writeUInt32LE(5, 4);
  const withList = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
  assert.equal(Array.from(decodeWav(withList).samples), Array.from(a.samples));
  const unclosed = Buffer.from(plain);
  unclosed.writeUInt32LE(0, 40);
  assert.is(decodeWav(unclosed).samples.length, a.samples.length);
  const cutShort = plain.subarray(0, 44 + 20); // size says more than there is
  assert.is(decodeWav(cutShort).samples.length, 10);
});

test('what is not a 16-bit PCM WAV is refused with a WavError', () => {
  assert.throws(() => decodeWav(Buffer.from('hello world, not a wav')), (e: unknown) => e instanceof WavError);
  const float = encodeWav(sineWave(440, 0.01, 8000));
  float.writeUInt16LE(3, 20); // IEEE float
  float.writeUInt16LE(32, 34);
  assert.throws(() => decodeWav(float), /16-bit PCM/);
  const noData = encodeWav(sineWave(440, 0.01, 8000)).subarray(0, 36);
  assert.throws(() => decodeWav(noData), /no data chunk/);
});

test('channel: the first channel of interleaved audio, scaled to -1..1', () => {
  const stereo: PcmAudio = { sampleRate: 8000, channels: 2, samples: Int16Array.from([16384, -1, -32768, 5, 0, 7]) };
  assert.equal(Array.from(channel(stereo)), [0.5, -1, 0]);
});

test('analyseTone picks the tone that is there, on the first channel, after the skipped start', () => {
  const r440 = analyseTone(sineWave(440, 2, 8000), [440, 1000]);
  assert.is(r440.strongest, 440);
  assert.ok(r440.purity > 0.95 && r440.purity < 1.05, `purity ${r440.purity}`);
  assert.ok(r440.powers.get(1000)! < r440.powers.get(440)! / 1000);
  const r1000 = analyseTone(sineWave(1000, 2, 48000, 2), [440, 1000]);
  assert.is(r1000.strongest, 1000);
  assert.ok(r1000.purity > 0.95);
  assert.ok(Math.abs(r1000.seconds - 2) < 0.11);

  // 1 s of 1000 Hz then 1 s of 440 Hz: skipping the first second leaves only 440 Hz.
  const a = sineWave(1000, 1, 8000);
  const b = sineWave(440, 1, 8000);
  const joined: PcmAudio = { sampleRate: 8000, channels: 1, samples: Int16Array.from([...a.samples, ...b.samples]) };
  assert.is(analyseTone(joined, [440, 1000], { skipSeconds: 1 }).strongest, 440);
});

test('silence and noise have low purity, so a test can tell them from a tone', () => {
  const silence: PcmAudio = { sampleRate: 8000, channels: 1, samples: new Int16Array(8000) };
  assert.is(analyseTone(silence, [440, 1000]).purity, 0);
  let seed = 1;
  const noise = new Int16Array(8000).map(() => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed % 20000) - 10000;
  });
  assert.ok(analyseTone({ sampleRate: 8000, channels: 1, samples: noise }, [440, 1000]).purity < 0.1);
  assert.throws(() => analyseTone(silence, []), RangeError);
});

test('a phase jump (a lost packet) costs one block, not the measurement', () => {
  const a = sineWave(440, 1, 8000);
  const gap = new Int16Array(160); // 20 ms of silence
  const b = sineWave(440, 1, 8000);
  const joined: PcmAudio = { sampleRate: 8000, channels: 1, samples: Int16Array.from([...a.samples, ...gap, ...b.samples]) };
  const r = analyseTone(joined, [440, 1000]);
  assert.is(r.strongest, 440);
  assert.ok(r.purity > 0.85, `purity ${r.purity}`);
});

test.run();
