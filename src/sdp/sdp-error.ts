/**
 * Why an SDP could not be read or used. The SDP layer knows nothing of SIP; the
 * B2BUA turns an SdpError in an offer into 488 Not Acceptable Here (or 400).
 */
export type SdpErrorReason =
  /** Not a string or a Buffer. */
  | 'not-text'
  /** Over one of the SDP_LIMITS. */
  | 'too-large'
  /** Not `<letter>=<value>`, or a NUL/CR inside a line. */
  | 'bad-line'
  /** The first line is not v=0. */
  | 'bad-version'
  /** A line that must appear once appears again (v, o, s, session or media c). */
  | 'duplicate-line'
  /** A line that must be present is missing (o=). */
  | 'missing-line'
  | 'bad-origin'
  | 'bad-connection'
  | 'bad-bandwidth'
  | 'bad-timing'
  | 'bad-attribute'
  | 'bad-media'
  /** Neither the media nor the session has a usable c= (unicast IP literal). */
  | 'no-connection'
  /** An answer that does not fit its offer (RFC 3264 §6). */
  | 'answer-mismatch'
  /** A caller passed something unusable (a media index out of range, a bad port or address). */
  | 'bad-argument';

export class SdpError extends Error {
  constructor(
    readonly reason: SdpErrorReason,
    readonly detail: string,
    /** 1-based line number in the parsed text, when the error is about a line. */
    readonly line?: number,
  ) {
    super(line === undefined ? `SDP ${reason}: ${detail}` : `SDP line ${line}: ${reason}: ${detail}`);
    this.name = 'SdpError';
  }
}
