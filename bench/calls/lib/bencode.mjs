// Bencode, the encoding of rtpengine's ng control protocol: integers i42e, byte strings 4:spam,
// lists l...e, dictionaries d...e with keys sorted. Decoding is bounded and never trusts lengths.

/** @param {unknown} v string | number | Buffer | array | plain object */
export function bencode(v) {
  const parts = [];
  const walk = (x) => {
    if (typeof x === 'number') {
      if (!Number.isInteger(x)) throw new Error(`bencode: not an integer: ${x}`);
      parts.push(Buffer.from(`i${x}e`));
    } else if (typeof x === 'string' || Buffer.isBuffer(x)) {
      const b = Buffer.isBuffer(x) ? x : Buffer.from(x, 'utf8');
      parts.push(Buffer.from(`${b.length}:`), b);
    } else if (Array.isArray(x)) {
      parts.push(Buffer.from('l'));
      x.forEach(walk);
      parts.push(Buffer.from('e'));
    } else if (x && typeof x === 'object') {
      parts.push(Buffer.from('d'));
      for (const k of Object.keys(x).sort()) {
        if (x[k] === undefined) continue;
        walk(k);
        walk(x[k]);
      }
      parts.push(Buffer.from('e'));
    } else throw new Error(`bencode: cannot encode ${typeof x}`);
  };
  walk(v);
  return Buffer.concat(parts);
}

/**
 * @param {Buffer} buf
 * @returns {unknown} byte strings come back as utf8 strings
 */
export function bdecode(buf, maxDepth = 32) {
  let at = 0;
  const fail = (why) => {
    throw new Error(`bdecode: ${why} at ${at}`);
  };
  const read = (depth) => {
    if (depth > maxDepth) fail('too deep');
    if (at >= buf.length) fail('truncated');
    const c = buf[at];
    if (c === 0x69) {
      // i<digits>e
      const end = buf.indexOf(0x65, at);
      if (end < 0 || end - at > 21) fail('bad integer');
      const n = Number(buf.subarray(at + 1, end).toString('latin1'));
      if (!Number.isInteger(n)) fail('bad integer');
      at = end + 1;
      return n;
    }
    if (c === 0x6c || c === 0x64) {
      at++;
      const list = [];
      while (at < buf.length && buf[at] !== 0x65) list.push(read(depth + 1));
      if (at >= buf.length) fail('unterminated');
      at++;
      if (c === 0x6c) return list;
      if (list.length % 2 !== 0) fail('odd dictionary');
      const obj = {};
      for (let i = 0; i < list.length; i += 2) {
        if (typeof list[i] !== 'string') fail('key not a string');
        obj[list[i]] = list[i + 1];
      }
      return obj;
    }
    if (c >= 0x30 && c <= 0x39) {
      const colon = buf.indexOf(0x3a, at);
      if (colon < 0 || colon - at > 10) fail('bad length');
      const len = Number(buf.subarray(at, colon).toString('latin1'));
      if (!Number.isInteger(len) || colon + 1 + len > buf.length) fail('bad length');
      const s = buf.subarray(colon + 1, colon + 1 + len).toString('utf8');
      at = colon + 1 + len;
      return s;
    }
    fail(`unexpected byte ${c}`);
  };
  const v = read(0);
  if (at !== buf.length) fail('trailing bytes');
  return v;
}
