/**
 * The shared grammar of credentials and challenges (RFC 3261 §25.1, RFC 7235 §2.1):
 *
 *   auth-scheme LWS auth-param *(COMMA auth-param)
 *   auth-param = name EQUAL ( token / quoted-string )
 *
 * Hostile input never throws here: every failure is a value, and every length is capped.
 */
import { isTokenChar, isWs } from '../message/scan.js';

export const AUTH_LIMITS = {
  /** Whole header value. */
  maxValueChars: 8192,
  /** One parameter value, after unquoting. */
  maxParamChars: 2048,
  maxParams: 32,
  maxNameChars: 64,
};

/** Parameter names lowercased; values unquoted (quoted-pairs resolved). */
export type AuthParams = Record<string, string | undefined>;

export type SchemeScan =
  | { ok: true; /** As written. */ scheme: string; /** Index just past the scheme. */ rest: number }
  | { ok: false; error: string };

/** Read the auth-scheme token at the start of a header value. */
export function scanScheme(value: string): SchemeScan {
  if (value.length > AUTH_LIMITS.maxValueChars) return { ok: false, error: 'header value too long' };
  let i = 0;
  const n = value.length;
  while (i < n && isWs(value.charCodeAt(i))) i++;
  const start = i;
  while (i < n && isTokenChar(value.charCodeAt(i))) i++;
  if (i === start) return { ok: false, error: 'missing auth scheme' };
  if (i - start > AUTH_LIMITS.maxNameChars) return { ok: false, error: 'auth scheme too long' };
  if (i < n && !isWs(value.charCodeAt(i))) return { ok: false, error: 'bad character after auth scheme' };
  return { ok: true, scheme: value.slice(start, i), rest: i };
}

export type ParamsScan = { ok: true; params: AuthParams } | { ok: false; error: string; /** What was read before the error. */ partial: AuthParams };

/**
 * Parse the comma-separated auth-params from `pos` to the end. Names are
 * case-insensitive (lowercased); a name given twice is an error (RFC 7616 §3.4:
 * each directive at most once). Empty list elements are skipped (RFC 7230 §7).
 */
export function scanParams(s: string, pos: number): ParamsScan {
  const params = Object.create(null) as AuthParams;
  const n = s.length;
  let i = pos;
  let count = 0;
  const fail = (error: string): ParamsScan => ({ ok: false, error, partial: params });
  for (;;) {
    // Skip whitespace and empty list elements.
    while (i < n && (isWs(s.charCodeAt(i)) || s.charCodeAt(i) === 0x2c)) i++;
    if (i >= n) break;
    const nameStart = i;
    while (i < n && isTokenChar(s.charCodeAt(i))) i++;
    if (i === nameStart) return fail(`unexpected character at ${i}`);
    if (i - nameStart > AUTH_LIMITS.maxNameChars) return fail('parameter name too long');
    const name = s.slice(nameStart, i).toLowerCase();
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n || s.charCodeAt(i) !== 0x3d /* = */) return fail(`parameter ${name} has no value`);
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    let value: string;
    if (i < n && s.charCodeAt(i) === 0x22 /* " */) {
      const q = readQuoted(s, i);
      if (!q.ok) return fail(`${name}: ${q.error}`);
      value = q.value;
      i = q.end;
    } else {
      // Tolerant of non-token characters (some agents leave a uri unquoted); the
      // meaning of each value is checked by whoever uses it.
      const vStart = i;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c <= 0x20 || c === 0x7f || c === 0x2c || c === 0x22) break;
        i++;
      }
      if (i === vStart) return fail(`empty value for ${name}`);
      value = s.slice(vStart, i);
    }
    if (value.length > AUTH_LIMITS.maxParamChars) return fail(`value of ${name} too long`);
    if (name in params) return fail(`duplicate parameter ${name}`);
    if (++count > AUTH_LIMITS.maxParams) return fail('too many parameters');
    params[name] = value;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i < n && s.charCodeAt(i) !== 0x2c) return fail(`expected ',' after ${name}`);
  }
  return { ok: true, params };
}

type Quoted = { ok: true; value: string; end: number } | { ok: false; error: string };

/**
 * A quoted-string at `start` (RFC 3261 §25.1): qdtext or quoted-pair. Control
 * characters other than HTAB are refused, so nothing read here reaches a log or a
 * store with a NUL or an escape sequence in it.
 */
function readQuoted(s: string, start: number): Quoted {
  let out = '';
  let from = start + 1;
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return { ok: true, value: out + s.slice(from, i), end: i + 1 };
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return { ok: false, error: 'control character in quoted string' };
    if (c === 0x5c /* \ */) {
      if (i + 1 >= s.length) break;
      const e = s.charCodeAt(i + 1);
      if ((e < 0x20 && e !== 0x09) || e === 0x7f) return { ok: false, error: 'control character in quoted string' };
      out += s.slice(from, i);
      from = i + 1; // keep the escaped character
      i++;
    }
  }
  return { ok: false, error: 'unterminated quoted string' };
}
