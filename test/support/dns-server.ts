import { createSocket, type Socket } from 'node:dgram';

/**
 * A small authoritative DNS responder for tests: UDP on 127.0.0.1, a free port, answers
 * from a table. Written from RFC 1035 §4 (and RFC 2782 SRV, RFC 3403 NAPTR) without our
 * own decoder, so that the client is tested against an independent encoder. Never on
 * the network.
 */
export type TestRecord =
  | { name: string; type: 'A'; ttl?: number; address: string }
  | { name: string; type: 'AAAA'; ttl?: number; address: string }
  | { name: string; type: 'CNAME'; ttl?: number; target: string }
  | { name: string; type: 'SRV'; ttl?: number; priority: number; weight: number; port: number; target: string }
  | { name: string; type: 'NAPTR'; ttl?: number; order: number; preference: number; flags: string; service: string; regexp?: string; replacement: string };

const TYPES: Record<string, number> = { A: 1, CNAME: 5, AAAA: 28, SRV: 33, NAPTR: 35 };

export interface DnsServerOptions {
  records: TestRecord[];
  /** Names never answered (a server that times out). */
  silent?: string[];
  /** Answer this name with a datagram of this many extra octets of junk past the answer (an oversized answer). */
  oversized?: Record<string, number>;
  /** Before each real answer, send two forged ones carrying this address: one with another id, one from another socket. */
  spoof?: string;
}

export class TestDnsServer {
  /** Every question asked, as "TYPE name". */
  readonly asked: string[] = [];
  records: TestRecord[];
  private constructor(
    private readonly sock: Socket,
    readonly port: number,
    private readonly o: DnsServerOptions,
    private readonly other: Socket,
  ) {
    this.records = o.records;
  }

  static async start(o: DnsServerOptions): Promise<TestDnsServer> {
    const sock = createSocket('udp4');
    const other = createSocket('udp4');
    await new Promise<void>((resolve) => other.bind(0, '127.0.0.1', () => resolve()));
    sock.on('close', () => other.close());
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', () => resolve());
    });
    const server = new TestDnsServer(sock, sock.address().port, o, other);
    sock.on('message', (msg, rinfo) => server.onQuery(msg, rinfo.address, rinfo.port));
    return server;
  }

  get address(): { address: string; port: number } {
    return { address: '127.0.0.1', port: this.port };
  }

  count(type: string, name: string): number {
    return this.asked.filter((q) => q === `${type} ${name}`).length;
  }

  close(): Promise<void> {
    return new Promise((r) => this.sock.close(() => r()));
  }

  private onQuery(msg: Buffer, address: string, port: number): void {
    if (msg.length < 17) return;
    const id = msg.readUInt16BE(0);
    // The question: labels, then type and class (queries are never compressed).
    const labels: string[] = [];
    let pos = 12;
    while (pos < msg.length && msg[pos] !== 0) {
      const len = msg[pos]!;
      labels.push(msg.toString('latin1', pos + 1, pos + 1 + len));
      pos += 1 + len;
    }
    const qname = labels.join('.').toLowerCase();
    const qtype = msg.readUInt16BE(pos + 1);
    const question = msg.subarray(12, pos + 5);
    const typeName = Object.keys(TYPES).find((k) => TYPES[k] === qtype) ?? String(qtype);
    this.asked.push(`${typeName} ${qname}`);
    if (this.o.silent?.includes(qname)) return;
    const answers: Buffer[] = [];
    const exists = this.records.some((r) => r.name === qname);
    for (const r of this.records) {
      if (r.name !== qname) continue;
      if (r.type === typeName || r.type === 'CNAME') answers.push(encodeRecord(r));
    }
    const header = Buffer.alloc(12);
    header.writeUInt16BE(id, 0);
    header.writeUInt16BE(0x8400 | 0x0100 | 0x0080 | (exists ? 0 : 3), 2); // QR AA RD RA, NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    if (this.o.spoof && (typeName === 'A' || typeName === 'AAAA')) {
      const forged = encodeRecord({ name: qname, type: 'A', address: this.o.spoof });
      const h = Buffer.from(header);
      h.writeUInt16BE(1, 6);
      h.writeUInt16BE(0x8400 | 0x0100 | 0x0080, 2);
      this.other.send(Buffer.concat([h, question, forged]), port, address);
      const wrongId = Buffer.from(h);
      wrongId.writeUInt16BE((id + 1) & 0xffff, 0);
      this.sock.send(Buffer.concat([wrongId, question, forged]), port, address);
    }
    const parts = [header, question, ...answers];
    const junk = this.o.oversized?.[qname];
    if (junk) parts.push(Buffer.alloc(junk, 0x41));
    this.sock.send(Buffer.concat(parts), port, address);
  }
}

function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const l of name.split('.').filter((x) => x.length > 0)) parts.push(Buffer.from([l.length]), Buffer.from(l, 'latin1'));
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function charString(s: string): Buffer {
  return Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);
}

function encodeRecord(r: TestRecord): Buffer {
  let rdata: Buffer;
  if (r.type === 'A') rdata = Buffer.from(r.address.split('.').map(Number));
  else if (r.type === 'AAAA') {
    rdata = Buffer.alloc(16);
    const [head, tail] = r.address.split('::');
    const h = (head ?? '').split(':').filter(Boolean);
    const t = tail !== undefined ? tail.split(':').filter(Boolean) : [];
    const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    groups.forEach((g, i) => rdata.writeUInt16BE(parseInt(g, 16), i * 2));
  } else if (r.type === 'CNAME') rdata = encodeName(r.target);
  else if (r.type === 'SRV') {
    const fixed = Buffer.alloc(6);
    fixed.writeUInt16BE(r.priority, 0);
    fixed.writeUInt16BE(r.weight, 2);
    fixed.writeUInt16BE(r.port, 4);
    rdata = Buffer.concat([fixed, encodeName(r.target)]);
  } else {
    const fixed = Buffer.alloc(4);
    fixed.writeUInt16BE(r.order, 0);
    fixed.writeUInt16BE(r.preference, 2);
    rdata = Buffer.concat([fixed, charString(r.flags), charString(r.service), charString(r.regexp ?? ''), encodeName(r.replacement)]);
  }
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPES[r.type]!, 0);
  fixed.writeUInt16BE(1, 2);
  fixed.writeUInt32BE(r.ttl ?? 300, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(r.name), fixed, rdata]);
}
