import { canonicalName } from './header-names.js';
import { findHeaderEnd } from './header-end.js';
import { getHeader } from './headers.js';
import { isToken, isWs, parseDigits, SyntaxError400 } from './scan.js';
import { PARSED, type Header, type SipMessage, type SipRequest, type SipResponse } from './types.js';
import { validateMessage } from './validate.js';

export interface ParseLimits {
  /** Whole message, headers and body. */
  maxMessageBytes: number;
  /** Header section, start line included. */
  maxHeaderBytes: number;
  /** Number of header lines. */
  maxHeaders: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxMessageBytes: 65_535,
  maxHeaderBytes: 16_384,
  maxHeaders: 120,
};

export type ParseResult =
  | { ok: true; message: SipMessage; /** Octets consumed; trailing octets of a datagram are ignored. */ length: number }
  | {
      ok: false;
      /** Status for a reply: 400, 505 or 513. */
      status: number;
      error: string;
      /**
       * What could be read of a request whose header section has a Via, so that the
       * transport can answer `status` (RFC 3261 §8.2.6). Its headers are the ones read
       * before the error and may themselves be malformed (the Via included); never
       * hand it to a service. Absent for responses, which are dropped.
       */
      request?: SipRequest;
    };

const EMPTY = Buffer.alloc(0);

/**
 * Parse one SIP message from a buffer. With `framed` (stream transports) the buffer is
 * exactly one message as cut by the stream framer; otherwise it is a datagram, whose
 * body runs to the end when Content-Length is absent (RFC 3261 §18.3) and whose
 * octets past Content-Length are ignored (RFC 4475 §3.1.1.8).
 *
 * Never throws: malformed input yields { ok: false } with a status to answer.
 */
export function parseMessage(buf: Buffer, opts: { framed?: boolean; limits?: ParseLimits } = {}): ParseResult {
  try {
    return parse(buf, opts.framed === true, opts.limits ?? DEFAULT_PARSE_LIMITS);
  } catch {
    // Not reached by any known input; a parser bug must still not take the process down.
    return { ok: false, status: 400, error: 'unparseable message' };
  }
}

function parse(buf: Buffer, framed: boolean, limits: ParseLimits): ParseResult {
  if (buf.length > limits.maxMessageBytes) return { ok: false, status: 513, error: 'Message Too Large' };
  let start = 0;
  // RFC 3261 §7.5: ignore CRLFs before the start line (a bare LF too).
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  const he = findHeaderEnd(buf, start);
  let headerEnd: number;
  let bodyStart: number;
  if (he) {
    headerEnd = he.end;
    bodyStart = he.bodyStart;
  } else {
    if (framed) return { ok: false, status: 400, error: 'unterminated header section' };
    // A datagram whose header section is not closed: read it as headers with no body.
    headerEnd = buf.length;
    bodyStart = buf.length;
  }
  if (headerEnd - start > limits.maxHeaderBytes) return { ok: false, status: 513, error: 'header section too large' };
  if (headerEnd <= start) return { ok: false, status: 400, error: 'empty message' };

  const text = buf.toString('utf8', start, headerEnd);
  let lineEnd = text.indexOf('\n');
  if (lineEnd < 0) lineEnd = text.length;
  const startLine = text.charCodeAt(lineEnd - 1) === 0x0d ? text.slice(0, lineEnd - 1) : text.slice(0, lineEnd);
  const headers: Header[] = [];
  let headerError: string | undefined;
  try {
    readHeaders(text, lineEnd + 1, headers, limits);
  } catch (e) {
    headerError = e instanceof SyntaxError400 ? e.message : 'bad header section';
  }

  // Born with the parse cache's slot (filled by validation), so that every message read from
  // the wire has one shape and the property reads along the path stay monomorphic.
  let msg: SipMessage;
  let partial: SipRequest | undefined;
  if (isStatusLine(startLine)) {
    // Responses that fail are dropped, so there is nothing to build a reply from.
    const m = /^SIP\/2\.0 (\d{3})(?: (.*))?$/i.exec(startLine);
    if (!m) return { ok: false, status: 400, error: 'bad status line' };
    const status = Number(m[1]);
    if (status < 100 || status > 699) return { ok: false, status: 400, error: 'bad status code' };
    if (headerError !== undefined) return { ok: false, status: 400, error: headerError };
    msg = { kind: 'response', status, reason: m[2] ?? '', headers, body: EMPTY, [PARSED]: undefined } satisfies SipResponse;
  } else {
    // RFC 3261 §7.1: Method SP Request-URI SP SIP-Version, single spaces. Extra or
    // embedded SP (RFC 4475 §3.1.2.8–10) is a 400.
    const parts = startLine.split(' ');
    partial = makePartial(parts[0] ?? '', parts[1] ?? '', headers);
    if (parts.length !== 3) return fail('malformed request line', partial);
    const [method, uri, version] = parts as [string, string, string];
    if (version.toUpperCase() !== 'SIP/2.0') {
      // RFC 3261 §21.5.6, RFC 4475 §3.1.2.16: a well-formed other version is a 505.
      if (/^SIP\/\d{1,5}\.\d{1,5}$/i.test(version)) return fail('Version Not Supported', partial, 505);
      return fail('bad SIP version', partial);
    }
    if (!isToken(method)) return fail('bad method', partial);
    if (headerError !== undefined) return fail(headerError, partial);
    msg = { kind: 'request', method, uri, headers, body: EMPTY, [PARSED]: undefined } satisfies SipRequest;
  }

  try {
    validateMessage(msg);
  } catch (e) {
    return fail(e instanceof SyntaxError400 ? e.message : 'invalid message', partial);
  }

  // Body framing (RFC 3261 §18.3).
  const clText = getHeader(msg, 'content-length');
  let length: number;
  if (clText !== undefined) {
    const cl = parseDigits(clText, 0xffffffff);
    // RFC 4475 §3.1.2.3: a negative or non-numeric length is unrecoverable.
    if (cl === undefined) return fail('bad Content-Length', partial);
    // RFC 4475 §3.1.2.2: on a datagram, more length than octets is a 400.
    if (cl > buf.length - bodyStart) return fail('Content-Length larger than message', partial);
    msg.body = cl === 0 ? EMPTY : ownBody(buf, bodyStart, bodyStart + cl);
    length = bodyStart + cl;
  } else if (framed) {
    length = bodyStart;
  } else {
    msg.body = bodyStart < buf.length ? ownBody(buf, bodyStart, buf.length) : EMPTY;
    length = buf.length;
  }
  return { ok: true, message: msg, length };
}

/**
 * The body in memory of its own: a view into the datagram (or stream buffer) would keep the
 * whole of it alive for as long as the message is kept, and a call keeps its INVITE and the
 * callee's answer for its whole life (issue 13: about 1.5 KiB per kept message).
 */
function ownBody(buf: Buffer, start: number, end: number): Buffer {
  const view = buf.subarray(start, end);
  if (view.length === view.buffer.byteLength) return view;
  const own = Buffer.allocUnsafeSlow(view.length);
  view.copy(own);
  return own;
}

function isStatusLine(line: string): boolean {
  // RFC 3261 §7.1: SIP-Version is case-insensitive. A method cannot contain '/'.
  return line.length >= 4 && line.charCodeAt(3) === 0x2f && line.slice(0, 3).toUpperCase() === 'SIP';
}

/**
 * Read header lines from `text` starting at `pos`. Lines end in CRLF or a bare LF;
 * a line starting with SP or HTAB continues the previous one (RFC 3261 §7.3.1), and
 * whitespace around the colon is allowed (HCOLON). Headers read before an error stay
 * in `headers`.
 */
function readHeaders(text: string, pos: number, headers: Header[], limits: ParseLimits): void {
  const n = text.length;
  let last: Header | undefined;
  // Position of the next CR at or after the current line; found once, so bare LF
  // lines cost linear time however many there are.
  let cr = text.indexOf('\r', pos);
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    const end = text.charCodeAt(nl - 1) === 0x0d && nl - 1 >= pos ? nl - 1 : nl;
    const lineStart = pos;
    pos = nl + 1;
    if (end === lineStart) continue;
    // RFC 3261 §7.3.1, §25.1: CR appears only in CRLF. A bare CR could end a line
    // for another parser, so a value holding one would smuggle a header.
    while (cr >= 0 && cr < lineStart) cr = text.indexOf('\r', cr + 1);
    if (cr >= 0 && cr < end) throw new SyntaxError400('bare CR in header section');
    const c0 = text.charCodeAt(lineStart);
    if (isWs(c0)) {
      if (!last) throw new SyntaxError400('continuation line before first header');
      const more = trimWs(text, lineStart, end);
      if (more.length > 0) last.value = last.value.length === 0 ? more : last.value + ' ' + more;
      continue;
    }
    const colon = text.indexOf(':', lineStart);
    if (colon < 0 || colon >= end || colon === lineStart) throw new SyntaxError400('header line without colon');
    let nameEnd = colon;
    while (nameEnd > lineStart && isWs(text.charCodeAt(nameEnd - 1))) nameEnd--;
    const rawName = text.slice(lineStart, nameEnd);
    if (!isToken(rawName)) throw new SyntaxError400('bad header name');
    if (headers.length >= limits.maxHeaders) throw new SyntaxError400('too many headers');
    last = { name: canonicalName(rawName), value: trimWs(text, colon + 1, end) };
    headers.push(last);
  }
}

/** text[from, to) without leading and trailing SP/HTAB (not String#trim, which eats Unicode spaces). */
function trimWs(text: string, from: number, to: number): string {
  while (from < to && isWs(text.charCodeAt(from))) from++;
  while (to > from && isWs(text.charCodeAt(to - 1))) to--;
  return text.slice(from, to);
}

function makePartial(method: string, uri: string, headers: Header[]): SipRequest | undefined {
  if (!getHeader({ headers }, 'via')) return undefined;
  return { kind: 'request', method, uri, headers, body: EMPTY };
}

function fail(error: string, request: SipRequest | undefined, status = 400): ParseResult {
  return request ? { ok: false, status, error, request } : { ok: false, status, error };
}
