/**
 * Low-level scanning shared by the header grammars: list splitting, quoted strings
 * and generic parameters (RFC 3261 §25.1 `generic-param`).
 */

/** Thrown by the grammars in this folder; the message layer turns it into a 400. */
export class SyntaxError400 extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyntaxError400';
  }
}

export function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** RFC 3261 §25.1 token characters. */
const TOKEN = new Uint8Array(128);
for (const ch of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~") TOKEN[ch.charCodeAt(0)] = 1;

export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/**
 * Index just past the closing quote of the quoted string that opens at `start`
 * (RFC 3261 §25.1 quoted-string, with quoted-pair). Throws when it never closes.
 */
export function skipQuoted(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c /* \ */) {
      i++;
      continue;
    }
    if (c === 0x22 /* " */) return i + 1;
  }
  throw new SyntaxError400('unterminated quoted string');
}

/**
 * Split a list-header value at commas that are outside quotes and <…>
 * (RFC 3261 §7.3.1). Empty elements are an error, as in RFC 4475 §3.1.2.1.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) {
      i = skipQuoted(value, i) - 1;
    } else if (c === 0x3c /* < */) {
      depth++;
    } else if (c === 0x3e /* > */) {
      if (depth > 0) depth--;
    } else if (c === 0x2c /* , */ && depth === 0) {
      out.push(value.slice(from, i).trim());
      from = i + 1;
    }
  }
  out.push(value.slice(from).trim());
  for (const part of out) if (part.length === 0) throw new SyntaxError400('empty element in list');
  return out;
}

export type Params = Record<string, string | null>;

/**
 * Parse `*( SEMI generic-param )` starting at `pos` (which must be at ';' or the end).
 * Names are lowercased; values keep their case and quotes are removed. Values may be
 * tokens, quoted strings or hosts, including bare or bracketed IPv6 (RFC 5118 §4.5).
 */
export function parseParams(s: string, pos: number, into: Params = Object.create(null) as Params): Params {
  const n = s.length;
  let i = pos;
  while (i < n) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n) break;
    if (s.charCodeAt(i) !== 0x3b /* ; */) throw new SyntaxError400(`unexpected '${s[i]}' in parameters`);
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const nameStart = i;
    while (i < n && isTokenChar(s.charCodeAt(i))) i++;
    if (i === nameStart) throw new SyntaxError400('empty parameter name');
    const name = s.slice(nameStart, i).toLowerCase();
    while (i < n && isWs(s.charCodeAt(i))) i++;
    let value: string | null = null;
    if (i < n && s.charCodeAt(i) === 0x3d /* = */) {
      i++;
      while (i < n && isWs(s.charCodeAt(i))) i++;
      if (i < n && s.charCodeAt(i) === 0x22) {
        const end = skipQuoted(s, i);
        value = unquote(s.slice(i, end));
        i = end;
      } else {
        const vStart = i;
        // token, host (with IPv6 brackets and colons) or bare IPv6
        while (i < n) {
          const c = s.charCodeAt(i);
          if (isTokenChar(c) || c === 0x3a /* : */ || c === 0x5b || c === 0x5d) i++;
          else break;
        }
        if (i === vStart) throw new SyntaxError400(`empty value for parameter ${name}`);
        value = s.slice(vStart, i);
      }
    }
    if (!(name in into)) into[name] = value;
  }
  return into;
}

/** Remove surrounding quotes and resolve quoted-pairs. */
export function unquote(q: string): string {
  if (q.length < 2 || q.charCodeAt(0) !== 0x22) return q;
  const inner = q.slice(1, -1);
  if (inner.indexOf('\\') < 0) return inner;
  return inner.replace(/\\(.)/gs, '$1');
}

/** Quote a string for use as a quoted-string. */
export function quote(s: string): string {
  return '"' + s.replace(/(["\\])/g, '\\$1') + '"';
}

export function serializeParams(params: Params): string {
  let out = '';
  for (const k in params) {
    const v = params[k];
    out += v === null || v === undefined ? `;${k}` : `;${k}=${needsQuote(v) ? quote(v) : v}`;
  }
  return out;
}

function needsQuote(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!(isTokenChar(c) || c === 0x3a || c === 0x5b || c === 0x5d)) return true;
  }
  return v.length === 0;
}
