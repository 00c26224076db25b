/**
 * Test support for the transport suites: plain node dgram/net/tls clients and servers
 * playing the phone or the trunk on 127.0.0.1, so that nothing of ours sits on the
 * other end of the wire. Every wait has a guard so a missing packet fails the test
 * instead of hanging it; no test asserts on time.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as netConnect, createServer as netServer, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect, createServer as tlsServer } from 'node:tls';
import type { TransportProtocol } from './types.js';

const GUARD_MS = 5_000;

export const TEST_CERT = readFileSync(new URL('../../../test/fixtures/tls/test.crt', import.meta.url));
export const TEST_KEY = readFileSync(new URL('../../../test/fixtures/tls/test.key', import.meta.url));

/** Reject with a clear message if `p` has not settled in GUARD_MS. */
export function guard<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), GUARD_MS);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Poll until cond() holds (the layer's state is updated by socket events we cannot await). */
export async function waitUntil(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + GUARD_MS;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Let pending I/O callbacks run. */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A queue of values with awaitable reads. */
class Queue<T> {
  private items: T[] = [];
  private waiters: Array<(v: T) => void> = [];
  push(v: T): void {
    const w = this.waiters.shift();
    if (w) w(v);
    else this.items.push(v);
  }
  next(what: string): Promise<T> {
    const v = this.items.shift();
    if (v !== undefined) return Promise.resolve(v);
    return guard(new Promise<T>((r) => this.waiters.push(r)), what);
  }
  get length(): number {
    return this.items.length;
  }
}

/** Cuts a byte stream into SIP messages by Content-Length, for reading our replies. */
class ByteReader {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (const w of this.waiters.splice(0)) w();
  }
  private async until<T>(take: () => T | undefined, what: string | undefined): Promise<T> {
    for (;;) {
      const v = take();
      if (v !== undefined) return v;
      const more = new Promise<void>((r) => this.waiters.push(r));
      await (what === undefined ? more : guard(more, what));
    }
  }
  bytes(n: number): Promise<Buffer> {
    return this.until(() => {
      if (this.buf.length < n) return undefined;
      const out = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
      return out;
    }, `${n} octets`);
  }
  /** The next complete message; unguarded (waits for ever) when `guarded` is false. */
  message(guarded = true): Promise<string> {
    return this.until(() => {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const head = this.buf.toString('latin1', 0, end);
      const cl = Number(/^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head)?.[1] ?? 0);
      if (this.buf.length < end + 4 + cl) return undefined;
      const out = this.buf.toString('utf8', 0, end + 4 + cl);
      this.buf = this.buf.subarray(end + 4 + cl);
      return out;
    }, guarded ? 'a SIP message' : undefined);
  }
}

/** A phone: one UDP socket or one TCP/TLS connection to the transport under test. */
export interface RawClient {
  readonly localPort: number;
  /** Resolves once written; write errors on a connection the server closed are swallowed. */
  write(data: string | Buffer): Promise<void>;
  /** The next SIP message received (UDP: the next datagram). */
  readMessage(): Promise<string>;
  /** Exactly n octets (streams only). */
  readBytes(n: number): Promise<Buffer>;
  /** Resolves when the connection is closed (streams only; never for UDP). */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  close(): Promise<void>;
}

export async function connectClient(protocol: TransportProtocol, port: number, opts: { ca?: Buffer } = {}): Promise<RawClient> {
  if (protocol === 'udp') return udpClient(port);
  const socket = protocol === 'tcp' ? netConnect({ host: '127.0.0.1', port }) : tlsConnect({ host: '127.0.0.1', port, ca: opts.ca ?? TEST_CERT });
  return streamClient(socket, protocol === 'tcp' ? 'connect' : 'secureConnect');
}

async function udpClient(serverPort: number): Promise<RawClient> {
  const sock: UdpSocket = createSocket('udp4');
  sock.on('error', () => {});
  const inbox = new Queue<string>();
  sock.on('message', (m) => inbox.push(m.toString('utf8')));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return {
    localPort: sock.address().port,
    write: (data) => new Promise<void>((r) => sock.send(typeof data === 'string' ? Buffer.from(data) : data, serverPort, '127.0.0.1', () => r())),
    readMessage: () => inbox.next('a datagram'),
    readBytes: () => Promise.reject(new Error('readBytes is for streams')),
    closed: new Promise<void>(() => {}),
    isClosed: () => false,
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}

async function streamClient(socket: Socket, readyEvent: string): Promise<RawClient> {
  const reader = new ByteReader();
  let isClosed = false;
  socket.on('error', () => {});
  socket.on('data', (d: Buffer) => reader.push(d));
  const closed = new Promise<void>((r) =>
    socket.on('close', () => {
      isClosed = true;
      r();
    }),
  );
  // A connection the server refuses may close before (or instead of) becoming ready.
  await guard(Promise.race([new Promise<void>((r) => socket.once(readyEvent, () => r())), closed]), 'the connection');
  socket.setNoDelay(true);
  return {
    localPort: socket.localPort ?? 0,
    write: (data) => new Promise<void>((r) => (socket.destroyed ? r() : socket.write(data, () => r()))),
    readMessage: () => reader.message(),
    readBytes: (n) => reader.bytes(n),
    closed,
    isClosed: () => isClosed,
    close: async () => {
      socket.destroy();
      await closed;
    },
  };
}

/** A trunk: a plain server the transport under test sends requests to. */
export interface RawPeer {
  readonly port: number;
  /** Connections accepted so far (streams). */
  readonly accepted: number;
  /** The next message received, with a way to answer on the same socket or connection. */
  next(): Promise<{ text: string; reply: (data: string) => void }>;
  close(): Promise<void>;
}

export async function listenPeer(protocol: TransportProtocol): Promise<RawPeer> {
  const inbox = new Queue<{ text: string; reply: (data: string) => void }>();
  if (protocol === 'udp') {
    const sock = createSocket('udp4');
    sock.on('error', () => {});
    sock.on('message', (m, rinfo) => inbox.push({ text: m.toString('utf8'), reply: (d) => sock.send(Buffer.from(d), rinfo.port, rinfo.address) }));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    return { port: sock.address().port, accepted: 0, next: () => inbox.next('a datagram at the peer'), close: () => new Promise<void>((r) => sock.close(() => r())) };
  }
  let accepted = 0;
  const sockets = new Set<Socket>();
  const onConnection = (s: Socket) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    const reader = new ByteReader();
    s.on('data', (d: Buffer) => reader.push(d));
    const pump = async (): Promise<void> => {
      for (;;) {
        const text = await reader.message(false);
        if (s.destroyed) return;
        inbox.push({ text, reply: (d) => void s.write(d) });
      }
    };
    void pump();
  };
  const server: Server = protocol === 'tcp' ? netServer(onConnection) : tlsServer({ cert: TEST_CERT, key: TEST_KEY }, onConnection);
  server.on('error', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    get accepted() {
      return accepted;
    },
    next: () => inbox.next('a message at the peer'),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A reproducible stream of bytes (xorshift32), for the hostile-input cases. */
export function pseudoRandomBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
