/**
 * IP addresses as numbers: parse IPv4 and IPv6 text (RFC 4291 §2.2), format it
 * canonically (RFC 5952 §4), and fold IPv4-mapped IPv6 (::ffff:a.b.c.d, RFC 4291
 * §2.5.5.2) to plain IPv4, so that the two spellings a dual-stack socket may report
 * for one IPv4 peer compare equal (RFC 5118 §4.9).
 *
 * readIp() is the allocation-free core for hot paths; parseIp()/parseCidr() return
 * plain data for everything else.
 */

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  /** Unsigned 32-bit words, most significant first: one for IPv4, four for IPv6. */
  words: number[];
}

/** A network: the address with its host bits cleared, and the prefix length. */
export interface Cidr {
  address: IpAddress;
  prefix: number;
}

export class InvalidAddressError extends Error {
  constructor(
    readonly input: string,
    what = 'IP address',
  ) {
    super(`not a valid ${what}: ${JSON.stringify(input)}`);
    this.name = 'InvalidAddressError';
  }
}

/** Longer text is never an address (45 characters for IPv6, plus a zone id); bounds the work. */
const MAX_TEXT = 100;

// Scratch for the eight 16-bit groups of an IPv6 address. Private to this module and
// only used inside one synchronous call, so sharing it is safe.
const groups = new Uint16Array(8);
const scratch = new Uint32Array(4);

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function isF(text: string, i: number): boolean {
  return (text.charCodeAt(i) | 0x20) === 0x66;
}

/**
 * Strict dotted quad in text[start, end): four decimal parts 0-255, no leading zeros
 * (so "010.0.0.1" is refused rather than read as octal or decimal). Returns the
 * unsigned value, or -1.
 */
function parseV4(text: string, start: number, end: number): number {
  let value = 0;
  let i = start;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= end || text.charCodeAt(i) !== 0x2e) return -1;
      i++;
    }
    const first = i;
    let octet = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (!isDigit(c)) break;
      octet = octet * 10 + (c - 0x30);
      i++;
      if (i - first > 3) return -1;
    }
    const len = i - first;
    if (len === 0 || octet > 255 || (len > 1 && text.charCodeAt(first) === 0x30)) return -1;
    value = value * 256 + octet;
  }
  return i === end ? value : -1;
}

/** RFC 4291 §2.2: the three text forms (full, "::"-compressed, trailing dotted quad). */
function parseV6(text: string, start: number, end: number, out: Uint32Array): boolean {
  if (end - start < 2) return false;
  let n = 0;
  let gap = -1;
  let i = start;
  if (text.charCodeAt(i) === 0x3a) {
    if (text.charCodeAt(i + 1) !== 0x3a) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    const tokenStart = i;
    let v = 0;
    while (i < end) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      v = v * 16 + h;
      i++;
      if (i - tokenStart > 4) return false;
    }
    if (i < end && text.charCodeAt(i) === 0x2e) {
      // A dotted quad may only be the last 32 bits.
      if (n > 6) return false;
      const v4 = parseV4(text, tokenStart, end);
      if (v4 < 0) return false;
      groups[n++] = Math.floor(v4 / 0x10000);
      groups[n++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (i === tokenStart || n === 8) return false;
    groups[n++] = v;
    if (i === end) break;
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i === end) return false;
    if (text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = n;
      i++;
    }
  }
  // "::" stands for one or more zero groups.
  if (gap < 0 ? n !== 8 : n > 7) return false;
  if (gap >= 0) {
    const tail = n - gap;
    for (let k = tail - 1; k >= 0; k--) groups[8 - tail + k] = groups[gap + k];
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  for (let k = 0; k < 4; k++) out[k] = groups[2 * k] * 0x10000 + groups[2 * k + 1];
  return true;
}

/**
 * Parse without allocating. Writes the address into `out` (IPv4 in out[0], IPv6 in
 * out[0..3]) and returns its family, or 0 when the text is not an address. IPv4-mapped
 * IPv6 returns 4. A zone id ("fe80::1%eth0") is accepted and ignored.
 */
export function readIp(text: string, out: Uint32Array): 0 | IpFamily {
  if (typeof text !== 'string') return 0;
  const len = text.length;
  if (len === 0 || len > MAX_TEXT) return 0;
  const v4 = parseV4(text, 0, len);
  if (v4 >= 0) {
    out[0] = v4;
    return 4;
  }
  // Fast path for how a dual-stack socket reports every IPv4 peer: "::ffff:a.b.c.d".
  if (len > 7 && text.charCodeAt(0) === 0x3a && text.charCodeAt(1) === 0x3a && text.charCodeAt(6) === 0x3a && isF(text, 2) && isF(text, 3) && isF(text, 4) && isF(text, 5)) {
    const mapped = parseV4(text, 7, len);
    if (mapped >= 0) {
      out[0] = mapped;
      return 4;
    }
  }
  let end = text.indexOf('%');
  if (end === 0 || end === len - 1) return 0;
  if (end < 0) end = len;
  if (!parseV6(text, 0, end, out)) return 0;
  if (out[0] === 0 && out[1] === 0 && out[2] === 0xffff) {
    out[0] = out[3];
    return 4;
  }
  return 6;
}

export function parseIp(text: string): IpAddress | undefined {
  const family = readIp(text, scratch);
  if (family === 0) return undefined;
  return { family, words: family === 4 ? [scratch[0]] : [scratch[0], scratch[1], scratch[2], scratch[3]] };
}

export function formatIpv4(value: number): string {
  return `${(value >>> 24) & 0xff}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

/** RFC 5952 §4: lowercase, no leading zeros, the longest run (first on a tie) of two or more zero groups as "::". */
export function formatIpv6(words: ArrayLike<number>): string {
  // RFC 5952 §5: an IPv4-mapped address keeps its dotted quad.
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return '::ffff:' + formatIpv4(words[3]);
  for (let k = 0; k < 4; k++) {
    groups[2 * k] = words[k] >>> 16;
    groups[2 * k + 1] = words[k] & 0xffff;
  }
  let bestAt = -1;
  let bestLen = 1;
  let runAt = -1;
  for (let k = 0; k <= 8; k++) {
    if (k < 8 && groups[k] === 0) {
      if (runAt < 0) runAt = k;
    } else if (runAt >= 0) {
      if (k - runAt > bestLen) {
        bestAt = runAt;
        bestLen = k - runAt;
      }
      runAt = -1;
    }
  }
  let s = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestAt) {
      s += '::';
      k += bestLen - 1;
    } else {
      if (k > 0 && k !== bestAt + bestLen) s += ':';
      s += groups[k].toString(16);
    }
  }
  return s;
}

export function formatIp(ip: IpAddress): string {
  return ip.family === 4 ? formatIpv4(ip.words[0]) : formatIpv6(ip.words);
}

/** The canonical text of an address (IPv4-mapped folded to IPv4), or undefined when it is not one. */
export function normalizeIp(text: string): string | undefined {
  const family = readIp(text, scratch);
  if (family === 0) return undefined;
  return family === 4 ? formatIpv4(scratch[0]) : formatIpv6(scratch);
}

/** The mask for 32-bit word `wordIndex` of a `prefix`-bit network. */
export function prefixMaskWord(prefix: number, wordIndex: number): number {
  const bits = Math.max(0, Math.min(32, prefix - 32 * wordIndex));
  if (bits === 0) return 0;
  if (bits === 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/**
 * "192.0.2.0/24", "2001:db8::/32", or a bare address (a host: /32 or /128). Host bits
 * are cleared. An IPv4-mapped network of /96 or longer ("::ffff:10.0.0.0/104") becomes
 * the IPv4 network it maps ("10.0.0.0/8").
 */
export function parseCidr(text: string): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const family = readIp(addrText, scratch);
  if (family === 0) return undefined;
  const mapped = family === 4 && addrText.includes(':');
  const max = family === 4 && !mapped ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  let words: number[];
  let fam: IpFamily = family;
  if (family === 4 && (!mapped || prefix >= 96)) {
    if (mapped) prefix -= 96;
    words = [scratch[0]];
  } else if (family === 4) {
    fam = 6;
    words = [0, 0, 0xffff, scratch[0]];
  } else {
    words = [scratch[0], scratch[1], scratch[2], scratch[3]];
  }
  for (let k = 0; k < words.length; k++) words[k] = (words[k] & prefixMaskWord(prefix, k)) >>> 0;
  return { address: { family: fam, words }, prefix };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.address)}/${cidr.prefix}`;
}
