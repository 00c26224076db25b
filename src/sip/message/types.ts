import type { ParsedHeaders } from './parsed-headers.js';

/**
 * SIP messages as plain data. Header names are kept in lowercase long form (compact
 * forms expanded), values as the text that followed the colon, unfolded and trimmed.
 * Anything a service needs beyond the start line is parsed on demand by the helpers
 * in this folder, so an unread header costs nothing, and parsed once: the parsed forms are
 * kept on the message under PARSED (parsed-headers.ts), keyed by the text they came from.
 */
export interface Header {
  /** Lowercase, long form: 'via', 'call-id', 'content-length'. */
  name: string;
  value: string;
}

/** Key of the parsed-header cache on a message (a symbol: not in JSON, not in deep-equal). */
export const PARSED: unique symbol = Symbol('sip.parsed');

interface MessageBase {
  headers: Header[];
  /** Raw body octets; empty when there is none. */
  body: Buffer;
  /** Parsed headers, filled by validation and the accessors; only they read or write it. */
  [PARSED]?: ParsedHeaders;
}

export interface SipRequest extends MessageBase {
  kind: 'request';
  /** Case-sensitive method token (RFC 3261 §7.1). */
  method: string;
  /** Request-URI exactly as on the wire. */
  uri: string;
}

export interface SipResponse extends MessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

export const SIP_VERSION = 'SIP/2.0';
