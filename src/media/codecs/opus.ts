import type { OpusBackend, OpusBackendName, OpusRawDecoder, OpusRawEncoder } from './opus-backend.js';
import type { OpusBandwidth, OpusEncoderConfig } from './opus-encoder-config.js';
import { OPUS_DEFAULT_BITRATE } from './opus-encoder-config.js';
import { OpusCodecError } from './opus-error.js';
import { opusPacketInfo } from './opus-toc.js';

/**
 * Opus for the media workers: 48 kHz mono Int16 PCM in frames of `frameMs` (20 ms = 960 samples
 * by default) in, packets out, and back, with packet loss concealment.
 *
 * RTP: Opus's RTP clock is always 48000 Hz, whatever the audio bandwidth, and the SDP always
 * says `opus/48000/2`, even for a mono stream (RFC 7587 §7); the RTP timestamp advances by the
 * packet's duration at 48 kHz (960 per 20 ms packet).
 */
export const OPUS_SAMPLE_RATE = 48000;
export const OPUS_RTP_CLOCK_RATE = 48000;
export const OPUS_RTPMAP_ENCODING = 'opus/48000/2';

/**
 * The largest packet we decode. A 120 ms packet at the top bitrate is 7650 bytes, but no RTP
 * peer sends a payload that large (it would be fragmented at the IP layer), and opusscript
 * cannot take more than 3 × 1276 bytes.
 */
export const OPUS_MAX_PACKET_BYTES = 3 * 1276;

/** opus_encoder_ctl SET requests and values (opus_defines.h). */
const CTL = {
  SET_BITRATE: 4002,
  SET_MAX_BANDWIDTH: 4004,
  SET_VBR: 4006,
  SET_COMPLEXITY: 4010,
  SET_INBAND_FEC: 4012,
  SET_PACKET_LOSS_PERC: 4014,
} as const;
const BANDWIDTH: Record<OpusBandwidth, number> = { nb: 1101, mb: 1102, wb: 1103, swb: 1104, fb: 1105 };

export interface OpusEncoderOptions extends Partial<OpusEncoderConfig> {
  /** libopus complexity 0..10 (CPU against quality); libopus's default (10) when absent. */
  complexity?: number;
}

/** A stateful encoder of one outgoing stream. */
export class OpusEncoder {
  readonly backend: OpusBackendName;
  readonly config: OpusEncoderConfig;
  /** Samples in one input frame (48 kHz). */
  readonly frameSamples: number;
  private readonly raw: OpusRawEncoder;
  private readonly scratch: Buffer;
  private closed = false;

  constructor(backend: OpusBackend, options: OpusEncoderOptions = {}) {
    this.backend = backend.name;
    this.config = {
      bitrate: options.bitrate ?? OPUS_DEFAULT_BITRATE,
      maxBandwidth: options.maxBandwidth ?? 'fb',
      inbandFec: options.inbandFec ?? false,
      packetLossPercent: options.packetLossPercent ?? 0,
      cbr: options.cbr ?? false,
      frameMs: options.frameMs ?? 20,
    };
    this.frameSamples = (OPUS_SAMPLE_RATE / 1000) * this.config.frameMs;
    this.scratch = Buffer.alloc(this.frameSamples * 2);
    this.raw = backend.createEncoder();
    try {
      this.raw.ctl(CTL.SET_BITRATE, this.config.bitrate);
      this.raw.ctl(CTL.SET_MAX_BANDWIDTH, BANDWIDTH[this.config.maxBandwidth]);
      this.raw.ctl(CTL.SET_VBR, this.config.cbr ? 0 : 1);
      this.raw.ctl(CTL.SET_INBAND_FEC, this.config.inbandFec ? 1 : 0);
      this.raw.ctl(CTL.SET_PACKET_LOSS_PERC, this.config.packetLossPercent);
      if (options.complexity !== undefined) this.raw.ctl(CTL.SET_COMPLEXITY, options.complexity);
    } catch (err) {
      this.raw.close();
      throw new OpusCodecError('encode-failed', `libopus refused the encoder settings ${JSON.stringify(this.config)}`, { cause: err });
    }
  }

  /** Encode one frame of exactly `frameSamples` samples into one packet. */
  encode(pcm: Int16Array): Uint8Array {
    if (this.closed) throw new OpusCodecError('encode-failed', 'encoder is closed');
    if (pcm.length !== this.frameSamples) {
      throw new OpusCodecError('bad-frame', `an Opus frame of ${this.config.frameMs} ms is ${this.frameSamples} samples, not ${pcm.length}`);
    }
    // Copy into our own little-endian buffer: the bindings read the bytes as s16le, and a view
    // on the caller's memory might not start on an even byte offset.
    for (let i = 0; i < pcm.length; i++) this.scratch.writeInt16LE(pcm[i]!, i * 2);
    let packet: Buffer;
    try {
      packet = this.raw.encode(this.scratch, this.frameSamples);
    } catch (err) {
      throw new OpusCodecError('encode-failed', 'libopus could not encode the frame', { cause: err });
    }
    return new Uint8Array(packet.buffer, packet.byteOffset, packet.length);
  }

  close(): void {
    if (!this.closed) this.raw.close();
    this.closed = true;
  }
}

/** The outcome of `decodeOrConceal`: PCM always, and why it had to be concealed. */
export interface OpusDecodeResult {
  pcm: Int16Array;
  /** True when the PCM is concealment (packet missing or refused), not decoded audio. */
  concealed: boolean;
  /** The refusal, when a packet was there but could not be decoded. */
  error?: OpusCodecError;
}

/** One TOC byte per concealable duration: a TOC-only packet makes libopus conceal exactly that long. */
const PLC_TOC: ReadonlyArray<readonly [samples: number, toc: number]> = [
  [2880, 3 << 3], // SILK NB 60 ms, code 0
  [1920, 2 << 3], // SILK NB 40 ms
  [960, 31 << 3], // CELT FB 20 ms
  [480, 30 << 3], // CELT FB 10 ms
  [240, 29 << 3], // CELT FB 5 ms
  [120, 28 << 3], // CELT FB 2.5 ms
];

/** A stateful decoder of one incoming stream. */
export class OpusDecoder {
  readonly backend: OpusBackendName;
  private readonly raw: OpusRawDecoder;
  private readonly maxSamples: number;
  private lastSamples: number;
  private closed = false;

  /** `frameMs` is the expected packet duration, used for concealment before any packet arrived. */
  constructor(backend: OpusBackend, options: { frameMs?: number } = {}) {
    this.backend = backend.name;
    this.raw = backend.createDecoder();
    this.maxSamples = backend.maxDecodeSamples;
    this.lastSamples = roundToPlc((OPUS_SAMPLE_RATE / 1000) * (options.frameMs ?? 20));
  }

  /** Samples of the last decoded packet: what `conceal()` produces by default. */
  get frameSamples(): number {
    return this.lastSamples;
  }

  /**
   * Decode one packet. A packet that is empty, too long, has an impossible table of contents
   * (RFC 6716 §3.1-3.2) or that libopus refuses gives an OpusCodecError 'corrupt-packet'; the
   * decoder state is then unchanged and the stream can go on.
   */
  decode(packet: Uint8Array): Int16Array {
    if (this.closed) throw new OpusCodecError('corrupt-packet', 'decoder is closed');
    if (!(packet instanceof Uint8Array) || packet.length === 0) throw new OpusCodecError('corrupt-packet', 'empty Opus packet');
    if (packet.length > OPUS_MAX_PACKET_BYTES) {
      throw new OpusCodecError('corrupt-packet', `Opus packet of ${packet.length} bytes (more than ${OPUS_MAX_PACKET_BYTES})`);
    }
    const info = opusPacketInfo(packet);
    if (!info) throw new OpusCodecError('corrupt-packet', 'Opus packet with an impossible table of contents');
    if (info.frames * info.frameSamples > this.maxSamples) {
      throw new OpusCodecError('corrupt-packet', `Opus packet of ${(info.frames * info.frameSamples) / 48} ms (this backend decodes at most ${this.maxSamples / 48} ms)`);
    }
    let out: Buffer;
    try {
      out = this.raw.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.length));
    } catch (err) {
      throw new OpusCodecError('corrupt-packet', `libopus refused the packet: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const pcm = toInt16(out);
    if (pcm.length > 0) this.lastSamples = roundToPlc(pcm.length);
    return pcm;
  }

  /**
   * Packet loss concealment: `samples` (default: the last packet's length) of audio continuing
   * the stream, fading out over consecutive losses; silence before the first packet. It feeds
   * libopus TOC-only packets, which libopus treats as lost frames of the duration their TOC
   * gives (its DTX/PLC path), so exactly that much is concealed and the decoder state follows.
   * A length that is not a multiple of 2.5 ms is rounded up to one.
   */
  conceal(samples: number = this.lastSamples): Int16Array {
    if (this.closed) throw new OpusCodecError('corrupt-packet', 'decoder is closed');
    const want = roundToPlc(samples);
    const out = new Int16Array(want);
    let filled = 0;
    while (filled < want) {
      const [n, toc] = PLC_TOC.find(([s]) => s <= want - filled)!;
      const part = toInt16(this.raw.decode(Buffer.from([toc])));
      out.set(part.subarray(0, Math.min(part.length, want - filled)), filled);
      filled += n;
    }
    return out;
  }

  /** The worker's path: decode the packet, or conceal when it is missing (null) or refused. Never throws. */
  decodeOrConceal(packet: Uint8Array | null): OpusDecodeResult {
    if (packet !== null) {
      try {
        return { pcm: this.decode(packet), concealed: false };
      } catch (err) {
        const error = err instanceof OpusCodecError ? err : new OpusCodecError('corrupt-packet', String(err), { cause: err });
        return { pcm: this.safeConceal(), concealed: true, error };
      }
    }
    return { pcm: this.safeConceal(), concealed: true };
  }

  close(): void {
    if (!this.closed) this.raw.close();
    this.closed = true;
  }

  private safeConceal(): Int16Array {
    try {
      return this.conceal();
    } catch {
      return new Int16Array(this.lastSamples);
    }
  }
}

/** Concealable lengths: a multiple of 120 samples (2.5 ms), 120 to 5760 (120 ms). */
function roundToPlc(samples: number): number {
  if (!Number.isFinite(samples) || samples <= 0) return 960;
  return Math.min(5760, Math.max(120, Math.ceil(samples / 120) * 120));
}

/** s16le bytes from a binding → a fresh, aligned Int16Array. */
function toInt16(buf: Buffer): Int16Array {
  const n = buf.length >> 1;
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = buf.readInt16LE(i * 2);
  return pcm;
}
