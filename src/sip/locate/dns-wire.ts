/**
 * The few parts of the DNS wire format (RFC 1035 §4) that locating SIP servers needs:
 * a query for one name and type, and the answer section of a response (A, AAAA, CNAME,
 * SRV RFC 2782, NAPTR RFC 3403). A response is hostile input: every read is bounds-
 * checked, compression pointers must point backwards (so they cannot loop), names are
 * capped at 255 octets and the number of records read is capped.
 */

export const RR = { A: 1, CNAME: 5, AAAA: 28, SRV: 33, NAPTR: 35, OPT: 41 } as const;
export type QueryType = typeof RR.A | typeof RR.AAAA | typeof RR.SRV | typeof RR.NAPTR;

export type DnsRecord =
  | { type: 'A' | 'AAAA'; name: string; ttl: number; address: string }
  | { type: 'CNAME'; name: string; ttl: number; target: string }
  | { type: 'SRV'; name: string; ttl: number; priority: number; weight: number; port: number; target: string }
  | { type: 'NAPTR'; name: string; ttl: number; order: number; preference: number; flags: string; service: string; regexp: string; replacement: string };

export interface DnsResponse {
  id: number;
  /** TC: the answer did not fit (RFC 1035 §4.1.1). */
  truncated: boolean;
  /** 0 no error, 2 server failure, 3 name does not exist, ... */
  rcode: number;
  question: { name: string; type: number } | undefined;
  answers: DnsRecord[];
}

export class DnsWireError extends Error {
  constructor(detail: string) {
    super(`bad DNS message: ${detail}`);
    this.name = 'DnsWireError';
  }
}

/** A name as written in DNS: lowercase, no trailing dot. */
export function canonicalName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** A recursive query (RD) for one name and type, with an EDNS0 OPT record (RFC 6891) offering `udpSize`. */
export function encodeQuery(id: number, name: string, type: QueryType, udpSize = 1232): Buffer {
  const labels = canonicalName(name).split('.').filter((l) => l.length > 0);
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  header.writeUInt16BE(1, 10); // ARCOUNT: the OPT record
  parts.push(header);
  for (const l of labels) {
    const b = Buffer.from(l, 'ascii');
    if (b.length === 0 || b.length > 63) throw new DnsWireError(`label '${l}' is not 1-63 octets`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2); // IN
  parts.push(tail);
  const opt = Buffer.alloc(11);
  opt.writeUInt8(0, 0); // root name
  opt.writeUInt16BE(RR.OPT, 1);
  opt.writeUInt16BE(udpSize, 3);
  parts.push(opt);
  const out = Buffer.concat(parts);
  if (out.length - 12 - 4 - 11 > 255) throw new DnsWireError('name longer than 255 octets');
  return out;
}

const MAX_POINTERS = 32;

/** Reads a possibly compressed name at `offset`; returns it and the offset just after it. */
function readName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  let octets = 0;
  let jumps = 0;
  for (;;) {
    if (pos >= buf.length) throw new DnsWireError('name runs past the end');
    const len = buf[pos]!;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsWireError('pointer runs past the end');
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      // Only backwards: a pointer to itself or forwards could loop.
      if (target >= pos) throw new DnsWireError('compression pointer does not point backwards');
      if (++jumps > MAX_POINTERS) throw new DnsWireError('too many compression pointers');
      if (next < 0) next = pos + 2;
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsWireError('unknown label type');
    if (pos + 1 + len > buf.length) throw new DnsWireError('label runs past the end');
    octets += len + 1;
    if (octets > 255) throw new DnsWireError('name longer than 255 octets');
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), next };
}

function readCharString(buf: Buffer, pos: number, end: number): { text: string; next: number } {
  if (pos >= end) throw new DnsWireError('character-string runs past its record');
  const len = buf[pos]!;
  if (pos + 1 + len > end) throw new DnsWireError('character-string runs past its record');
  return { text: buf.toString('latin1', pos + 1, pos + 1 + len), next: pos + 1 + len };
}

function need(buf: Buffer, pos: number, n: number): void {
  if (pos + n > buf.length) throw new DnsWireError('message ends early');
}

/** Decodes a response: header, the question, and at most `maxRecords` answer records of the types above. */
export function decodeResponse(buf: Buffer, maxRecords = 64): DnsResponse {
  need(buf, 0, 12);
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if ((flags & 0x8000) === 0) throw new DnsWireError('not a response');
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  if (qd > 1) throw new DnsWireError(`${qd} questions`);
  if (an > maxRecords) throw new DnsWireError(`${an} answer records, more than the ${maxRecords} accepted`);
  let pos = 12;
  let question: DnsResponse['question'];
  if (qd === 1) {
    const q = readName(buf, pos);
    need(buf, q.next, 4);
    question = { name: q.name, type: buf.readUInt16BE(q.next) };
    pos = q.next + 4;
  }
  const answers: DnsRecord[] = [];
  for (let i = 0; i < an; i++) {
    const owner = readName(buf, pos);
    pos = owner.next;
    need(buf, pos, 10);
    const type = buf.readUInt16BE(pos);
    const cls = buf.readUInt16BE(pos + 2);
    // A TTL with the top bit set is read as 0 (RFC 2181 §8).
    const rawTtl = buf.readUInt32BE(pos + 4);
    const ttl = rawTtl > 0x7fffffff ? 0 : rawTtl;
    const rdlen = buf.readUInt16BE(pos + 8);
    const start = pos + 10;
    const end = start + rdlen;
    need(buf, start, rdlen);
    pos = end;
    if (cls !== 1) continue;
    const name = owner.name;
    if (type === RR.A) {
      if (rdlen !== 4) throw new DnsWireError('A record of the wrong size');
      answers.push({ type: 'A', name, ttl, address: [...buf.subarray(start, end)].join('.') });
    } else if (type === RR.AAAA) {
      if (rdlen !== 16) throw new DnsWireError('AAAA record of the wrong size');
      const groups: string[] = [];
      for (let g = 0; g < 8; g++) groups.push(buf.readUInt16BE(start + g * 2).toString(16));
      answers.push({ type: 'AAAA', name, ttl, address: compressV6(groups) });
    } else if (type === RR.CNAME) {
      const t = readName(buf, start);
      if (t.next > end) throw new DnsWireError('CNAME runs past its record');
      answers.push({ type: 'CNAME', name, ttl, target: t.name });
    } else if (type === RR.SRV) {
      if (rdlen < 7) throw new DnsWireError('SRV record too short');
      const t = readName(buf, start + 6);
      if (t.next > end) throw new DnsWireError('SRV target runs past its record');
      answers.push({ type: 'SRV', name, ttl, priority: buf.readUInt16BE(start), weight: buf.readUInt16BE(start + 2), port: buf.readUInt16BE(start + 4), target: t.name });
    } else if (type === RR.NAPTR) {
      if (rdlen < 7) throw new DnsWireError('NAPTR record too short');
      const order = buf.readUInt16BE(start);
      const preference = buf.readUInt16BE(start + 2);
      const flags = readCharString(buf, start + 4, end);
      const service = readCharString(buf, flags.next, end);
      const regexp = readCharString(buf, service.next, end);
      const repl = readName(buf, regexp.next);
      if (repl.next > end) throw new DnsWireError('NAPTR replacement runs past its record');
      answers.push({ type: 'NAPTR', name, ttl, order, preference, flags: flags.text.toLowerCase(), service: service.text.toUpperCase(), regexp: regexp.text, replacement: repl.name });
    }
  }
  return { id, truncated: (flags & 0x0200) !== 0, rcode: flags & 0x000f, question, answers };
}

/** RFC 5952 text of eight hex groups: the longest run of two or more zero groups becomes '::'. */
function compressV6(groups: string[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
