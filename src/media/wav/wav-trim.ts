/**
 * Cut the last `ms` of a WAV file in place (the tone of the key that ended a voicemail
 * recording): the data chunk shrinks by whole frames, the RIFF and data sizes are rewritten.
 * The data chunk must be the file's last chunk (as WavWriter writes it); otherwise nothing
 * is cut. Returns the new duration in ms.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { readHeader } from './wav-reader.js';

export function trimWavTail(path: string, ms: number): number {
  const fd = openSync(path, 'r+');
  try {
    const info = readHeader(fd);
    const size = fstatSync(fd).size;
    if (info.dataOffset + info.dataBytes < size - 1) return info.durationMs; // a chunk after the data: leave it
    const cutFrames = Math.min(info.frames, Math.max(0, Math.round((ms * info.sampleRate) / 1000)));
    const dataBytes = info.dataBytes - cutFrames * info.blockAlign;
    const pad = dataBytes % 2;
    ftruncateSync(fd, info.dataOffset + dataBytes + pad);
    const u32 = Buffer.alloc(4);
    u32.writeUInt32LE(dataBytes, 0);
    writeSync(fd, u32, 0, 4, info.dataOffset - 4);
    u32.writeUInt32LE(info.dataOffset + dataBytes + pad - 8, 0);
    writeSync(fd, u32, 0, 4, 4);
    return Math.round(((info.frames - cutFrames) * 1000) / info.sampleRate);
  } finally {
    closeSync(fd);
  }
}
