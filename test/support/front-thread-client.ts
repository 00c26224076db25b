// Raw UDP clients for tests of the SIP front threads (sip.threads > 1): which thread the
// kernel gives a source port to is learnt from /metrics (per-thread datagram counters),
// one probe at a time, so a test knows that it crosses threads.
import { createSocket, type Socket } from 'node:dgram';
import { parseMessage } from '../../src/sip/message/parse.js';
import type { SipResponse } from '../../src/sip/message/types.js';

export interface ThreadServer {
  /** The SIP UDP port. */
  udpPort: number;
  apiPort: number;
  token: string;
}

/** The threads' counters that tell who read and who answered. */
export interface ThreadCounters {
  read0: number;
  read1: number;
  challenged1: number;
  forwarded1: number;
}

function series(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

export async function threadCounters(s: ThreadServer): Promise<ThreadCounters> {
  const res = await fetch(`http://127.0.0.1:${s.apiPort}/metrics`, { headers: { authorization: `Bearer ${s.token}` } });
  const t = await res.text();
  return {
    read0: series(t, 'pbx_sip_thread_datagrams_total', 'thread="0"'),
    read1: series(t, 'pbx_sip_thread_datagrams_total', 'thread="1"'),
    challenged1: series(t, 'pbx_sip_thread_answered_total', 'thread="1",kind="challenge"'),
    forwarded1: series(t, 'pbx_sip_thread_forwarded_total', 'thread="1"'),
  };
}

export async function until<T>(f: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The counters once the threads' last reports are in (they are sent twice a second). */
export async function settledCounters(s: ThreadServer): Promise<ThreadCounters> {
  for (;;) {
    const a = await threadCounters(s);
    await new Promise((r) => setTimeout(r, 1_200));
    const b = await threadCounters(s);
    if (JSON.stringify(a) === JSON.stringify(b)) return b;
  }
}

let seq = 0;

/** One client socket: it sends raw REGISTERs and reads what comes back. */
export class ThreadClient {
  private readonly waiting: Array<(r: SipResponse) => void> = [];
  lastRaw = '';
  /** Every response received, in order. */
  readonly responses: SipResponse[] = [];

  constructor(
    readonly socket: Socket,
    private readonly server: ThreadServer,
    private readonly host: string,
  ) {
    socket.on('message', (data) => {
      const r = parseMessage(data, { framed: false });
      if (!r.ok || r.message.kind !== 'response') return;
      this.lastRaw = data.toString();
      this.responses.push(r.message);
      this.waiting.shift()?.(r.message);
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** The sequence number the next REGISTER will carry (in its branch, tags, Call-ID and CSeq). */
  static nextSeq(): number {
    return seq + 1;
  }

  /** A REGISTER as a phone sends it; the Via sent-by is the same for every socket (rport carries the real port). */
  register(user: string, domain: string, extra: string[] = [], timeoutMs = 10_000): Promise<SipResponse> {
    const n = ++seq;
    const text = [
      `REGISTER sip:${domain} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.host}:5999;branch=z9hG4bKfc${n};rport`,
      'Max-Forwards: 70',
      `From: <sip:${user}@${domain}>;tag=from${n}`,
      `To: <sip:${user}@${domain}>`,
      `Call-ID: fc-${n}@${this.host}`,
      `CSeq: ${n} REGISTER`,
      `Contact: <sip:${user}@${this.host}:${this.port}>`,
      'Expires: 60',
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    return new Promise<SipResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(done), 1);
        reject(new Error(`no response in ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (r: SipResponse): void => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiting.push(done);
      this.socket.send(text, this.server.udpPort, '127.0.0.1');
    });
  }

  close(): void {
    this.socket.close();
  }
}

export async function openThreadClient(server: ThreadServer, host = '127.0.0.1'): Promise<ThreadClient> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, host, () => r()));
  return new ThreadClient(s, server, host);
}

/**
 * A client whose datagrams the kernel gives to `thread` (new source ports until one lands
 * there), probed with one REGISTER to a domain nobody serves (answered 404 by the main
 * thread whichever thread reads it). `opened` collects every socket, to be closed.
 */
export async function threadClientOn(server: ThreadServer, thread: 0 | 1, opened: Array<{ close(): void }>, host = '127.0.0.1'): Promise<ThreadClient> {
  for (let i = 0; i < 40; i++) {
    const c = await openThreadClient(server, host);
    opened.push(c);
    const before = await threadCounters(server);
    await c.register('1001', 'unknown.example');
    const d = await until(async () => {
      const now = await threadCounters(server);
      const d0 = now.read0 - before.read0;
      const d1 = now.read1 - before.read1;
      return d0 + d1 >= 1 ? [d0, d1] : undefined;
    }, 'the datagram counted in /metrics');
    if ((thread === 1 ? d[1]! : d[0]!) >= 1 && d[0]! + d[1]! === 1) return c;
  }
  throw new Error(`no source port landed on thread ${thread}`);
}
