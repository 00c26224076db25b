/**
 * DTMF in SIP INFO (RFC 6086 carries it; the bodies are de-facto formats): what a phone
 * sends and what the PBX sends an INFO-only phone. Pure.
 *
 * - `application/dtmf-relay` (Cisco's format, the common one): lines `Signal=5` and
 *   `Duration=160` (ms), keys without case, CRLF or LF; other lines are ignored;
 * - `application/dtmf`: the key alone (`5`), optionally its event code (`10` = `*`,
 *   `11` = `#`, RFC 4733 §3.2 numbering), no duration.
 *
 * Every body comes from the network: anything but one of the sixteen keys and a sane
 * duration is refused with 400 (and a body under a Content-Encoding with 415, RFC 3261
 * §21.4.13); an INFO of any other type is not DTMF and is left to the relay.
 */
import { digitToEvent, eventToDigit } from '../media/rtp/telephone-event.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

/** No DTMF body is longer than a few dozen bytes; larger is hostile. */
export const MAX_DTMF_BODY = 256;
/** Duration assumed when a body gives none (a typical key press). */
export const DEFAULT_INFO_DURATION_MS = 250;
/** The longest Duration taken (the media path caps generated digits at 10 s too). */
export const MAX_INFO_DURATION_MS = 10_000;

export type DtmfInfoParse =
  | { kind: 'digit'; digit: string; durationMs: number; format: 'dtmf-relay' | 'dtmf' }
  | { kind: 'not-dtmf' }
  | { kind: 'refuse'; status: 400 | 415; reason: string };

/** The media type of a Content-Type value, lower case, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function isDtmfInfoType(contentType: string | undefined): boolean {
  const t = mediaTypeOf(contentType);
  return t === 'application/dtmf-relay' || t === 'application/dtmf';
}

export function parseDtmfInfo(contentType: string | undefined, contentEncoding: string | undefined, body: Uint8Array): DtmfInfoParse {
  const type = mediaTypeOf(contentType);
  if (type !== 'application/dtmf-relay' && type !== 'application/dtmf') return { kind: 'not-dtmf' };
  if (contentEncoding !== undefined && contentEncoding.trim() !== '' && contentEncoding.trim().toLowerCase() !== 'identity') {
    return { kind: 'refuse', status: 415, reason: reasonPhrase(415) };
  }
  if (body.length === 0) return refuse('empty DTMF body');
  if (body.length > MAX_DTMF_BODY) return refuse('DTMF body too long');
  for (const b of body) {
    // Printable ASCII and line breaks only: no NUL, no control bytes, no UTF-8 tricks.
    if (!(b === 0x0d || b === 0x0a || b === 0x09 || (b >= 0x20 && b < 0x7f))) return refuse('DTMF body is not text');
  }
  const text = Buffer.from(body).toString('latin1');
  return type === 'application/dtmf' ? parseDtmf(text) : parseDtmfRelay(text);
}

function parseDtmfRelay(text: string): DtmfInfoParse {
  let signal: string | undefined;
  let duration: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return refuse('DTMF line without "="');
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (key === 'signal') {
      if (signal !== undefined) return refuse('Signal given twice');
      signal = value;
    } else if (key === 'duration') {
      if (duration !== undefined) return refuse('Duration given twice');
      duration = value;
    }
  }
  if (signal === undefined) return refuse('no Signal');
  const digit = keyOf(signal);
  if (!digit) return refuse('Signal is not a DTMF key');
  let durationMs = DEFAULT_INFO_DURATION_MS;
  if (duration !== undefined) {
    if (!/^\d{1,6}$/.test(duration)) return refuse('Duration is not a number of ms');
    durationMs = Number(duration);
    if (durationMs <= 0 || durationMs > MAX_INFO_DURATION_MS) return refuse('Duration out of range');
  }
  return { kind: 'digit', digit, durationMs, format: 'dtmf-relay' };
}

function parseDtmf(text: string): DtmfInfoParse {
  const digit = keyOf(text.trim());
  if (!digit) return refuse('body is not a DTMF key');
  return { kind: 'digit', digit, durationMs: DEFAULT_INFO_DURATION_MS, format: 'dtmf' };
}

/** One of 0-9 * # A-D (a-d), or the event code 10-15 of * # A-D. */
function keyOf(s: string): string | undefined {
  if (s.length === 1) {
    const e = digitToEvent(s);
    return e === undefined ? undefined : eventToDigit(e);
  }
  if (/^1[0-5]$/.test(s)) return eventToDigit(Number(s));
  return undefined;
}

function refuse(reason: string): DtmfInfoParse {
  return { kind: 'refuse', status: 400, reason: `Bad Request (${reason})` };
}

/** The body of an INFO for an INFO-only phone (application/dtmf-relay). */
export function dtmfRelayBody(digit: string, durationMs: number): Buffer {
  return Buffer.from(`Signal=${digit}\r\nDuration=${Math.max(1, Math.round(durationMs))}\r\n`, 'latin1');
}
