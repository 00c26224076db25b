import { isTokenChar, isWs, parseParams, SyntaxError400, type Params } from './scan.js';

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
  const s = value;
  const n = s.length;
  let i = 0;
  const tok = (): string => {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const st = i;
    while (i < n && isTokenChar(s.charCodeAt(i))) i++;
    if (i === st) throw new SyntaxError400('bad Via protocol');
    return s.slice(st, i);
  };
  const slash = (): void => {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 0x2f) throw new SyntaxError400("expected '/' in Via");
    i++;
  };
  const name = tok();
  slash();
  const version = tok();
  slash();
  const transport = tok().toUpperCase();
  if (name.toUpperCase() !== 'SIP' || version !== '2.0') throw new SyntaxError400('bad Via protocol');
  while (i < n && isWs(s.charCodeAt(i))) i++;
  let host: string;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close < 0) throw new SyntaxError400('unterminated IPv6 reference in Via');
    const inner = s.slice(i + 1, close);
    if (!/^[0-9A-Fa-f:.]+$/.test(inner)) throw new SyntaxError400('bad IPv6 reference in Via');
    host = '[' + inner.toLowerCase() + ']';
    i = close + 1;
  } else {
    const hs = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f) i++;
      else break;
    }
    if (i === hs) throw new SyntaxError400('empty Via host');
    host = s.slice(hs, i).toLowerCase();
  }
  while (i < n && isWs(s.charCodeAt(i))) i++;
  let port: number | undefined;
  if (s.charCodeAt(i) === 0x3a) {
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const ps = i;
    while (i < n && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    if (i === ps || i - ps > 5) throw new SyntaxError400('bad Via port');
    port = Number(s.slice(ps, i));
    if (port > 65535 || port === 0) throw new SyntaxError400('Via port out of range');
  }
  const params = parseParams(s, i);
  const via: Via = { transport, host, params };
  if (port !== undefined) via.port = port;
  return via;
}

export function serializeVia(v: Via): string {
  let out = `SIP/2.0/${v.transport} ${v.host}`;
  if (v.port !== undefined) out += ':' + v.port;
  for (const k in v.params) {
    const val = v.params[k];
    out += val === null || val === undefined ? `;${k}` : `;${k}=${val}`;
  }
  return out;
}

/** RFC 3261 §8.1.1.7: a branch is RFC 3261-compliant when it starts with the magic cookie and has more after it. */
export function isRfc3261Branch(branch: string | null | undefined): branch is string {
  return typeof branch === 'string' && branch.length > 7 && branch.startsWith('z9hG4bK');
}
