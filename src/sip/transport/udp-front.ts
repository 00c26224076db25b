import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { readIp } from '../../util/ip.js';
import { sourceKey } from '../../util/source-key.js';
import { looksLikeStun } from '../../util/stun-message.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '../message/parse.js';
import { serializeMessage } from '../message/serialize.js';
import { familyOf, normalizeAddress } from './address.js';
import { readInbound, type InboundContext } from './inbound-message.js';
import { responseTarget } from './response-target.js';
import { answerStun } from './stun-responder.js';
import { FrontChallenger } from './front-challenge.js';
import type { Endpoint } from './types.js';
import { emptyFrontStats, type FromFront, type ToFront, type UdpFrontInit, type UdpFrontStats } from './udp-front-protocol.js';

/** Kernel buffer asked for on each socket (as UdpTransport does). */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * The work of one SIP front thread (src/sip/transport/udp-front-protocol.ts): per
 * datagram, what needs no SIP state, in the order the main thread would do it:
 * CRLF keep-alives ignored; banned sources dropped (the main thread's snapshot); STUN
 * Binding answered (RFC 5626 §4.4.2); the message parsed and validated, a malformed
 * request answered statelessly (RFC 3261 §8.2.7, from this thread's socket: same port)
 * or dropped. A well-formed message goes to the main thread as its raw bytes: there it
 * is parsed again, which costs about 7 µs against 11 µs for the structured clone of the
 * parsed form (forward-cost.probe.ts), and keeps the main thread's parse the only one
 * whose objects any layer sees.
 */
export class UdpFront {
  private readonly sockets: Socket[] = [];
  private readonly locals: Endpoint[] = [];
  private readonly v6: boolean[] = [];
  private readonly limits: ParseLimits;
  private bans = new Set<string>();
  private ipv6Prefix = 64;
  private readonly words = new Uint32Array(4);
  private seen: Array<string | number> = [];
  private seenScheduled = false;
  readonly stats: UdpFrontStats = emptyFrontStats();
  private readonly inFlight: Int32Array;
  private readonly challenger: FrontChallenger | undefined;

  constructor(
    private readonly init: UdpFrontInit,
    private readonly post: (msg: FromFront, transfer?: ArrayBuffer[]) => void,
  ) {
    this.inFlight = new Int32Array(init.inFlight);
    if (init.nonce) this.challenger = new FrontChallenger({ ...init.nonce, ...(init.overload ? { overload: init.overload } : {}) });
    this.limits = { ...DEFAULT_PARSE_LIMITS, maxMessageBytes: init.maxMessageBytes, maxHeaderBytes: Math.min(DEFAULT_PARSE_LIMITS.maxHeaderBytes, init.maxMessageBytes) };
  }

  /** Bind one socket per listener with SO_REUSEPORT on the main thread's address and port. */
  async start(): Promise<void> {
    for (const [i, l] of this.init.listeners.entries()) {
      const v6 = isIPv6(normalizeAddress(l.host));
      const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reusePort: true });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: l.host, port: l.port, exclusive: true }, () => {
          socket.off('error', reject);
          resolve();
        });
      }).catch((err: unknown) => {
        socket.close();
        throw err;
      });
      try {
        socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
        socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
      } catch {
        // capped by net.core.rmem_max; the default buffer works too
      }
      const a = socket.address();
      const local: Endpoint = { protocol: 'udp', address: normalizeAddress(a.address), port: a.port };
      socket.on('error', (err: Error) => this.post({ type: 'log', level: 'warn', message: 'udp socket error', detail: err.message }));
      socket.on('message', (data: Buffer, rinfo) => {
        try {
          this.onDatagram(data, { protocol: 'udp', address: normalizeAddress(rinfo.address), port: rinfo.port }, i);
        } catch (err) {
          this.post({ type: 'log', level: 'error', message: 'datagram handler failed', detail: (err as Error).message });
        }
      });
      this.sockets.push(socket);
      this.locals.push(local);
      this.v6.push(v6);
    }
  }

  async stop(): Promise<void> {
    const all = this.sockets.splice(0);
    await Promise.all(all.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  /** A command from the main thread. */
  handle(msg: ToFront): void {
    if (msg.type === 'bans') {
      this.bans = new Set(msg.keys);
      this.ipv6Prefix = msg.ipv6Prefix;
    } else if (msg.type === 'challenges') {
      this.challenger?.setSnapshot(msg.snapshot);
    }
  }

  onDatagram(data: Buffer, source: Endpoint, listener: number): void {
    this.stats.read++;
    if (isOnlyCrlf(data)) {
      this.stats.keepalives++;
      return;
    }
    if (this.bans.size > 0 && this.bans.has(sourceKey(source.address, readIp(source.address, this.words), this.words, this.ipv6Prefix))) {
      this.stats.banned++;
      return;
    }
    if (looksLikeStun(data)) {
      this.noteSeen(source);
      const v = answerStun(data, source);
      if (v.kind === 'drop') {
        this.stats.stunDropped++;
        return;
      }
      this.stats.stunAnswered++;
      this.send(listener, v.data, source.address, source.port);
      return;
    }
    const ctx: InboundContext = { framed: false, limits: this.limits, sourceAddress: source.address, sourcePort: source.port };
    if (this.init.serverHeader !== undefined) ctx.serverHeader = this.init.serverHeader;
    const result = readInbound(data, ctx);
    if (result.kind === 'message') {
      // A first REGISTER the main thread would only challenge: the 401 from here (front-challenge.ts).
      if (this.challenger && result.message.kind === 'request' && result.message.method === 'REGISTER') {
        const res = this.challenger.answer(result.message, source.address);
        if (res) {
          this.noteSeen(source);
          this.stats.challenged++;
          const target = responseTarget({ message: result.message, source, local: this.locals[listener]!, receivedAt: 0 }, () => false);
          this.send(listener, serializeMessage(res), target.address, target.port);
          return;
        }
      }
      if (Atomics.load(this.inFlight, 0) >= this.init.maxInFlight) {
        this.stats.queueFull++;
        return;
      }
      Atomics.add(this.inFlight, 0, 1);
      // A copy in a buffer of its own, moved (not copied again) to the main thread.
      const copy = new ArrayBuffer(data.length);
      new Uint8Array(copy).set(data);
      this.stats.forwarded++;
      this.post({ type: 'datagram', data: copy, address: source.address, port: source.port, listener }, [copy]);
      return;
    }
    this.noteSeen(source);
    if (result.kind === 'drop') {
      this.stats.dropped++;
      return;
    }
    this.stats.rejected++;
    const target = responseTarget({ message: result.request, source, local: this.locals[listener]!, receivedAt: 0 }, () => false);
    this.send(listener, serializeMessage(result.response), target.address, target.port);
  }

  private send(listener: number, data: Buffer, address: string, port: number): void {
    const s = this.sockets[listener];
    if (!s) return;
    let dest = normalizeAddress(address);
    if (this.v6[listener] && familyOf(dest) === 4 && /^\d/.test(dest)) dest = '::ffff:' + dest; // dual-stack socket
    s.send(data, port, dest, () => {});
  }

  /** The main thread's flood guard counts these too; sent once per turn of the event loop. */
  private noteSeen(source: Endpoint): void {
    this.seen.push(source.address, source.port);
    if (this.seenScheduled) return;
    this.seenScheduled = true;
    setImmediate(() => {
      this.seenScheduled = false;
      const sources = this.seen;
      this.seen = [];
      this.post({ type: 'seen', sources });
    });
  }
}

function isOnlyCrlf(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] !== 0x0d && data[i] !== 0x0a) return false;
  return true;
}
