import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { canonicalName, decodeResponse, DnsWireError, encodeQuery, RR, type DnsRecord, type QueryType } from './dns-wire.js';

/** A DNS lookup that failed: no answer in time, a server failure, a refused or malformed answer. */
export class DnsLookupError extends Error {
  constructor(
    readonly qname: string,
    readonly qtype: string,
    detail: string,
    /** The answer was refused as hostile (too large, too many records, malformed, a loop), not merely missing. */
    readonly refused = false,
  ) {
    super(`DNS ${qtype} ${qname}: ${detail}`);
    this.name = 'DnsLookupError';
  }
}

/** The records of one name and type, and how long they may be kept. */
export interface DnsAnswer {
  records: DnsRecord[];
  /** The smallest TTL of the records (seconds); for "no such records", the negative-answer TTL. */
  ttlSeconds: number;
}

/** What the RFC 3263 locator asks of DNS: one name, one type. */
export type DnsQuery = (name: string, type: QueryType) => Promise<DnsAnswer>;

export interface DnsServer {
  address: string;
  port: number;
}

export interface DnsClientOptions {
  /** Asked in turn: the next when one does not answer in time. */
  servers: readonly DnsServer[];
  clock: Clock;
  /** Per server; default 2000 ms. */
  timeoutMs?: number;
  /** A datagram larger than this is refused; default 4096 octets. */
  maxMessageBytes?: number;
  /** An answer with more records than this is refused; default 32. */
  maxRecords?: number;
  /** How long "no such name / no records" is kept; default 30 s. */
  negativeTtlSeconds?: number;
}

const TYPE_NAMES: Record<number, string> = { [RR.A]: 'A', [RR.AAAA]: 'AAAA', [RR.SRV]: 'SRV', [RR.NAPTR]: 'NAPTR' };

/**
 * A stub resolver over UDP (RFC 1035 §4.2.1) to the configured recursive servers. Each
 * query uses its own socket and a random id; a datagram is taken only from the server
 * asked, with the same id and question (anything else is ignored, so a spoofed packet
 * cannot answer); it is bounded in size and record count. A truncated answer (TC) is
 * an error: no TCP fallback here, the SIP records of a carrier fit in 1232 octets.
 * CNAMEs in the answer are followed to the records of the name asked for.
 */
export class DnsClient {
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly maxRecords: number;
  private readonly negativeTtl: number;

  constructor(private readonly o: DnsClientOptions) {
    if (o.servers.length === 0) throw new Error('DnsClient needs at least one server');
    for (const s of o.servers) if (isIP(s.address) === 0) throw new Error(`DNS server ${s.address} is not an IP address`);
    this.timeoutMs = o.timeoutMs ?? 2_000;
    this.maxBytes = o.maxMessageBytes ?? 4_096;
    this.maxRecords = o.maxRecords ?? 32;
    this.negativeTtl = o.negativeTtlSeconds ?? 30;
  }

  readonly query: DnsQuery = async (name, type) => {
    let last: unknown;
    for (const server of this.o.servers) {
      try {
        return await this.ask(server, canonicalName(name), type);
      } catch (e) {
        last = e;
        // A malformed or refused answer from one server: the next may do better.
      }
    }
    throw last instanceof Error ? last : new DnsLookupError(name, TYPE_NAMES[type] ?? String(type), String(last));
  };

  private ask(server: DnsServer, name: string, type: QueryType): Promise<DnsAnswer> {
    const tname = TYPE_NAMES[type] ?? String(type);
    const id = randomInt(0, 0x10000);
    let query: Buffer;
    try {
      query = encodeQuery(id, name, type);
    } catch (e) {
      return Promise.reject(new DnsLookupError(name, tname, (e as Error).message));
    }
    return new Promise<DnsAnswer>((resolve, reject) => {
      const sock: Socket = createSocket(server.address.includes(':') ? 'udp6' : 'udp4');
      let timer: TimerHandle | undefined;
      let done = false;
      const finish = (err: Error | undefined, answer?: DnsAnswer): void => {
        if (done) return;
        done = true;
        this.o.clock.clearTimeout(timer);
        sock.close();
        if (err) reject(err);
        else resolve(answer!);
      };
      timer = this.o.clock.setTimeout(() => finish(new DnsLookupError(name, tname, `no answer from ${server.address}:${server.port} in ${this.timeoutMs} ms`)), this.timeoutMs);
      sock.on('error', (e) => finish(new DnsLookupError(name, tname, e.message)));
      sock.on('message', (msg, rinfo) => {
        if (rinfo.address !== server.address || rinfo.port !== server.port) return;
        // Not ours (another id, or too short to say): ignored, like a packet from elsewhere.
        if (msg.length < 12 || msg.readUInt16BE(0) !== id) return;
        if (msg.length > this.maxBytes) {
          finish(new DnsLookupError(name, tname, `answer of ${msg.length} octets, more than the ${this.maxBytes} accepted`, true));
          return;
        }
        let res;
        try {
          res = decodeResponse(msg, this.maxRecords);
        } catch (e) {
          finish(new DnsLookupError(name, tname, e instanceof DnsWireError ? e.message : String(e), true));
          return;
        }
        if (!res.question || res.question.name !== name || res.question.type !== type) return;
        if (res.truncated) {
          finish(new DnsLookupError(name, tname, 'answer truncated (TC); DNS over TCP is not supported'));
          return;
        }
        if (res.rcode === 3) {
          finish(undefined, { records: [], ttlSeconds: this.negativeTtl });
          return;
        }
        if (res.rcode !== 0) {
          finish(new DnsLookupError(name, tname, `server answered rcode ${res.rcode}`));
          return;
        }
        try {
          finish(undefined, this.pick(res.answers, name, tname));
        } catch (e) {
          finish(e as Error);
        }
      });
      sock.send(query, server.port, server.address, (e) => {
        if (e) finish(new DnsLookupError(name, tname, e.message));
      });
    });
  }

  /** The records of `name` (through its CNAME chain, RFC 1034 §3.6.2) of type `tname`. */
  private pick(answers: DnsRecord[], name: string, tname: string): DnsAnswer {
    let owner = name;
    let ttl = Number.POSITIVE_INFINITY;
    const seen = new Set<string>([owner]);
    for (let hops = 0; hops <= 8; hops++) {
      const matching = answers.filter((r) => r.name === owner && r.type === tname);
      if (matching.length > 0) {
        for (const r of matching) ttl = Math.min(ttl, r.ttl);
        return { records: matching, ttlSeconds: ttl };
      }
      const cname = answers.find((r): r is Extract<DnsRecord, { type: 'CNAME' }> => r.name === owner && r.type === 'CNAME');
      if (!cname) return { records: [], ttlSeconds: Math.min(ttl, this.negativeTtl) };
      if (seen.has(cname.target)) throw new DnsLookupError(name, tname, `CNAME loop at ${cname.target}`, true);
      seen.add(cname.target);
      ttl = Math.min(ttl, cname.ttl);
      owner = cname.target;
    }
    throw new DnsLookupError(name, tname, 'CNAME chain longer than 8', true);
  }
}

/**
 * DNS answers kept for their TTL, at most `maxSeconds` (and at least 0), on the
 * injected clock; concurrent questions for the same name and type share one query.
 * Failures are not kept.
 */
export class DnsCache {
  private readonly entries = new Map<string, { answer: DnsAnswer; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<DnsAnswer>>();

  constructor(
    private readonly o: { query: DnsQuery; clock: Clock; maxSeconds: number; maxEntries?: number },
  ) {}

  readonly query: DnsQuery = (name, type) => {
    const key = `${type} ${canonicalName(name)}`;
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.o.clock.now()) return Promise.resolve(hit.answer);
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.o.query(name, type).then((answer) => {
      const seconds = Math.max(0, Math.min(answer.ttlSeconds, this.o.maxSeconds));
      this.entries.delete(key);
      if (seconds > 0) this.entries.set(key, { answer, expiresAt: this.o.clock.now() + seconds * 1000 });
      const max = this.o.maxEntries ?? 10_000;
      while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value as string);
      return answer;
    });
    const tracked = p.finally(() => this.inflight.delete(key));
    this.inflight.set(key, tracked);
    return tracked;
  };
}
