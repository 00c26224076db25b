import { isWs, parseParams, serializeParams, SyntaxError400, type Params } from './scan.js';

/** A sip: or sips: URI (RFC 3261 §19.1). User and password are kept escaped as on the wire. */
export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  /** Lowercased; an IPv6 reference keeps its brackets. */
  host: string;
  port?: number;
  /** uri-parameters, names lowercased. */
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

/** Characters allowed in a user part or password (unreserved, escaped, user-unreserved). */
function isUserChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== 0x40 /* @ */ && c !== 0x3c && c !== 0x3e && c !== 0x22 && c !== 0x5c;
}

/**
 * Parse a URI. sip/sips URIs are parsed fully; other schemes are kept opaque.
 * Throws SyntaxError400 on malformed input (RFC 4475 §3.1.2.7, RFC 5118 §4.2).
 */
export function parseUri(text: string): Uri {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new SyntaxError400('URI without scheme');
  const scheme = text.slice(0, colon);
  if (!SCHEME_RE.test(scheme)) throw new SyntaxError400('bad URI scheme');
  const lowerScheme = scheme.toLowerCase();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) throw new SyntaxError400('whitespace or control character in URI');
  }
  if (lowerScheme !== 'sip' && lowerScheme !== 'sips') {
    if (colon === text.length - 1) throw new SyntaxError400('empty URI');
    return { scheme: lowerScheme, opaque: text.slice(colon + 1) };
  }
  return parseSipUriRest(lowerScheme, text, colon + 1);
}

function parseSipUriRest(scheme: 'sip' | 'sips', s: string, start: number): SipUri {
  const uri: SipUri = { scheme, host: '', params: Object.create(null) as Params };
  // userinfo ends at the first '@': '@' may not appear unescaped in params or headers.
  const at = s.indexOf('@', start);
  let i = start;
  if (at >= 0) {
    const userinfo = s.slice(start, at);
    for (let k = 0; k < userinfo.length; k++) {
      if (!isUserChar(userinfo.charCodeAt(k))) throw new SyntaxError400('bad character in URI user part');
    }
    const pw = userinfo.indexOf(':');
    if (pw >= 0) {
      uri.user = userinfo.slice(0, pw);
      uri.password = userinfo.slice(pw + 1);
    } else {
      uri.user = userinfo;
    }
    if (uri.user.length === 0) throw new SyntaxError400('empty user part');
    i = at + 1;
  }
  // host
  const n = s.length;
  if (s.charCodeAt(i) === 0x5b /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0) throw new SyntaxError400('unterminated IPv6 reference');
    const inner = s.slice(i + 1, close);
    // RFC 5118 §4.10: tolerate the 3-colon form; accept hex, ':' and '.' only.
    if (!/^[0-9A-Fa-f:.]+$/.test(inner) || inner.indexOf(':') < 0) throw new SyntaxError400('bad IPv6 reference');
    uri.host = '[' + inner.toLowerCase() + ']';
    i = close + 1;
  } else {
    const hs = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f) i++;
      else break;
    }
    if (i === hs) throw new SyntaxError400('empty host');
    uri.host = s.slice(hs, i).toLowerCase();
  }
  // port
  if (i < n && s.charCodeAt(i) === 0x3a) {
    i++;
    const ps = i;
    while (i < n && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    if (i === ps || i - ps > 5) throw new SyntaxError400('bad port');
    const port = Number(s.slice(ps, i));
    if (port > 65535) throw new SyntaxError400('port out of range');
    uri.port = port;
  }
  // params and headers
  const q = s.indexOf('?', i);
  const paramText = q >= 0 ? s.slice(i, q) : s.slice(i);
  if (paramText.length > 0) {
    if (paramText.charCodeAt(0) !== 0x3b) throw new SyntaxError400('garbage after host');
    parseParams(paramText, 0, uri.params);
  }
  if (q >= 0) {
    const h = s.slice(q + 1);
    if (h.length === 0) throw new SyntaxError400('empty URI headers');
    uri.headers = h;
  }
  return uri;
}

export function serializeUri(u: Uri): string {
  if (!isSipUri(u)) return `${u.scheme}:${u.opaque}`;
  let out = u.scheme + ':';
  if (u.user !== undefined) out += u.user + (u.password !== undefined ? ':' + u.password : '') + '@';
  out += u.host;
  if (u.port !== undefined) out += ':' + u.port;
  out += serializeParams(u.params);
  if (u.headers) out += '?' + u.headers;
  return out;
}

/** Decode %HH escapes exactly once (RFC 4475 §3.1.1.3: no recursive unescaping). */
export function unescapeUriPart(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length + 0 && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const enc = Buffer.from(s[i]!, 'utf8');
      for (const b of enc) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Default port of a URI for a transport (RFC 3261 §19.1.2). */
export function defaultPort(scheme: string, transport: string): number {
  return scheme === 'sips' || transport === 'tls' ? 5061 : 5060;
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
