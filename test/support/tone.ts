// Tones for real softphones: write a sine WAV a phone plays as its microphone, read the WAV a
// phone recorded, and measure which tone is in it (the server's own Goertzel, block by block).
// The WAV code is small and buffer-based on purpose: it must read files a recorder never
// finished (baresip's sndfile, linphone's recorder) and tell plainly what it cannot read.
import { goertzelPower, meanPower } from '../../src/media/dsp/goertzel.js';

/** 16-bit PCM audio as read from, or written to, a RIFF/WAVE file. */
export interface PcmAudio {
  sampleRate: number;
  channels: number;
  /** Interleaved samples when channels > 1. */
  samples: Int16Array;
}

export class WavError extends Error {}

/** A sine of `hz` at `amplitude` (0..1 of full scale), the same on every channel. */
export function sineWave(hz: number, seconds: number, sampleRate: number, channels = 1, amplitude = 0.5): PcmAudio {
  const frames = Math.round(seconds * sampleRate);
  const samples = new Int16Array(frames * channels);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * hz * i) / sampleRate) * amplitude * 32767);
    for (let c = 0; c < channels; c++) samples[i * channels + c] = v;
  }
  return { sampleRate, channels, samples };
}

/** A canonical 44-byte-header PCM WAV file. */
export function encodeWav(audio: PcmAudio): Buffer {
  const dataBytes = audio.samples.length * 2;
  const b = Buffer.alloc(44 + dataBytes);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + dataBytes, 4);
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(audio.channels, 22);
  b.writeUInt32LE(audio.sampleRate, 24);
  b.writeUInt32LE(audio.sampleRate * audio.channels * 2, 28);
  b.writeUInt16LE(audio.channels * 2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < audio.samples.length; i++) b.writeInt16LE(audio.samples[i]!, 44 + i * 2);
  return b;
}

/**
 * Reads a 16-bit PCM WAV. Chunks other than `fmt ` and `data` are skipped. A `data` size of
 * 0 or one past the end (a recorder killed before it closed the file) means "to the end".
 */
export function decodeWav(file: Buffer): PcmAudio {
  if (file.length < 12 || file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= file.length) {
    const id = file.toString('ascii', at, at + 4);
    const size = file.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > file.length) throw new WavError('short fmt chunk');
      fmt = { format: file.readUInt16LE(body), channels: file.readUInt16LE(body + 2), sampleRate: file.readUInt32LE(body + 4), bits: file.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new WavError('data chunk before fmt chunk');
      // WAVE_FORMAT_EXTENSIBLE (0xfffe) carries PCM too; its sub-format is not checked here.
      if ((fmt.format !== 1 && fmt.format !== 0xfffe) || fmt.bits !== 16) throw new WavError(`only 16-bit PCM is read (format ${fmt.format}, ${fmt.bits} bits)`);
      if (fmt.channels < 1 || fmt.sampleRate < 1) throw new WavError('bad channel count or sample rate');
      const end = size === 0 || body + size > file.length ? file.length : body + size;
      const count = Math.floor((end - body) / 2);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = file.readInt16LE(body + i * 2);
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples };
    }
    at = body + size + (size % 2); // chunks are padded to an even length
  }
  throw new WavError('no data chunk');
}

/** One channel of interleaved audio, as floats in -1..1. */
export function channel(audio: PcmAudio, index = 0): Float64Array {
  const frames = Math.floor(audio.samples.length / audio.channels);
  const out = new Float64Array(frames);
  for (let i = 0; i < frames; i++) out[i] = audio.samples[i * audio.channels + index]! / 32768;
  return out;
}

export interface ToneReport {
  /** Seconds of audio looked at. */
  seconds: number;
  /** Mean power of the whole signal. */
  total: number;
  /** Goertzel power of each candidate frequency, by frequency. */
  powers: Map<number, number>;
  /** The loudest candidate. */
  strongest: number;
  /** The strongest candidate's share of the signal's power (a clean sine: about 1; silence or noise: near 0). */
  purity: number;
}

/**
 * Which of `candidates` (Hz) is in the audio. The first `skipSeconds` are left out (a call's
 * first packets may be silence or a jitter buffer filling). Powers are averaged over blocks
 * of `blockSeconds`, so that a lost packet or a jump in phase (a jitter buffer catching up)
 * costs one block, not the whole measurement.
 */
export function analyseTone(audio: PcmAudio, candidates: number[], opts: { skipSeconds?: number; blockSeconds?: number } = {}): ToneReport {
  if (candidates.length === 0) throw new RangeError('no candidate frequencies');
  const all = channel(audio);
  const x = all.subarray(Math.min(all.length, Math.round((opts.skipSeconds ?? 0) * audio.sampleRate)));
  const block = Math.max(1, Math.round((opts.blockSeconds ?? 0.1) * audio.sampleRate));
  const blocks = Math.floor(x.length / block);
  const total = meanPower(x, 0, blocks * block);
  const powers = new Map<number, number>();
  for (const hz of candidates) {
    let sum = 0;
    for (let b = 0; b < blocks; b++) sum += goertzelPower(x, audio.sampleRate, hz, b * block, block);
    powers.set(hz, blocks === 0 ? 0 : sum / blocks);
  }
  let strongest = candidates[0]!;
  for (const hz of candidates) if (powers.get(hz)! > powers.get(strongest)!) strongest = hz;
  return { seconds: (blocks * block) / audio.sampleRate, total, powers, strongest, purity: total === 0 ? 0 : powers.get(strongest)! / total };
}
