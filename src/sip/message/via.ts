import { readHost, readPort } from './host.js';
import { parseCount } from './parse-count.js';
import { isTokenChar, isWs, parseParams, serializeParams, SyntaxError400, type Params } from './scan.js';

/** One Via value (RFC 3261 §20.42). */
export interface Via {
  /** Upper-case transport: UDP, TCP, TLS, WS, WSS, SCTP or any token. */
  transport: string;
  /** sent-by host, lowercased; IPv6 with brackets. */
  host: string;
  port?: number;
  params: Params;
}

/**
 * Parse a single Via value, allowing LWS around '/' (RFC 4475 §3.1.1.1) and the
 * received parameter with or without IPv6 brackets (RFC 5118 §4.5).
 */
export function parseVia(value: string): Via {
  parseCount.via++;
  const s = value;
  const n = s.length;
  let i = skipWs(s, 0);
  let st = i;
  i = skipToken(s, i);
  const name = s.slice(st, i);
  i = skipSlash(s, i);
  st = i;
  i = skipToken(s, i);
  const version = s.slice(st, i);
  i = skipSlash(s, i);
  st = i;
  i = skipToken(s, i);
  const transport = s.slice(st, i).toUpperCase();
  if (name.toUpperCase() !== 'SIP' || version !== '2.0') throw new SyntaxError400('bad Via protocol');
  while (i < n && isWs(s.charCodeAt(i))) i++;
  const h = readHost(s, i);
  const host = h.host;
  i = h.end;
  while (i < n && isWs(s.charCodeAt(i))) i++;
  let port: number | undefined;
  // RFC 3261 §25.1: sent-by = host [ COLON port ], COLON allowing LWS around ':'.
  if (s.charCodeAt(i) === 0x3a) {
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const p = readPort(s, i);
    if (p.port === 0) throw new SyntaxError400('Via port out of range');
    port = p.port;
    i = p.end;
  }
  const params = parseParams(s, i);
  const via: Via = { transport, host, params };
  if (port !== undefined) via.port = port;
  return via;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** Index past a non-empty token at i (after optional LWS); throws when there is none. */
function skipToken(s: string, i: number): number {
  const st = i;
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  if (i === st) throw new SyntaxError400('bad Via protocol');
  return i;
}

/** Index past LWS '/' LWS (RFC 3261 §25.1 SLASH). */
function skipSlash(s: string, i: number): number {
  i = skipWs(s, i);
  if (s.charCodeAt(i) !== 0x2f) throw new SyntaxError400("expected '/' in Via");
  return skipWs(s, i + 1);
}

export function serializeVia(v: Via): string {
  let out = `SIP/2.0/${v.transport} ${v.host}`;
  if (v.port !== undefined) out += ':' + v.port;
  return out + serializeParams(v.params);
}

/** RFC 3261 §8.1.1.7: a branch is RFC 3261-compliant when it starts with the magic cookie and has more after it. */
export function isRfc3261Branch(branch: string | null | undefined): branch is string {
  return typeof branch === 'string' && branch.length > 7 && branch.startsWith('z9hG4bK');
}
