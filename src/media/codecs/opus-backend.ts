import { createRequire } from 'node:module';
import { OpusCodecError } from './opus-error.js';

/**
 * The libopus behind our Opus codec: `@discordjs/opus` (libopus compiled natively at install
 * time, an N-API addon, so it loads in any Node version and in worker threads) when it loads,
 * else `opusscript` (libopus compiled to WebAssembly, always installable). Both expose the same
 * few calls, wrapped here in one shape; the packages' own types are not imported, so that this
 * file typechecks whether or not the optional native package is installed.
 */
export type OpusBackendName = 'native' | 'opusscript';

/** One libopus encoder or decoder state (mono, 48 kHz). Errors are whatever the package throws. */
export interface OpusRawEncoder {
  /** Encode one frame of interleaved s16le PCM; returns the packet. */
  encode(pcm: Buffer, frameSamples: number): Buffer;
  /** opus_encoder_ctl with one int argument (a SET request). */
  ctl(request: number, value: number): void;
  close(): void;
}

export interface OpusRawDecoder {
  /** opus_decode of a non-empty packet with decode_fec = 0; returns s16le PCM. */
  decode(packet: Buffer): Buffer;
  close(): void;
}

export interface OpusBackend {
  readonly name: OpusBackendName;
  /**
   * Whether the binding can ask libopus for a lost frame's in-band FEC copy (opus_decode with
   * decode_fec = 1). Neither package exposes that argument (both always pass 0), so this is
   * false for both today; the decoder then conceals the lost frame instead.
   */
  readonly fecDecode: boolean;
  /** The largest frame, in samples, one decode call may return (native 120 ms, opusscript 60 ms). */
  readonly maxDecodeSamples: number;
  createEncoder(): OpusRawEncoder;
  createDecoder(): OpusRawDecoder;
}

/** What loading found: the backend in use and, when the native one is not it, why. */
export interface OpusBackendChoice {
  backend: OpusBackend;
  /** Why the native backend is not in use (not installed, failed to load, not asked for); undefined when it is. */
  nativeUnavailable: string | undefined;
}

const SAMPLE_RATE = 48000;
const CHANNELS = 1;
/** OPUS_APPLICATION_VOIP (opus_defines.h). */
const APPLICATION_VOIP = 2048;
/** OPUS_SET_APPLICATION_REQUEST (opus_defines.h). */
const SET_APPLICATION = 4000;

const require = createRequire(import.meta.url);

interface NativeOpusEncoder {
  encode(buf: Buffer): Buffer;
  decode(buf: Buffer): Buffer;
  applyEncoderCTL(ctl: number, value: number): void;
}
interface NativeModule {
  OpusEncoder: new (rate: number, channels: number) => NativeOpusEncoder;
}
interface OpusScriptInstance {
  encode(buf: Buffer, frameSize: number): Buffer;
  decode(buf: Buffer): Buffer;
  encoderCTL(ctl: number, arg: number): void;
  delete(): void;
}
type OpusScriptClass = new (rate: number, channels: number, application: number, options?: { wasm?: boolean }) => OpusScriptInstance;

/** The native binding, or the reason it is not there. */
export function loadNativeOpus(): OpusBackend | string {
  let mod: NativeModule;
  try {
    mod = require('@discordjs/opus') as NativeModule;
  } catch (err) {
    return `@discordjs/opus did not load: ${firstLine(err)}`;
  }
  if (typeof mod?.OpusEncoder !== 'function') return '@discordjs/opus loaded without an OpusEncoder class';
  const Ctor = mod.OpusEncoder;
  return {
    name: 'native',
    fecDecode: false,
    maxDecodeSamples: 6 * 960,
    createEncoder(): OpusRawEncoder {
      // The binding creates the libopus encoder as OPUS_APPLICATION_AUDIO; VOIP suits speech
      // better, and libopus accepts the change before the first frame is encoded.
      const enc = new Ctor(SAMPLE_RATE, CHANNELS);
      enc.applyEncoderCTL(SET_APPLICATION, APPLICATION_VOIP);
      return {
        encode: (pcm) => enc.encode(pcm),
        ctl: (request, value) => enc.applyEncoderCTL(request, value),
        close: () => {},
      };
    },
    createDecoder(): OpusRawDecoder {
      // One OpusEncoder object holds an encoder and a decoder, each made on first use.
      const dec = new Ctor(SAMPLE_RATE, CHANNELS);
      return { decode: (packet) => dec.decode(packet), close: () => {} };
    },
  };
}

/** The WebAssembly build; throws only if the package itself is missing (it is a regular dependency). */
export function loadOpusScript(): OpusBackend {
  const OpusScript = require('opusscript') as OpusScriptClass;
  return {
    name: 'opusscript',
    fecDecode: false,
    maxDecodeSamples: 3 * 960,
    createEncoder(): OpusRawEncoder {
      const enc = new OpusScript(SAMPLE_RATE, CHANNELS, APPLICATION_VOIP);
      let open = true;
      return {
        encode: (pcm, frameSamples) => enc.encode(pcm, frameSamples),
        ctl: (request, value) => enc.encoderCTL(request, value),
        close: () => {
          if (open) enc.delete();
          open = false;
        },
      };
    },
    createDecoder(): OpusRawDecoder {
      const dec = new OpusScript(SAMPLE_RATE, CHANNELS, APPLICATION_VOIP);
      let open = true;
      return {
        decode: (packet) => dec.decode(packet),
        close: () => {
          if (open) dec.delete();
          open = false;
        },
      };
    },
  };
}

/**
 * Pick the backend: `auto` (default) takes the native one when it loads, else opusscript;
 * `native` or `opusscript` force one (the native one is then required: an error names why it
 * is missing, as an OpusCodecError 'backend-unavailable'). Each call loads afresh from Node's module cache: no state is kept here.
 */
export function chooseOpusBackend(prefer: 'auto' | OpusBackendName = 'auto'): OpusBackendChoice {
  if (prefer === 'opusscript') return { backend: loadOpusScript(), nativeUnavailable: 'opusscript was asked for' };
  const native = loadNativeOpus();
  if (typeof native !== 'string') return { backend: native, nativeUnavailable: undefined };
  if (prefer === 'native') throw new OpusCodecError('backend-unavailable', native);
  return { backend: loadOpusScript(), nativeUnavailable: native };
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 200);
}
