/**
 * A codec as the transcoder sees it: a stateful coder for one direction of one leg,
 * turning an RTP payload into 16-bit PCM at the codec's own sample rate and back.
 * Adding a codec (Opus) means writing one of these and listing it in codec-registry.ts.
 */
import type { SampleRate } from '../codecs/resampler.js';

export interface FrameCodec {
  readonly name: string;
  /** Sample rate of the PCM it decodes to and encodes from. */
  readonly sampleRate: SampleRate;
  /** RTP timestamp units per second (G.722: 8000 although it samples at 16 kHz, RFC 3551 §4.5.2). */
  readonly rtpClock: number;
  /** PCM samples in one 20 ms frame at sampleRate. */
  readonly frameSamples: number;
  /** The largest payload encode() writes for one frame. */
  readonly maxPayloadBytes: number;
  /** How many samples decode() may write for a payload of `bytes` bytes. */
  decodedSamples(bytes: number): number;
  /** Decodes one payload into `out`; returns the samples written (0: nothing usable). Never throws on bad payloads. */
  decode(payload: Uint8Array, out: Int16Array): number;
  /** Encodes one frame of frameSamples samples into `out`; returns the bytes written. */
  encode(pcm: Int16Array, out: Uint8Array): number;
  /** The codec's own concealment of one lost frame (Opus PLC), writing frameSamples; absent: repeat-and-fade. */
  conceal?(out: Int16Array): number;
  /** Frees what the codec holds outside the JS heap (opusscript's WebAssembly state); absent: nothing to free. */
  close?(): void;
}
