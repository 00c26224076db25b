/**
 * Low-level scanning shared by the header grammars: list splitting, quoted strings,
 * numbers and generic parameters (RFC 3261 §25.1 `generic-param`, §19.1.1 `uri-parameter`).
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

/**
 * Characters of a uri-parameter name or value (RFC 3261 §25.1 paramchar: unreserved,
 * escaped, param-unreserved), plus the token characters, read liberally.
 */
const URI_PARAM = new Uint8Array(128);
for (const ch of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~()[]/:&$") URI_PARAM[ch.charCodeAt(0)] = 1;

/** Without leading and trailing SP/HTAB (String#trim would also eat Unicode spaces of a value). */
export function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s.charCodeAt(a))) a++;
  while (b > a && isWs(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

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
 * (RFC 3261 §25.1 quoted-string, with quoted-pair: a backslash escapes any octet,
 * NUL included). Throws when it never closes.
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
 * (RFC 3261 §7.3.1). Inside <…> a '"' is an ordinary URI character. Empty elements
 * are an error, as in RFC 4475 §3.1.2.1.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22 && depth === 0) {
      i = skipQuoted(value, i) - 1;
    } else if (c === 0x3c /* < */) {
      depth++;
    } else if (c === 0x3e /* > */) {
      if (depth > 0) depth--;
    } else if (c === 0x2c /* , */ && depth === 0) {
      out.push(trimLws(value.slice(from, i)));
      from = i + 1;
    }
  }
  out.push(trimLws(value.slice(from)));
  for (const part of out) if (part.length === 0) throw new SyntaxError400('empty element in list');
  return out;
}

/**
 * A decimal number with optional leading zeros (RFC 4475 §3.1.1.1 sends `0068`), no
 * larger than max; undefined when not 1*DIGIT or out of range. Never loses precision:
 * more than 10 significant digits is always out of range for SIP's 32-bit fields.
 */
export function parseDigits(text: string, max: number): number | undefined {
  const n = text.length;
  if (n === 0) return undefined;
  let i = 0;
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  while (i < n - 1 && text.charCodeAt(i) === 0x30) i++;
  if (n - i > 10) return undefined;
  const v = Number(text.slice(i));
  return v <= max ? v : undefined;
}

export type Params = Record<string, string | null>;

/**
 * Parse `*( SEMI generic-param )` starting at `pos` (which must be at ';' or the end).
 * Names are lowercased; values keep their case and quotes are removed. Values may be
 * tokens, quoted strings or hosts, including bare or bracketed IPv6 (RFC 5118 §4.5).
 *
 * With `uri`, the text is the uri-parameters of a SIP URI (RFC 3261 §19.1.1): no
 * whitespace, no quoted strings, and the paramchar set (`/`, `&`, `$`, `(`, `)` …).
 *
 * A name repeated with a different value is ambiguous and an error (the same policy as
 * RFC 4475 §3.3.8 for headers); a repeat with the same value is dropped.
 */
export function parseParams(s: string, pos: number, into: Params = Object.create(null) as Params, uri = false): Params {
  const n = s.length;
  const chars = uri ? URI_PARAM : TOKEN;
  let i = pos;
  while (i < n) {
    if (!uri) while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n) break;
    if (s.charCodeAt(i) !== 0x3b /* ; */) throw new SyntaxError400(`unexpected '${s[i]}' in parameters`);
    i++;
    if (!uri) while (i < n && isWs(s.charCodeAt(i))) i++;
    const nameStart = i;
    let upper = false;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 128 && chars[c] === 1) {
        if (c <= 0x5a && c >= 0x41) upper = true;
        i++;
      } else break;
    }
    if (i === nameStart) throw new SyntaxError400('empty parameter name');
    const name = upper ? s.slice(nameStart, i).toLowerCase() : s.slice(nameStart, i);
    if (!uri) while (i < n && isWs(s.charCodeAt(i))) i++;
    let value: string | null = null;
    if (i < n && s.charCodeAt(i) === 0x3d /* = */) {
      i++;
      if (!uri) while (i < n && isWs(s.charCodeAt(i))) i++;
      if (!uri && i < n && s.charCodeAt(i) === 0x22) {
        const end = skipQuoted(s, i);
        value = unquote(s.slice(i, end));
        i = end;
      } else {
        const vStart = i;
        // token, host (with IPv6 brackets and colons) or bare IPv6
        while (i < n) {
          const c = s.charCodeAt(i);
          if ((c < 128 && chars[c] === 1) || c === 0x3a /* : */ || c === 0x5b || c === 0x5d) i++;
          else break;
        }
        if (i === vStart) throw new SyntaxError400(`empty value for parameter ${name}`);
        value = s.slice(vStart, i);
      }
    }
    const prev = into[name];
    if (prev === undefined) into[name] = value;
    else if (prev !== value) throw new SyntaxError400(`parameter ${name} repeated with another value`);
  }
  return into;
}

/** Remove surrounding quotes and resolve quoted-pairs. */
export function unquote(q: string): string {
  if (q.length < 2 || q.charCodeAt(0) !== 0x22) return q;
  const inner = q.slice(1, -1);
  if (inner.indexOf('\\') < 0) return inner;
  return inner.replace(/\\([\s\S])/g, '$1');
}

/** Quote a string for use as a quoted-string. */
export function quote(s: string): string {
  return '"' + s.replace(/(["\\])/g, '\\$1') + '"';
}

/** Header parameters: values that are not a token or host are written as quoted strings. */
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
