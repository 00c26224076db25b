/**
 * One prompt file opened for reading in chunks: a WAV (through WavReader: PCM 16-bit at 8, 16
 * or 48 kHz, µ-law or A-law at 8 kHz) or a headerless G.711 file (`.ulaw`/`.pcmu`,
 * `.alaw`/`.pcma`, 8 kHz, as Asterisk's sound packages ship them). `readSamples` decodes
 * to 16-bit linear, so the player above sees one kind of source.
 *
 * Worker-side and synchronous, like WavReader: small page-cache reads.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ALAW_DECODE } from './codecs/g711-alaw.js';
import { ULAW_DECODE } from './codecs/g711-ulaw.js';
import { WavError } from './wav/wav-error.js';
import type { WavEncoding } from './wav/wav-format.js';
import { WavReader } from './wav/wav-reader.js';

/** Refused beyond this: no prompt is hours long, and a 2 GiB "prompt" is an attack. */
export const MAX_RAW_G711_BYTES = 256 * 1024 * 1024;

export interface PromptSource {
  readonly encoding: WavEncoding;
  readonly sampleRate: 8000 | 16000 | 48000;
  /** Samples in the file (from the header; a file that shrinks ends early). */
  readonly samples: number;
  /**
   * Reads up to `out.length` samples, decoded to linear, using `scratch` (at least
   * `out.length` bytes for G.711, twice that for PCM). Returns samples read, 0 at the end.
   */
  readSamples(out: Int16Array, scratch: Uint8Array): number;
  rewind(): void;
  close(): void;
}

/** Opens `path` by its extension; throws WavError. */
export function openPromptSource(path: string): PromptSource {
  const lower = path.toLowerCase();
  if (lower.endsWith('.ulaw') || lower.endsWith('.pcmu')) return RawG711Source.open(path, 'mulaw');
  if (lower.endsWith('.alaw') || lower.endsWith('.pcma')) return RawG711Source.open(path, 'alaw');
  return new WavSource(WavReader.open(path));
}

class WavSource implements PromptSource {
  readonly encoding: WavEncoding;
  readonly sampleRate: 8000 | 16000 | 48000;
  readonly samples: number;

  constructor(private readonly reader: WavReader) {
    this.encoding = reader.info.encoding;
    this.sampleRate = reader.info.sampleRate as 8000 | 16000 | 48000;
    this.samples = reader.info.frames;
  }

  readSamples(out: Int16Array, scratch: Uint8Array): number {
    if (this.encoding === 'pcm16') return this.reader.readPcm16(out);
    const n = this.reader.read(scratch, 0, Math.min(out.length, scratch.length));
    return decodeG711(this.encoding, scratch, n, out);
  }

  rewind(): void {
    this.reader.rewind();
  }

  close(): void {
    this.reader.close();
  }
}

class RawG711Source implements PromptSource {
  readonly sampleRate = 8000;
  private pos = 0;
  private closed = false;

  private constructor(
    private readonly fd: number,
    readonly encoding: 'mulaw' | 'alaw',
    readonly samples: number,
  ) {}

  static open(path: string, encoding: 'mulaw' | 'alaw'): RawG711Source {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new WavError('io', `cannot open ${path}: ${(e as Error).message}`, { cause: e });
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new WavError('io', `${path} is not a regular file`);
      if (st.size > MAX_RAW_G711_BYTES) throw new WavError('too-large', `raw G.711 file of ${st.size} bytes (at most ${MAX_RAW_G711_BYTES})`);
      return new RawG711Source(fd, encoding, st.size);
    } catch (e) {
      closeSync(fd);
      throw e instanceof WavError ? e : new WavError('io', `cannot stat ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  readSamples(out: Int16Array, scratch: Uint8Array): number {
    if (this.closed) throw new WavError('io', 'read after close');
    const want = Math.min(out.length, scratch.length, this.samples - this.pos);
    if (want <= 0) return 0;
    let n: number;
    try {
      n = readSync(this.fd, scratch, 0, want, this.pos);
    } catch (e) {
      throw new WavError('io', `read failed: ${(e as Error).message}`, { cause: e });
    }
    this.pos += n;
    return decodeG711(this.encoding, scratch, n, out);
  }

  rewind(): void {
    this.pos = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Decodes the first n bytes (no allocation: runs on the worker's pacing loop). */
function decodeG711(encoding: WavEncoding, bytes: Uint8Array, n: number, out: Int16Array): number {
  const table = encoding === 'mulaw' ? ULAW_DECODE : ALAW_DECODE;
  for (let i = 0; i < n; i++) out[i] = table[bytes[i]];
  return n;
}
