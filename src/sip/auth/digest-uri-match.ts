/**
 * Whether the digest-uri of credentials names the Request-URI of the request
 * (RFC 7616 §3.4.6: the server must check that the uri parameter designates the
 * resource of the request line; otherwise a response captured for one request could
 * be replayed on another).
 *
 * RFC 3261 §22.4 notes that a proxy may have retargeted the request, so in SIP the
 * two can differ without an attack. This PBX is the first hop for the phones it
 * authenticates and no proxy in front of it retargets, so it requires a match, but
 * compares as URIs (RFC 3261 §19.1.4) rather than as strings, so that spelling
 * differences (host case, escaping, parameter order) do not fail a good client.
 */
import { isSipUri, parseUri, unescapeUriPart, type SipUri, type Uri } from '../message/uri.js';

/** Parameters that must be present in both URIs or neither (RFC 3261 §19.1.4). */
const MUST_MATCH = ['user', 'ttl', 'method', 'maddr'];

export function sameRequestUri(digestUri: string, requestUri: string): boolean {
  const a = trimSpTab(digestUri);
  const b = trimSpTab(requestUri);
  if (a === b) return true;
  const ua = tryParse(a);
  const ub = tryParse(b);
  if (!ua || !ub) return false;
  if (ua.scheme !== ub.scheme) return false;
  if (!isSipUri(ua) || !isSipUri(ub)) return !isSipUri(ua) && !isSipUri(ub) && ua.opaque === ub.opaque;
  return sipUrisEqual(ua, ub);
}

/** Only SP and HTAB: String#trim would also eat Unicode spaces that belong to the value. */
function trimSpTab(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s[a] === ' ' || s[a] === '\t')) a++;
  while (b > a && (s[b - 1] === ' ' || s[b - 1] === '\t')) b--;
  return s.slice(a, b);
}

function tryParse(s: string): Uri | undefined {
  try {
    return parseUri(s);
  } catch {
    // SyntaxError400 for a bad URI; anything else would be a parser bug, and a
    // URI that cannot be read names no resource either.
    return undefined;
  }
}

/** RFC 3261 §19.1.4, for two parsed sip/sips URIs of the same scheme. */
function sipUrisEqual(a: SipUri, b: SipUri): boolean {
  // userinfo: case-sensitive, after unescaping once.
  if (!sameOptional(a.user, b.user, (x, y) => unescapeUriPart(x) === unescapeUriPart(y))) return false;
  if (!sameOptional(a.password, b.password, (x, y) => unescapeUriPart(x) === unescapeUriPart(y))) return false;
  // host is lowercased by the parser; a port and its absence never match, even 5060.
  if (a.host !== b.host || a.port !== b.port) return false;
  for (const name of MUST_MATCH) {
    if ((name in a.params) !== (name in b.params)) return false;
  }
  // Any parameter present in both must match, case-insensitively.
  for (const name in a.params) {
    if (!(name in b.params)) continue;
    const va = a.params[name];
    const vb = b.params[name];
    if (va === null || vb === null || va === undefined || vb === undefined) {
      if (va !== vb) return false;
    } else if (unescapeUriPart(va).toLowerCase() !== unescapeUriPart(vb).toLowerCase()) {
      return false;
    }
  }
  // URI headers are never ignored; compared as written.
  return a.headers === b.headers;
}

function sameOptional(x: string | undefined, y: string | undefined, eq: (x: string, y: string) => boolean): boolean {
  if (x === undefined || y === undefined) return x === y;
  return eq(x, y);
}
