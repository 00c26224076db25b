/** Where a header section ends, in octets. */
export interface HeaderEnd {
  /** End of the last header line's text (its line terminator excluded). */
  end: number;
  /** First octet after the empty line: the body starts here. */
  bodyStart: number;
}

/**
 * Find the empty line that closes the header section of a message starting at `from`.
 * Lines end in CRLF (RFC 3261 §7); a bare LF is tolerated too, so the empty line is the
 * first LF followed by CRLF or LF. Undefined when the buffer holds no empty line yet.
 */
export function findHeaderEnd(buf: Buffer, from: number): HeaderEnd | undefined {
  const n = buf.length;
  let p = buf.indexOf(0x0a, from);
  while (p >= 0 && p + 1 < n) {
    const c = buf[p + 1];
    const end = p > 0 && buf[p - 1] === 0x0d ? p - 1 : p;
    if (c === 0x0a) return { end, bodyStart: p + 2 };
    if (c === 0x0d) {
      if (p + 2 >= n) return undefined;
      if (buf[p + 2] === 0x0a) return { end, bodyStart: p + 3 };
    }
    p = buf.indexOf(0x0a, p + 1);
  }
  return undefined;
}
