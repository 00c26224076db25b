import { SyntaxError400 } from './scan.js';

/** Longest textual IPv6 address, IPv4 tail included (RFC 4291 §2.2). */
const MAX_IPV6 = 45;

/**
 * Read the host of a SIP URI or a Via sent-by starting at `i` (RFC 3261 §25.1 host:
 * hostname / IPv4address / IPv6reference). Returns the host, lowercased (an IPv6
 * reference keeps its brackets), and the index just past it. Throws SyntaxError400.
 *
 * An IPv6 address is only ever read inside brackets, so `sip:2001:db8::10` is host
 * `2001` and a bad port (RFC 5118 §4.2), and `[2001:db8::10:5070]` has no port
 * (RFC 5118 §4.3). The 3-colon form `2001:db8:::192.0.2.1` is tolerated (RFC 5118 §4.10).
 */
export function readHost(s: string, i: number): { host: string; end: number } {
  const n = s.length;
  if (i < n && s.charCodeAt(i) === 0x5b /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0) throw new SyntaxError400('unterminated IPv6 reference');
    const inner = s.slice(i + 1, close);
    if (inner.length > MAX_IPV6 || inner.indexOf(':') < 0 || !/^[0-9A-Fa-f:.]+$/.test(inner)) throw new SyntaxError400('bad IPv6 reference');
    return { host: '[' + inner.toLowerCase() + ']', end: close + 1 };
  }
  const start = i;
  let upper = false;
  while (i < n) {
    const c = s.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f) i++;
    else if (c >= 0x41 && c <= 0x5a) {
      upper = true;
      i++;
    } else break;
  }
  if (i === start) throw new SyntaxError400('empty host');
  const host = s.slice(start, i);
  return { host: upper ? host.toLowerCase() : host, end: i };
}

/** Read `:port` digits at `i` (after the colon): 1 to 5 digits, at most 65535. */
export function readPort(s: string, i: number): { port: number; end: number } {
  const start = i;
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  if (i === start || i - start > 5) throw new SyntaxError400('bad port');
  const port = Number(s.slice(start, i));
  if (port > 65535) throw new SyntaxError400('port out of range');
  return { port, end: i };
}
