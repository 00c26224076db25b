import { canonicalName, SINGLE_HEADERS } from './header-names.js';
import { getHeader, getHeaderValues, parseCSeq } from './headers.js';
import { parseNameAddr } from './name-addr.js';
import { isToken, isWs, splitList, SyntaxError400 } from './scan.js';
import type { Header, SipMessage, SipRequest, SipResponse } from './types.js';
import { isSipUri, parseUri } from './uri.js';
import { parseVia } from './via.js';

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
      /** What could be read of a request, enough to build the reply when it has a Via. */
      request?: SipRequest;
    };

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

/**
 * Parse one SIP message from a buffer. With `framed` (stream transports) the buffer is
 * exactly one message as cut by the stream framer; otherwise it is a datagram, whose
 * body runs to the end when Content-Length is absent (RFC 3261 §18.3) and whose
 * octets past Content-Length are ignored (RFC 4475 §3.1.1.8).
 *
 * Never throws: malformed input yields { ok: false } with a status to answer.
 */
export function parseMessage(buf: Buffer, opts: { framed?: boolean; limits?: ParseLimits } = {}): ParseResult {
  const limits = opts.limits ?? DEFAULT_PARSE_LIMITS;
  if (buf.length > limits.maxMessageBytes) return { ok: false, status: 513, error: 'Message Too Large' };
  let start = 0;
  // RFC 3261 §7.5: ignore CRLFs before the start line.
  while (start + 1 < buf.length && buf[start] === 0x0d && buf[start + 1] === 0x0a) start += 2;
  let headerEnd = buf.indexOf(CRLFCRLF, start);
  let sepLen = 4;
  if (headerEnd < 0) {
    headerEnd = buf.indexOf(LFLF, start);
    sepLen = 2;
  }
  if (headerEnd < 0) {
    if (opts.framed) return { ok: false, status: 400, error: 'unterminated header section' };
    // A datagram whose header section is not closed: read it as headers with no body.
    headerEnd = buf.length;
    sepLen = 0;
  }
  if (headerEnd - start > limits.maxHeaderBytes) return { ok: false, status: 513, error: 'header section too large' };
  const text = buf.toString('utf8', start, headerEnd);
  const lines = text.split(/\r?\n/);
  const startLine = lines[0] ?? '';
  const headers: Header[] = [];
  let partial: SipRequest | undefined;
  try {
    readHeaders(lines, headers, limits);
  } catch (e) {
    return fail(e, undefined);
  }
  const bodyStart = Math.min(buf.length, headerEnd + sepLen);

  let msg: SipMessage;
  if (startLine.startsWith('SIP/')) {
    const m = /^SIP\/2\.0 (\d{3})(?: (.*))?$/.exec(startLine);
    if (!m) return { ok: false, status: 400, error: 'bad status line' };
    const status = Number(m[1]);
    if (status < 100 || status > 699) return { ok: false, status: 400, error: 'bad status code' };
    msg = { kind: 'response', status, reason: m[2] ?? '', headers, body: EMPTY } satisfies SipResponse;
  } else {
    const parts = startLine.split(' ');
    if (parts.length !== 3) {
      // RFC 4475 §3.1.2.8–10: extra or embedded SP in the request line.
      const maybe = makePartial(parts[0] ?? '', parts[1] ?? '', headers);
      return { ok: false, status: 400, error: 'malformed request line', ...(maybe ? { request: maybe } : {}) };
    }
    const [method, uri, version] = parts as [string, string, string];
    partial = makePartial(method, uri, headers);
    if (version !== 'SIP/2.0') {
      if (/^SIP\/\d+\.\d+$/i.test(version) && version.toUpperCase() !== 'SIP/2.0') {
        return { ok: false, status: 505, error: 'Version Not Supported', ...(partial ? { request: partial } : {}) };
      }
      if (version.toUpperCase() !== 'SIP/2.0') return { ok: false, status: 400, error: 'bad SIP version', ...(partial ? { request: partial } : {}) };
    }
    if (!isToken(method)) return { ok: false, status: 400, error: 'bad method', ...(partial ? { request: partial } : {}) };
    msg = { kind: 'request', method, uri, headers, body: EMPTY } satisfies SipRequest;
  }

  try {
    validate(msg);
  } catch (e) {
    return fail(e, partial);
  }

  // Body framing.
  const clText = getHeader(msg, 'content-length');
  let length: number;
  if (clText !== undefined) {
    const t = clText.trim();
    if (!/^\d{1,10}$/.test(t)) return fail(new SyntaxError400('bad Content-Length'), partial);
    const cl = Number(t);
    if (bodyStart + cl > buf.length) return fail(new SyntaxError400('Content-Length larger than message'), partial);
    msg.body = cl === 0 ? EMPTY : buf.subarray(bodyStart, bodyStart + cl);
    length = bodyStart + cl;
  } else if (opts.framed) {
    length = bodyStart;
  } else {
    msg.body = bodyStart < buf.length ? buf.subarray(bodyStart) : EMPTY;
    length = buf.length;
  }
  return { ok: true, message: msg, length };
}

const EMPTY = Buffer.alloc(0);

function readHeaders(lines: string[], headers: Header[], limits: ParseLimits): void {
  let last: Header | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0) continue;
    const c0 = line.charCodeAt(0);
    if (isWs(c0)) {
      // RFC 3261 §7.3.1: a line starting with whitespace continues the previous one.
      if (!last) throw new SyntaxError400('continuation line before first header');
      last.value = (last.value + ' ' + line.trim()).trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SyntaxError400('header line without colon');
    let nameEnd = colon;
    while (nameEnd > 0 && isWs(line.charCodeAt(nameEnd - 1))) nameEnd--;
    const rawName = line.slice(0, nameEnd);
    if (!isToken(rawName)) throw new SyntaxError400('bad header name');
    if (headers.length >= limits.maxHeaders) throw new SyntaxError400('too many headers');
    last = { name: canonicalName(rawName), value: line.slice(colon + 1).trim() };
    headers.push(last);
  }
}

function makePartial(method: string, uri: string, headers: Header[]): SipRequest | undefined {
  if (!getHeader({ headers }, 'via')) return undefined;
  return { kind: 'request', method, uri, headers, body: EMPTY };
}

function fail(e: unknown, request: SipRequest | undefined): ParseResult {
  if (e instanceof SyntaxError400) return { ok: false, status: 400, error: e.message, ...(request ? { request } : {}) };
  return { ok: false, status: 400, error: 'unparseable message', ...(request ? { request } : {}) };
}

/**
 * Structural checks every message must pass before any service sees it: the headers a
 * transaction and a dialog depend on exist once and parse.
 */
function validate(msg: SipMessage): void {
  for (const name of SINGLE_HEADERS) {
    let count = 0;
    for (const h of msg.headers) if (h.name === name) count++;
    // RFC 4475 §3.3.8: several values where one is required is an error, never "first wins".
    if (count > 1) throw new SyntaxError400(`multiple ${name} headers`);
  }
  const vias = getHeaderValues(msg, 'via');
  if (vias.length === 0) throw new SyntaxError400('missing Via');
  for (const v of vias) parseVia(v);
  const cseqText = getHeader(msg, 'cseq');
  if (cseqText === undefined) throw new SyntaxError400('missing CSeq');
  const cseq = parseCSeq(cseqText);
  const callId = getHeader(msg, 'call-id');
  if (callId === undefined || callId.length === 0) throw new SyntaxError400('missing Call-ID');
  if (/\s/.test(callId)) throw new SyntaxError400('bad Call-ID');
  const from = getHeader(msg, 'from');
  const to = getHeader(msg, 'to');
  if (from === undefined) throw new SyntaxError400('missing From');
  if (to === undefined) throw new SyntaxError400('missing To');
  parseNameAddr(from);
  parseNameAddr(to);
  if (msg.kind === 'request') {
    if (cseq.method !== msg.method) throw new SyntaxError400('CSeq method does not match request method');
    const uri = parseUri(msg.uri);
    // RFC 3261 §19.1.5 / RFC 4475 §3.1.2.11: headers are not allowed in a Request-URI.
    if (isSipUri(uri) && uri.headers !== undefined) throw new SyntaxError400('headers in Request-URI');
    const mf = getHeader(msg, 'max-forwards');
    if (mf !== undefined && !/^\s*\d{1,3}\s*$/.test(mf)) throw new SyntaxError400('bad Max-Forwards');
    if (mf !== undefined && Number(mf) > 255) throw new SyntaxError400('Max-Forwards out of range');
    for (const h of msg.headers) {
      if (h.name !== 'contact') continue;
      if (h.value === '*') continue;
      for (const c of splitList(h.value)) parseNameAddr(c);
    }
  }
}
