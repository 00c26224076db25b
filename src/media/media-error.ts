import type { MediaErrorCode } from './protocol.js';

/**
 * A media operation that failed: no ports left, no worker, a worker that died or did
 * not answer, an unknown session. The code says which; the B2BUA maps most of them to
 * 503 (and 'bad-request' to 488).
 */
export class MediaError extends Error {
  constructor(
    readonly code: MediaErrorCode,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'MediaError';
  }
}
