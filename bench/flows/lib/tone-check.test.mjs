import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pcmuTone } from '../../calls/lib/sipp-calls.mjs';
import { readWav, toneShareOf } from './tone-check.mjs';

function wav(format, bits, data) {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(format, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE((8000 * bits) / 8, 28);
  h.writeUInt16LE(bits / 8, 32);
  h.writeUInt16LE(bits, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

function pcm16(fn, seconds) {
  const b = Buffer.alloc(2 * 8000 * seconds);
  for (let n = 0; n < 8000 * seconds; n++) b.writeInt16LE(Math.round(fn(n)), 2 * n);
  return b;
}

test('the 440 Hz tone SIPp plays (mu-law) and its 16-bit recording are nearly all 440 Hz', () => {
  const mu = readWav(wav(7, 8, pcmuTone()));
  assert.is(mu.format, 'mulaw');
  assert.ok(toneShareOf(mu.samples, 8000, 440) > 0.9);
  const lin = readWav(wav(1, 16, pcm16((n) => 8000 * Math.sin((2 * Math.PI * 440 * n) / 8000), 2)));
  assert.ok(toneShareOf(lin.samples, 8000, 440) > 0.9);
});

test('another tone, noise and silence are not the 440 Hz tone', () => {
  const other = readWav(wav(1, 16, pcm16((n) => 8000 * Math.sin((2 * Math.PI * 1000 * n) / 8000), 1)));
  assert.ok(toneShareOf(other.samples, 8000, 440) < 0.05);
  let seed = 1;
  const noise = readWav(wav(1, 16, pcm16(() => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 8000, 1)));
  assert.ok(toneShareOf(noise.samples, 8000, 440) < 0.1);
  assert.is(toneShareOf(new Float64Array(8000), 8000, 440), 0);
});

test('what is not a mono WAV file is refused with a reason', () => {
  assert.throws(() => readWav(Buffer.from('hello world, not a wav')), /not a RIFF/);
  const stereo = wav(1, 16, Buffer.alloc(16));
  stereo.writeUInt16LE(2, 22);
  assert.throws(() => readWav(stereo), /2 channels/);
});

test.run();
