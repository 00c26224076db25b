/**
 * The RIFF/WAVE format codes and sample encodings the media engine reads and writes
 * (Microsoft RIFF spec, WAVEFORMATEX). Shared by wav-reader.ts and wav-writer.ts.
 */
export const WAVE_FORMAT_PCM = 0x0001;
export const WAVE_FORMAT_ALAW = 0x0006;
export const WAVE_FORMAT_MULAW = 0x0007;
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** 16-bit little-endian linear PCM, or 8-bit G.711 (8 kHz). */
export type WavEncoding = 'pcm16' | 'mulaw' | 'alaw';

export interface WavInfo {
  encoding: WavEncoding;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Bytes per frame (one sample of every channel). */
  blockAlign: number;
  /** Where the samples start in the file. */
  dataOffset: number;
  /** Bytes of samples, a whole number of frames. */
  dataBytes: number;
  frames: number;
  durationMs: number;
}

export function formatCode(encoding: WavEncoding): number {
  return encoding === 'pcm16' ? WAVE_FORMAT_PCM : encoding === 'mulaw' ? WAVE_FORMAT_MULAW : WAVE_FORMAT_ALAW;
}

export function bytesPerSample(encoding: WavEncoding): number {
  return encoding === 'pcm16' ? 2 : 1;
}
