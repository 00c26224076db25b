import { readHost, readPort } from './host.js';
import { parseCount } from './parse-count.js';
import { isWs, parseParams, SyntaxError400, type Params } from './scan.js';

/** A sip: or sips: URI (RFC 3261 §19.1). User and password are kept escaped as on the wire. */
export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  /** Lowercased; an IPv6 reference keeps its brackets. */
  host: string;
  port?: number;
  /** uri-parameters, names lowercased, names and values still escaped as on the wire. */
  params: Params;
  /** The raw text after '?', if any. Never turned into real headers. */
  headers?: string;
}

/** Any other absoluteURI (tel:, mailto:, unknown schemes): kept opaque (RFC 3261 §19.1.1). */
export interface OtherUri {
  scheme: string;
  opaque: string;
}

export type Uri = SipUri | OtherUri;

export function isSipUri(u: Uri): u is SipUri {
  return u.scheme === 'sip' || u.scheme === 'sips';
}

const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/**
 * Characters taken in a user part or password: unreserved, escaped and user-unreserved
 * (RFC 3261 §25.1), read liberally: any visible ASCII but the delimiters of a name-addr.
 */
function isUserChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== 0x40 /* @ */ && c !== 0x3c && c !== 0x3e && c !== 0x22 && c !== 0x5c;
}

/**
 * Parse a URI. sip/sips URIs are parsed fully; other schemes are kept opaque.
 * Throws SyntaxError400 on malformed input (RFC 4475 §3.1.2.7, RFC 5118 §4.2).
 */
export function parseUri(text: string): Uri {
  parseCount.uri++;
  const colon = text.indexOf(':');
  if (colon <= 0) throw new SyntaxError400('URI without scheme');
  const scheme = text.slice(0, colon);
  if (!SCHEME_RE.test(scheme)) throw new SyntaxError400('bad URI scheme');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // RFC 4475 §3.1.2.8, §3.1.2.14: no whitespace inside a URI; no controls either.
    if (c <= 0x20 || c === 0x7f) throw new SyntaxError400('whitespace or control character in URI');
  }
  const lowerScheme = scheme.toLowerCase();
  if (lowerScheme !== 'sip' && lowerScheme !== 'sips') {
    if (colon === text.length - 1) throw new SyntaxError400('empty URI');
    return { scheme: lowerScheme, opaque: text.slice(colon + 1) };
  }
  return parseSipUriRest(lowerScheme, text, colon + 1);
}

function parseSipUriRest(scheme: 'sip' | 'sips', s: string, start: number): SipUri {
  const uri: SipUri = { scheme, host: '', params: Object.create(null) as Params };
  const n = s.length;
  // userinfo ends at the first '@': '@' may not appear unescaped in params or headers.
  // The user part may hold ';', '?' and ',' (RFC 4475 §3.1.1.9 user;par=u%40example.net).
  const at = s.indexOf('@', start);
  let i = start;
  if (at >= 0) {
    for (let k = start; k < at; k++) {
      if (!isUserChar(s.charCodeAt(k))) throw new SyntaxError400('bad character in URI user part');
    }
    const pw = s.indexOf(':', start);
    if (pw >= 0 && pw < at) {
      uri.user = s.slice(start, pw);
      uri.password = s.slice(pw + 1, at);
    } else {
      uri.user = s.slice(start, at);
    }
    if (uri.user.length === 0) throw new SyntaxError400('empty user part');
    i = at + 1;
  }
  const h = readHost(s, i);
  uri.host = h.host;
  i = h.end;
  if (i < n && s.charCodeAt(i) === 0x3a /* : */) {
    const p = readPort(s, i + 1);
    uri.port = p.port;
    i = p.end;
  }
  // params and headers
  const q = s.indexOf('?', i);
  const paramEnd = q >= 0 ? q : n;
  if (paramEnd > i) {
    if (s.charCodeAt(i) !== 0x3b) throw new SyntaxError400('garbage after host');
    parseParams(q >= 0 ? s.slice(i, q) : s.slice(i), 0, uri.params, true);
  }
  if (q >= 0) {
    const hdrs = s.slice(q + 1);
    if (hdrs.length === 0) throw new SyntaxError400('empty URI headers');
    uri.headers = hdrs;
  }
  return uri;
}

/** Write a URI back; parameters and headers are written as read (still escaped). */
export function serializeUri(u: Uri): string {
  if (!isSipUri(u)) return `${u.scheme}:${u.opaque}`;
  let out = u.scheme + ':';
  if (u.user !== undefined) out += u.user + (u.password !== undefined ? ':' + u.password : '') + '@';
  out += u.host;
  if (u.port !== undefined) out += ':' + u.port;
  for (const k in u.params) {
    const v = u.params[k];
    out += v === null || v === undefined ? `;${k}` : `;${k}=${v}`;
  }
  if (u.headers) out += '?' + u.headers;
  return out;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Decode %HH escapes exactly once into octets (RFC 4475 §3.1.1.3: no recursive
 * unescaping; §3.1.1.4: %00 is an octet like any other, nothing is cut at it).
 * A '%' not followed by two hex digits is kept as is. Other characters are UTF-8.
 */
export function unescapeUriBytes(s: string): Buffer {
  const out = Buffer.allocUnsafe(Buffer.byteLength(s, 'utf8'));
  let len = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length) {
      const hi = hexVal(s.charCodeAt(i + 1));
      const lo = hexVal(s.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out[len++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    if (c < 0x80) out[len++] = c;
    else {
      // Copy the whole code point (a surrogate pair is two UTF-16 units).
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      len += out.write(ch, len, 'utf8');
      i += ch.length - 1;
    }
  }
  return out.subarray(0, len);
}

/**
 * Decode %HH escapes exactly once, as text: `sip:%75se%72@` → `user`. Octets that are
 * not UTF-8 become U+FFFD, so two different escaped users can read the same here; use
 * unescapeUriBytes where the exact octets matter (a lookup key).
 */
export function unescapeUriPart(s: string): string {
  if (s.indexOf('%') < 0) return s;
  return unescapeUriBytes(s).toString('utf8');
}

/** Default port of a URI for a transport (RFC 3261 §19.1.2). */
export function defaultPort(scheme: string, transport: string): number {
  return scheme === 'sips' || transport.toLowerCase() === 'tls' ? 5061 : 5060;
}

/** Strip the brackets from an IPv6 reference, for socket APIs. */
export function hostForSocket(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/** Whether text contains whitespace; used to reject `sip:a@b; lr`. */
export function hasWs(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isWs(text.charCodeAt(i))) return true;
  return false;
}
