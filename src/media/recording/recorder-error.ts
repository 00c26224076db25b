/**
 * Why a recording could not start. Role in the media engine: the worker reports `code` to the
 * main thread, which answers the feature code or the API with a clear reason ('quota': the
 * tenant's storage is full; 'io': the file could not be created, e.g. it exists; 'bad-option').
 */
export type RecorderErrorCode = 'quota' | 'io' | 'bad-option';

export class RecorderError extends Error {
  constructor(
    readonly code: RecorderErrorCode,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'RecorderError';
  }
}
