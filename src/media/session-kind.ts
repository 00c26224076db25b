/**
 * Relay or transcode: two legs that carry the same codec (name, RTP clock and channels,
 * RFC 4855 §3 names without case) share packets as they are; any other pair is decoded
 * and re-encoded by the worker. Payload type numbers may differ between the legs of a
 * relayed call, as they always could (the relay forwards them unchanged, RFC 3264 §6.1).
 * Pure: the controller side of the decision, sent to the worker with setCodecs.
 */
import type { LegCodec } from './protocol.js';

export function needsTranscoding(a: LegCodec, b: LegCodec): boolean {
  return !(a.name.toLowerCase() === b.name.toLowerCase() && a.clockRate === b.clockRate && a.channels === b.channels);
}
