/**
 * Why a WAV file was refused or could not be written. Role in the media engine: the player
 * and the recorder in the media worker report `code` in their events and log lines, so a bad
 * prompt or a full disk is a clear answer instead of a crash.
 */
export type WavErrorCode =
  /** Not RIFF/WAVE at all. */
  | 'not-wav'
  /** The file ends inside a header or chunk. */
  | 'truncated'
  /** Not PCM 16-bit, µ-law or A-law (e.g. float, ADPCM, MP3 in WAV). */
  | 'unsupported-format'
  | 'unsupported-rate'
  | 'unsupported-channels'
  /** Inconsistent fmt fields (block align, byte rate, bits per sample). */
  | 'bad-format'
  /** A data chunk that claims more bytes than the file holds. */
  | 'data-exceeds-file'
  | 'no-data'
  /** More chunks than any real file has. */
  | 'too-many-chunks'
  /** A WAV cannot hold more than 4 GiB. */
  | 'too-large'
  /** The file could not be opened, read or written. */
  | 'io';

export class WavError extends Error {
  constructor(
    readonly code: WavErrorCode,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'WavError';
  }
}
