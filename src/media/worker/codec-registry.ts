/**
 * The codecs the worker can transcode, by their SDP name and RTP clock: one fresh
 * FrameCodec per direction (the G.722 and Opus coders keep state). Keep TRANSCODABLE_CODECS in
 * src/sdp/codecs.ts in step (the test checks it): the B2BUA offers exactly these.
 */
import { alawDecodeInto, alawEncodeInto } from '../codecs/g711-alaw.js';
import { ulawDecodeInto, ulawEncodeInto } from '../codecs/g711-ulaw.js';
import { G722Decoder } from '../codecs/g722-decoder.js';
import { G722Encoder } from '../codecs/g722-encoder.js';
import type { LegCodec } from '../protocol.js';
import type { FrameCodec } from './frame-codec.js';
import { createOpusFrameCodec } from './opus-frame-codec.js';

/** Makes one direction's coder; Opus reads the leg's fmtp (what that phone can receive). */
type Factory = (c: LegCodec) => FrameCodec;

function g711(name: string, decode: (b: Uint8Array, o: Int16Array) => number, encode: (p: Int16Array, o: Uint8Array) => number): Factory {
  return () => ({
    name,
    sampleRate: 8000,
    rtpClock: 8000,
    frameSamples: 160,
    maxPayloadBytes: 160,
    decodedSamples: (bytes) => bytes,
    decode: (payload, out) => decode(payload.length <= out.length ? payload : payload.subarray(0, out.length), out),
    encode,
  });
}

function g722(): FrameCodec {
  const dec = new G722Decoder();
  const enc = new G722Encoder();
  return {
    name: 'G722',
    sampleRate: 16000,
    rtpClock: 8000,
    frameSamples: 320,
    maxPayloadBytes: 160,
    decodedSamples: (bytes) => 2 * bytes,
    decode: (payload, out) => dec.decode(2 * payload.length <= out.length ? payload : payload.subarray(0, out.length >> 1), out),
    encode: (pcm, out) => enc.encode(pcm.length & 1 ? pcm.subarray(0, pcm.length - 1) : pcm, out),
  };
}

/** By lower-case name and RTP clock rate. */
const FACTORIES: ReadonlyMap<string, Factory> = new Map([
  ['pcmu/8000', g711('PCMU', ulawDecodeInto, ulawEncodeInto)],
  ['pcma/8000', g711('PCMA', alawDecodeInto, alawEncodeInto)],
  ['g722/8000', g722],
  // RFC 7587 §7: always opus/48000/2 in the SDP, even for the mono stream we send.
  ['opus/48000', (c) => createOpusFrameCodec(c)],
]);

/** Channels as the rtpmap must say them: 1, except Opus's fixed 2 (RFC 7587 §7). */
function channelsOk(c: LegCodec): boolean {
  const ch = c.channels ?? 1;
  return String(c.name).toLowerCase() === 'opus' ? ch === 2 || ch === 1 : ch === 1;
}

function key(c: Pick<LegCodec, 'name' | 'clockRate'>): string {
  return `${String(c.name).toLowerCase()}/${c.clockRate}`;
}

/** telephone-event clock rates a leg may name (RFC 4733 §7.1.1 registers it at any rate; these are the ones used). */
const TE_RATES: ReadonlySet<number> = new Set([8000, 16000, 48000]);

function isPayloadType(pt: unknown): boolean {
  return typeof pt === 'number' && Number.isInteger(pt) && pt >= 0 && pt <= 127;
}

/** A codec description from the main thread that the worker can transcode (and that is well formed). */
export function canTranscode(c: LegCodec): boolean {
  if (c === null || typeof c !== 'object' || typeof c.name !== 'string') return false;
  if (!isPayloadType(c.payloadType) || (c.telephoneEvent !== undefined && (!isPayloadType(c.telephoneEvent) || c.telephoneEvent === c.payloadType))) return false;
  if (c.telephoneEventClockRate !== undefined && !TE_RATES.has(c.telephoneEventClockRate)) return false;
  return channelsOk(c) && FACTORIES.has(key(c));
}

/** A new coder for one direction; undefined when the codec is not one the worker transcodes. */
export function createFrameCodec(c: LegCodec): FrameCodec | undefined {
  if (!canTranscode(c)) return undefined;
  return FACTORIES.get(key(c))!(c);
}
