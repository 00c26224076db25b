import { isTokenChar, isWs, parseParams, quote, serializeParams, skipQuoted, SyntaxError400, trimLws, unquote, type Params } from './scan.js';
import { parseCount } from './parse-count.js';
import { parseUri, serializeUri, type Uri } from './uri.js';

/**
 * The value of From, To, Contact, Route, Record-Route and the like (RFC 3261 §20.10):
 * `[display-name] <addr-spec> *(;param)` or a bare addr-spec.
 */
export interface NameAddr {
  displayName?: string;
  uri: Uri;
  /** Header parameters (tag, expires, q, +sip.instance, …), names lowercased. */
  params: Params;
}

export function parseNameAddr(value: string): NameAddr {
  parseCount.nameAddr++;
  const s = value;
  const n = s.length;
  let i = 0;
  while (i < n && isWs(s.charCodeAt(i))) i++;
  let displayName: string | undefined;
  let uriText: string;
  let rest: number;
  const lt = findLaquot(s, i);
  if (lt >= 0) {
    const dn = trimLws(s.slice(i, lt));
    if (dn.length > 0) {
      if (dn.charCodeAt(0) === 0x22) {
        const end = skipQuoted(dn, 0);
        if (end !== dn.length) throw new SyntaxError400('garbage after display name');
        displayName = unquote(dn);
      } else {
        // display-name = *(token LWS): '.' is a token character, ',' is not (RFC 4475 §3.1.2.15)
        for (let k = 0; k < dn.length; k++) {
          const c = dn.charCodeAt(k);
          if (!isTokenChar(c) && !isWs(c)) throw new SyntaxError400('bad character in display name');
        }
        displayName = dn.replace(/\s+/g, ' ');
      }
    }
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0) throw new SyntaxError400("missing '>'");
    uriText = s.slice(lt + 1, gt);
    // RFC 4475 §3.1.2.14: no LWS inside <>; refused rather than guessed at.
    if (uriText.length > 0 && (isWs(uriText.charCodeAt(0)) || isWs(uriText.charCodeAt(uriText.length - 1)))) {
      throw new SyntaxError400('whitespace inside <>');
    }
    rest = gt + 1;
  } else {
    // addr-spec form: the URI cannot contain ',', ';' or '?' (RFC 3261 §20, RFC 4475 §3.1.2.13)
    let end = i;
    while (end < n && s.charCodeAt(end) !== 0x3b && !isWs(s.charCodeAt(end))) end++;
    uriText = s.slice(i, end);
    if (uriText.indexOf('?') >= 0 || uriText.indexOf(',') >= 0) throw new SyntaxError400('URI with headers must be enclosed in <>');
    rest = end;
  }
  if (uriText.length === 0) throw new SyntaxError400('empty URI');
  const uri = parseUri(uriText);
  const params = parseParams(s, rest);
  return displayName !== undefined ? { displayName, uri, params } : { uri, params };
}

/** Position of the '<' that opens the addr-spec, skipping any quoted display name; -1 if none. */
function findLaquot(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) i = skipQuoted(s, i) - 1;
    else if (c === 0x3c) return i;
    else if (c === 0x3b || c === 0x3e) return -1;
  }
  return -1;
}

export function serializeNameAddr(na: NameAddr): string {
  let out = '';
  if (na.displayName !== undefined && na.displayName.length > 0) out += quote(na.displayName) + ' ';
  out += '<' + serializeUri(na.uri) + '>';
  out += serializeParams(na.params);
  return out;
}
