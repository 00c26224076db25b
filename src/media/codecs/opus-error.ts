/**
 * An Opus operation that failed:
 * - `corrupt-packet`: a packet from the network that libopus (or our TOC check) refuses;
 *   the caller drops it and conceals the frame, counting it;
 * - `bad-frame`: PCM handed to the encoder that is not one frame long (our own bug);
 * - `encode-failed`: libopus refused to encode or to take a setting;
 * - `backend-unavailable`: the backend that was asked for cannot be loaded.
 */
export type OpusErrorCode = 'corrupt-packet' | 'bad-frame' | 'encode-failed' | 'backend-unavailable';

export class OpusCodecError extends Error {
  constructor(
    readonly code: OpusErrorCode,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'OpusCodecError';
  }
}
