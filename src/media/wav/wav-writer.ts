/**
 * Incremental WAV writer: samples collect in memory and go to the file at each flush(),
 * after which the header's RIFF and data sizes are rewritten, so the file on disk is a valid
 * WAV of everything flushed. A crash loses at most what came after the last flush (the
 * caller picks the interval, e.g. one second).
 *
 * Role in the media engine: the recorder (voicemail, call recording) in the media worker
 * writes one leg (mono) or both legs (two channels, left = one leg, right = the other) and
 * flushes on its pacing loop. `maxDataBytes` lets it stop at the tenant's storage limit:
 * write() then returns false and nothing already written is touched.
 *
 * Layout: PCM is the canonical 44-byte header (RIFF, fmt of 16, data). G.711 µ-law/A-law
 * carries an 18-byte fmt (cbSize 0) and the `fact` chunk (sample frames) that the RIFF
 * spec asks of non-PCM formats, updated with the sizes.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { WavError } from './wav-error.js';
import { bytesPerSample, formatCode, type WavEncoding } from './wav-format.js';

export interface WavWriterOptions {
  encoding?: WavEncoding;
  sampleRate?: number;
  channels?: 1 | 2;
  /** Refuse samples beyond this many data bytes (storage limit). Default: the WAV maximum. */
  maxDataBytes?: number;
  /** Replace an existing file. Default false: an existing file is never lost. */
  overwrite?: boolean;
  /** fsync after each flush (survives a power cut, not just a process crash). Default false. */
  durable?: boolean;
  /** Bytes kept in memory between flushes before the buffer grows. Default one second of audio. */
  initialBufferBytes?: number;
}

/** RIFF sizes are 32-bit. */
const WAV_MAX_BYTES = 0xffff_ffff;
const LITTLE_ENDIAN = endianness() === 'LE';

export class WavWriter {
  readonly encoding: WavEncoding;
  readonly sampleRate: number;
  readonly channels: number;
  readonly blockAlign: number;
  private readonly headerBytes: number;
  private readonly maxData: number;
  private readonly durable: boolean;
  private pending: Buffer;
  private pendingLen = 0;
  /** Bytes of samples on disk (flushed). */
  private flushed = 0;
  private closed = false;
  private refused = false;

  private constructor(
    private readonly fd: number,
    opts: WavWriterOptions,
  ) {
    this.encoding = opts.encoding ?? 'pcm16';
    this.sampleRate = opts.sampleRate ?? 8000;
    this.channels = opts.channels ?? 1;
    this.blockAlign = this.channels * bytesPerSample(this.encoding);
    this.headerBytes = this.encoding === 'pcm16' ? 44 : 58;
    this.maxData = Math.min(opts.maxDataBytes ?? Infinity, WAV_MAX_BYTES - this.headerBytes);
    this.durable = opts.durable ?? false;
    this.pending = Buffer.alloc(Math.max(this.blockAlign, opts.initialBufferBytes ?? this.sampleRate * this.blockAlign));
  }

  /** Creates the file with a valid empty WAV header; throws WavError. */
  static create(path: string, opts: WavWriterOptions = {}): WavWriter {
    const encoding = opts.encoding ?? 'pcm16';
    const rate = opts.sampleRate ?? 8000;
    const channels = opts.channels ?? 1;
    if (channels !== 1 && channels !== 2) throw new WavError('unsupported-channels', `${channels} channels (mono or two)`);
    if (encoding === 'pcm16' ? ![8000, 16000, 48000].includes(rate) : rate !== 8000) throw new WavError('unsupported-rate', `${encoding} at ${rate} Hz`);
    let fd: number;
    try {
      fd = openSync(path, opts.overwrite ? 'w' : 'wx', 0o640);
    } catch (e) {
      throw new WavError('io', `cannot create ${path}: ${(e as Error).message}`, { cause: e });
    }
    const w = new WavWriter(fd, opts);
    try {
      w.writeHeader();
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    return w;
  }

  /** Samples on disk, in bytes. */
  get dataBytes(): number {
    return this.flushed;
  }

  /** Samples accepted so far (flushed or not), in bytes. */
  get acceptedBytes(): number {
    return this.flushed + this.pendingLen;
  }

  /** True once a write was refused for the size limit. */
  get full(): boolean {
    return this.refused;
  }

  /**
   * Appends encoded samples (whole frames: 2 bytes per channel for PCM, little-endian; 1 for
   * G.711). Returns false, writing nothing, when they would pass maxDataBytes.
   */
  write(data: Uint8Array): boolean {
    this.open();
    if (data.length % this.blockAlign !== 0) throw new WavError('bad-format', `write of ${data.length} bytes is not whole ${this.blockAlign}-byte frames`);
    if (!this.reserve(data.length)) return false;
    this.pending.set(data, this.pendingLen);
    this.pendingLen += data.length;
    return true;
  }

  /** Mono PCM: appends samples. */
  writePcm16(samples: Int16Array): boolean {
    this.open();
    if (this.encoding !== 'pcm16' || this.channels !== 1) throw new WavError('bad-format', 'writePcm16 needs a mono PCM writer');
    return this.interleave(samples, undefined, samples.length);
  }

  /** Two-channel PCM: left and right (e.g. caller and callee), interleaved into frames. */
  writePcm16Stereo(left: Int16Array, right: Int16Array): boolean {
    this.open();
    if (this.encoding !== 'pcm16' || this.channels !== 2) throw new WavError('bad-format', 'writePcm16Stereo needs a two-channel PCM writer');
    if (left.length !== right.length) throw new WavError('bad-format', `left has ${left.length} samples, right ${right.length}`);
    return this.interleave(left, right, left.length);
  }

  /**
   * Writes what is pending, then rewrites the header sizes: after this returns, the file is
   * a valid WAV of everything written so far.
   */
  flush(): void {
    this.open();
    if (this.pendingLen > 0) {
      this.writeAt(this.pending, 0, this.pendingLen, this.headerBytes + this.flushed);
      this.flushed += this.pendingLen;
      this.pendingLen = 0;
    }
    this.writeSizes(false);
    if (this.durable) fsyncSync(this.fd);
  }

  /** Flushes, pads the data chunk to an even size (RIFF), and closes. */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
      if (this.flushed & 1) {
        this.writeAt(Buffer.alloc(1), 0, 1, this.headerBytes + this.flushed);
        this.writeSizes(true);
      }
    } finally {
      this.closed = true;
      closeSync(this.fd);
    }
  }

  private open(): void {
    if (this.closed) throw new WavError('io', 'write after close');
  }

  private reserve(bytes: number): boolean {
    if (this.flushed + this.pendingLen + bytes > this.maxData) {
      this.refused = true;
      return false;
    }
    if (this.pendingLen + bytes > this.pending.length) {
      const grown = Buffer.alloc(Math.max(this.pending.length * 2, this.pendingLen + bytes));
      this.pending.copy(grown, 0, 0, this.pendingLen);
      this.pending = grown;
    }
    return true;
  }

  private interleave(left: Int16Array, right: Int16Array | undefined, n: number): boolean {
    if (!this.reserve(n * this.blockAlign)) return false;
    const p = this.pending;
    let o = this.pendingLen;
    for (let i = 0; i < n; i++) {
      p.writeInt16LE(left[i], o);
      o += 2;
      if (right) {
        p.writeInt16LE(right[i], o);
        o += 2;
      }
    }
    this.pendingLen = o;
    return true;
  }

  private writeHeader(): void {
    const h = Buffer.alloc(this.headerBytes);
    const pcm = this.encoding === 'pcm16';
    h.write('RIFF', 0, 'latin1');
    h.write('WAVE', 8, 'latin1');
    h.write('fmt ', 12, 'latin1');
    h.writeUInt32LE(pcm ? 16 : 18, 16);
    h.writeUInt16LE(formatCode(this.encoding), 20);
    h.writeUInt16LE(this.channels, 22);
    h.writeUInt32LE(this.sampleRate, 24);
    h.writeUInt32LE(this.sampleRate * this.blockAlign, 28);
    h.writeUInt16LE(this.blockAlign, 32);
    h.writeUInt16LE(bytesPerSample(this.encoding) * 8, 34);
    if (pcm) {
      h.write('data', 36, 'latin1');
    } else {
      h.writeUInt16LE(0, 36); // cbSize
      h.write('fact', 38, 'latin1');
      h.writeUInt32LE(4, 42);
      h.write('data', 50, 'latin1');
    }
    this.writeAt(h, 0, h.length, 0);
    this.writeSizes(false);
  }

  private readonly sizeBuf = Buffer.alloc(4);

  private writeSizes(padded: boolean): void {
    const riff = this.headerBytes - 8 + this.flushed + (padded ? 1 : 0);
    this.put32(riff, 4);
    if (this.encoding === 'pcm16') {
      this.put32(this.flushed, 40);
    } else {
      this.put32(this.flushed / this.blockAlign, 46); // fact: sample frames
      this.put32(this.flushed, 54);
    }
  }

  private put32(v: number, at: number): void {
    this.sizeBuf.writeUInt32LE(v, 0);
    this.writeAt(this.sizeBuf, 0, 4, at);
  }

  private writeAt(buf: Buffer, off: number, len: number, position: number): void {
    try {
      let done = 0;
      while (done < len) done += writeSync(this.fd, buf, off + done, len - done, position + done);
    } catch (e) {
      throw new WavError('io', `write failed: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** Little-endian bytes of PCM samples, for write() (no copy on little-endian hosts). */
export function pcm16Bytes(samples: Int16Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const b = Buffer.alloc(samples.byteLength);
  for (let i = 0; i < samples.length; i++) b.writeInt16LE(samples[i], i * 2);
  return b;
}
