/**
 * Streaming WAV reader: validates the RIFF/WAVE header, then reads the samples in chunks
 * from a file descriptor, never the whole file.
 *
 * Role in the media engine: the player (prompts, music on hold) in the media worker opens a
 * prompt with WavReader.open() and pulls a chunk at a time into its frame pacer; a refused
 * file is a WavError with a code (a hostile upload, a "2 GiB" header on a 1 kB file, a
 * stereo or float file), never a crash of the worker.
 *
 * Accepted: PCM 16-bit (8/16/48 kHz by default) and G.711 µ-law/A-law 8 kHz
 * (WAVE_FORMAT_MULAW/ALAW, also inside WAVE_FORMAT_EXTENSIBLE), mono, or two channels when
 * asked. Unknown chunks (LIST, fact, cue, ...) are skipped, each padded to an even size.
 *
 * Reads are synchronous and small (the caller picks the chunk size, e.g. one second):
 * a page-cache read of a few kB costs microseconds and keeps the reader free of callbacks.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { WavError } from './wav-error.js';
import { WAVE_FORMAT_ALAW, WAVE_FORMAT_EXTENSIBLE, WAVE_FORMAT_MULAW, WAVE_FORMAT_PCM, type WavEncoding, type WavInfo } from './wav-format.js';

export interface WavReaderOptions {
  /** Accept two-channel files (recordings of both legs). Default false. */
  allowStereo?: boolean;
  /** Sample rates accepted for PCM. Default 8000, 16000, 48000. G.711 is always 8000. */
  pcmRates?: readonly number[];
}

const MAX_CHUNKS = 256;
/** The largest fmt chunk read (WAVEFORMATEXTENSIBLE is 40 bytes). */
const MAX_FMT_BYTES = 1024;
const LITTLE_ENDIAN = endianness() === 'LE';

export class WavReader {
  private pos = 0;
  private closed = false;

  private constructor(
    private readonly fd: number,
    private readonly ownsFd: boolean,
    readonly info: WavInfo,
  ) {}

  /** Opens and validates a file; throws WavError. */
  static open(path: string, opts: WavReaderOptions = {}): WavReader {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new WavError('io', `cannot open ${path}: ${(e as Error).message}`, { cause: e });
    }
    try {
      return new WavReader(fd, true, readHeader(fd, opts));
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Validates the file behind an open descriptor (left open by close()). */
  static fromFd(fd: number, opts: WavReaderOptions = {}): WavReader {
    return new WavReader(fd, false, readHeader(fd, opts));
  }

  /** Bytes of sample data read so far. */
  get position(): number {
    return this.pos;
  }

  get remainingBytes(): number {
    return this.info.dataBytes - this.pos;
  }

  /**
   * Reads up to `length` bytes of samples into `out` at `offset`, whole frames only.
   * Returns the bytes read; 0 at the end of the data.
   */
  read(out: Uint8Array, offset = 0, length = out.length - offset): number {
    if (this.closed) throw new WavError('io', 'read after close');
    const block = this.info.blockAlign;
    let want = Math.min(length, this.remainingBytes);
    want -= want % block;
    let got = 0;
    while (got < want) {
      let n: number;
      try {
        n = readSync(this.fd, out, offset + got, want - got, this.info.dataOffset + this.pos + got);
      } catch (e) {
        throw new WavError('io', `read failed: ${(e as Error).message}`, { cause: e });
      }
      if (n === 0) break; // the file shrank under us
      got += n;
    }
    got -= got % block;
    this.pos += got;
    return got;
  }

  /** PCM 16-bit only: reads up to out.length samples (interleaved when stereo); returns samples read. */
  readPcm16(out: Int16Array): number {
    if (this.info.encoding !== 'pcm16') throw new WavError('unsupported-format', `readPcm16 on a ${this.info.encoding} file`);
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    const n = this.read(bytes, 0, bytes.length) >> 1;
    if (!LITTLE_ENDIAN) for (let i = 0; i < n; i++) out[i] = ((out[i] & 0xff) << 8) | ((out[i] >> 8) & 0xff);
    return n;
  }

  /** Back to the first sample (music on hold loops). */
  rewind(): void {
    this.pos = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsFd) closeSync(this.fd);
  }
}

function readAt(fd: number, buf: Buffer, len: number, position: number): number {
  try {
    return readSync(fd, buf, 0, len, position);
  } catch (e) {
    throw new WavError('io', `read failed: ${(e as Error).message}`, { cause: e });
  }
}

/** Parses RIFF/WAVE up to the data chunk. */
export function readHeader(fd: number, opts: WavReaderOptions = {}): WavInfo {
  let fileSize: number;
  try {
    fileSize = fstatSync(fd).size;
  } catch (e) {
    throw new WavError('io', `cannot stat: ${(e as Error).message}`, { cause: e });
  }
  const head = Buffer.alloc(12);
  if (readAt(fd, head, 12, 0) < 12) throw new WavError(fileSize >= 4 && head.toString('latin1', 0, 4) === 'RIFF' ? 'truncated' : 'not-wav', 'file too short for a RIFF header');
  if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') throw new WavError('not-wav', 'not a RIFF/WAVE file');

  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'frames' | 'durationMs'> | undefined;
  let off = 12;
  const ch = Buffer.alloc(8);
  for (let n = 0; ; n++) {
    if (n >= MAX_CHUNKS) throw new WavError('too-many-chunks', `more than ${MAX_CHUNKS} chunks before the data`);
    if (off + 8 > fileSize) throw new WavError(fmt ? 'no-data' : 'truncated', fmt ? 'no data chunk' : 'the file ends before a fmt chunk');
    if (readAt(fd, ch, 8, off) < 8) throw new WavError('truncated', `chunk header at byte ${off} cut short`);
    const id = ch.toString('latin1', 0, 4);
    const size = ch.readUInt32LE(4);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || size > MAX_FMT_BYTES) throw new WavError('bad-format', `fmt chunk of ${size} bytes`);
      if (body + size > fileSize) throw new WavError('truncated', 'fmt chunk runs past the end of the file');
      const f = Buffer.alloc(size);
      if (readAt(fd, f, size, body) < size) throw new WavError('truncated', 'fmt chunk cut short');
      fmt = parseFmt(f, opts);
    } else if (id === 'data') {
      if (!fmt) throw new WavError('bad-format', 'data chunk before the fmt chunk');
      // A header may lie: a "2 GiB" data chunk in a small file is refused, not trusted.
      if (size > fileSize - body) throw new WavError('data-exceeds-file', `data chunk claims ${size} bytes, the file has ${fileSize - body} after the header`);
      const dataBytes = size - (size % fmt.blockAlign);
      const frames = dataBytes / fmt.blockAlign;
      return { ...fmt, dataOffset: body, dataBytes, frames, durationMs: (frames * 1000) / fmt.sampleRate };
    }
    off = body + size + (size & 1); // RIFF chunks are padded to an even size
  }
}

function parseFmt(f: Buffer, opts: WavReaderOptions): Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'frames' | 'durationMs'> {
  let tag = f.readUInt16LE(0);
  const channels = f.readUInt16LE(2);
  const sampleRate = f.readUInt32LE(4);
  const byteRate = f.readUInt32LE(8);
  const blockAlign = f.readUInt16LE(12);
  const bits = f.readUInt16LE(14);
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: cbSize, valid bits, channel mask, then the sub-format GUID,
    // whose first two bytes are the format code.
    if (f.length < 40) throw new WavError('bad-format', 'WAVE_FORMAT_EXTENSIBLE with a short fmt chunk');
    tag = f.readUInt16LE(24);
  }
  let encoding: WavEncoding;
  if (tag === WAVE_FORMAT_PCM) {
    if (bits !== 16) throw new WavError('unsupported-format', `PCM with ${bits} bits per sample (16 only)`);
    encoding = 'pcm16';
    const rates = opts.pcmRates ?? [8000, 16000, 48000];
    if (!rates.includes(sampleRate)) throw new WavError('unsupported-rate', `PCM at ${sampleRate} Hz (accepted: ${rates.join(', ')})`);
  } else if (tag === WAVE_FORMAT_MULAW || tag === WAVE_FORMAT_ALAW) {
    encoding = tag === WAVE_FORMAT_MULAW ? 'mulaw' : 'alaw';
    if (bits !== 8) throw new WavError('bad-format', `G.711 with ${bits} bits per sample`);
    if (sampleRate !== 8000) throw new WavError('unsupported-rate', `G.711 at ${sampleRate} Hz (8000 only)`);
  } else {
    throw new WavError('unsupported-format', `format code 0x${tag.toString(16)} (PCM 16-bit, µ-law and A-law only)`);
  }
  const maxChannels = opts.allowStereo ? 2 : 1;
  if (channels < 1 || channels > maxChannels) throw new WavError('unsupported-channels', `${channels} channels (${opts.allowStereo ? 'mono or two' : 'mono only'})`);
  const expectAlign = channels * (bits / 8);
  if (blockAlign !== expectAlign) throw new WavError('bad-format', `block align ${blockAlign}, expected ${expectAlign}`);
  if (byteRate !== sampleRate * blockAlign) throw new WavError('bad-format', `byte rate ${byteRate}, expected ${sampleRate * blockAlign}`);
  return { encoding, sampleRate, channels, bitsPerSample: bits, blockAlign };
}
