/**
 * Opus as the transcoder's FrameCodec (issue 10, items 1-2): 48 kHz mono PCM, RTP clock
 * 48000 (RFC 7587 §4.1), one 20 ms frame (960 samples) per packet, the worker's pacing.
 *
 * The encoder follows the fmtp of the leg it sends to (what that phone can receive, RFC 7587
 * §6.1: maxaveragebitrate, maxplaybackrate, useinbandfec, cbr) through opusEncoderConfigFor;
 * the frame length stays 20 ms whatever ptime says, since the pacer ticks every 20 ms. The
 * decoder takes whatever arrives. A lost frame is concealed by libopus (PLC); a corrupt packet
 * is counted and concealed the same way, never thrown.
 */
import type { OpusBackend } from '../codecs/opus-backend.js';
import { chooseOpusBackend } from '../codecs/opus-backend.js';
import { opusEncoderConfigFor } from '../codecs/opus-encoder-config.js';
import { parseOpusFmtp } from '../codecs/opus-fmtp.js';
import { OPUS_MAX_PACKET_BYTES, OPUS_RTP_CLOCK_RATE, OPUS_SAMPLE_RATE, OpusDecoder, OpusEncoder } from '../codecs/opus.js';
import type { LegCodec } from '../protocol.js';
import type { FrameCodec } from './frame-codec.js';

/** 20 ms at 48 kHz. */
export const OPUS_FRAME_SAMPLES = 960;
/** The largest packet one 20 ms frame encodes to (RFC 6716 §3.4: 1275 bytes of frame + the TOC). */
const MAX_ENCODED_BYTES = 1276;

export interface OpusFrameCodec extends FrameCodec {
  /** Packets libopus refused (concealed instead). */
  readonly corruptPackets: number;
  /** The encoder's settings, as taken from the remote's fmtp. */
  readonly encoderConfig: OpusEncoder['config'];
  close(): void;
}

/** Options for tests and the load probe: the backend, and libopus complexity (default: libopus's). */
export interface OpusFrameCodecOptions {
  backend?: OpusBackend;
  complexity?: number;
}

let loaded: OpusBackend | undefined;

/** The backend of this thread, loaded on first use (native when it loads, else opusscript). */
function defaultBackend(): OpusBackend {
  loaded ??= chooseOpusBackend('auto').backend;
  return loaded;
}

/** One direction's Opus coder for a leg that negotiated `codec` (its fmtp shapes what we send it). */
export function createOpusFrameCodec(codec: Pick<LegCodec, 'fmtp'>, options: OpusFrameCodecOptions = {}): OpusFrameCodec {
  const backend = options.backend ?? defaultBackend();
  const config = { ...opusEncoderConfigFor(parseOpusFmtp(codec.fmtp ?? '')), frameMs: 20 as const };
  // Both are made lazily: a direction only ever decodes with one and encodes with the other.
  let enc: OpusEncoder | undefined;
  let dec: OpusDecoder | undefined;
  const decoder = (): OpusDecoder => (dec ??= new OpusDecoder(backend, { frameMs: 20 }));
  const encoder = (): OpusEncoder => (enc ??= new OpusEncoder(backend, { ...config, ...(options.complexity !== undefined ? { complexity: options.complexity } : {}) }));
  let corrupt = 0;
  const concealInto = (out: Int16Array): number => {
    const r = decoder().decodeOrConceal(null).pcm;
    const n = Math.min(r.length, out.length);
    out.set(n === r.length ? r : r.subarray(0, n));
    if (n < out.length) out.fill(0, n);
    return out.length;
  };
  return {
    name: 'opus',
    sampleRate: OPUS_SAMPLE_RATE,
    rtpClock: OPUS_RTP_CLOCK_RATE,
    frameSamples: OPUS_FRAME_SAMPLES,
    maxPayloadBytes: MAX_ENCODED_BYTES,
    get corruptPackets() {
      return corrupt;
    },
    encoderConfig: config,
    decodedSamples: () => backend.maxDecodeSamples,
    decode(payload, out) {
      if (payload.length > OPUS_MAX_PACKET_BYTES) {
        corrupt++;
        return concealInto(out.subarray(0, OPUS_FRAME_SAMPLES));
      }
      const r = decoder().decodeOrConceal(payload);
      if (r.error) corrupt++;
      const n = Math.min(r.pcm.length, out.length);
      out.set(n === r.pcm.length ? r.pcm : r.pcm.subarray(0, n));
      return n;
    },
    encode(pcm, out) {
      const packet = encoder().encode(pcm.length === OPUS_FRAME_SAMPLES ? pcm : pcm.subarray(0, OPUS_FRAME_SAMPLES));
      const n = Math.min(packet.length, out.length);
      out.set(n === packet.length ? packet : packet.subarray(0, n));
      return n;
    },
    conceal: (out) => concealInto(out),
    close() {
      enc?.close();
      dec?.close();
    },
  };
}
