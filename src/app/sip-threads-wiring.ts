import { availableParallelism } from 'node:os';
import { notFound, type RouteDef } from '../admin/api-types.js';
import { resolveSipThreads, type SipThreads as SipThreadsSetting } from '../config/sip-threads-config.js';
import type { TransportLayer, TransportStats } from '../sip/transport/transport-layer.js';
import { UdpFrontPool } from '../sip/transport/udp-front-pool.js';
import type { ChallengeSnapshot, SourceRefusals } from '../sip/transport/udp-front-protocol.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { hasSharedOffset, SharedClockOffset } from '../util/shared-clock-offset.js';
import type { MetricsRegistry } from '../util/metrics.js';

/** What the SIP threads need of the server; read when they start. */
export interface SipThreadsDeps {
  threads: SipThreadsSetting | undefined;
  transport: () => TransportLayer;
  /** The main thread's source guard: what it decides that the front threads may apply (src/edge/security/source-guard.ts). */
  guard: { admit(address: string, port: number): unknown; frontRefusals(): SourceRefusals; onFrontRefusalsChanged(listener: (() => void) | undefined): void };
  maxMessageBytes: number;
  /** Forwarded messages each front thread may have waiting for the main thread. */
  maxInFlight: number;
  serverHeader?: string;
  clock: Clock;
  logger: Logger;
  registry: MetricsRegistry;
  /**
   * With these the front threads answer a first REGISTER's digest challenge themselves
   * (src/sip/transport/front-challenge.ts): the nonce secret and epoch of the main
   * thread's DigestAuthenticator, and the snapshot of who may be challenged.
   */
  challenges?: { nonce: { secret: Uint8Array; epoch: number; ttlSeconds: number }; snapshot: () => ChallengeSnapshot; /** Tenants or pbx.yaml changed: forget what was remembered of them. */ changed?: () => void };
  /** Core count for `auto` (tests pin it). */
  cores?: number;
}

/** Counters and the ban snapshot are refreshed this often. */
const REFRESH_MS = 500;
/** A change of the source guard's view is sent at once, but not more often than this (see refusalsChanged). */
const REFUSALS_MIN_GAP_MS = 50;
/** The challenge snapshot is rebuilt every this many refreshes (a tenant store opened since, another process's change), and sent when it changed. */
const CHALLENGE_EVERY = 4;

/**
 * SIP on every core (issue 13 point 2): `sip.threads` - 1 front threads on the UDP
 * listeners' ports (src/sip/transport/udp-front-pool.ts), fed into the one transport of
 * the main thread, which keeps all SIP state. Also the /metrics series per thread (0 is
 * the main thread) and the admin route that kills a front thread (it is restarted).
 * `useReusePort` tells the transport to bind with SO_REUSEPORT before it starts.
 */
export class SipThreads {
  readonly count: number;
  private pool: UdpFrontPool | undefined;
  private timer: TimerHandle | undefined;
  private lastBans = '';
  private refusalsScheduled = false;
  /** performance.now() of the last look at the guard's view. */
  private refusalsSentAt = -Infinity;
  private lastChallenges = '';
  private ticks = 0;
  private readonly last = new Map<string, number>();
  private readonly m;
  /**
   * The main thread's clock as an offset from the system time, shared with the front
   * threads (they date their nonces by it). A clock that keeps its offset in shared memory
   * (a settable clock) is read live; any other is sampled here at every refresh (the
   * system clock: always 0).
   */
  private readonly clockOffset: SharedClockOffset;
  private readonly sampleOffset: boolean;

  constructor(private readonly d: SipThreadsDeps) {
    this.sampleOffset = !hasSharedOffset(d.clock);
    this.clockOffset = hasSharedOffset(d.clock) ? new SharedClockOffset(d.clock.sharedOffset) : new SharedClockOffset();
    if (this.sampleOffset) this.clockOffset.set(d.clock.now() - Date.now());
    this.count = resolveSipThreads(d.threads, d.cores ?? availableParallelism());
    const r = d.registry;
    this.m = {
      threads: r.gauge('pbx_sip_threads', 'Threads reading SIP over UDP (sip.threads): the main thread and the front threads.'),
      read: r.counter('pbx_sip_thread_datagrams_total', 'UDP datagrams read, by thread (0 is the main thread, which keeps every SIP state).', ['thread']),
      forwarded: r.counter('pbx_sip_thread_forwarded_total', 'Well-formed messages a front thread handed to the main thread.', ['thread']),
      answered: r.counter('pbx_sip_thread_answered_total', 'Datagrams a front thread dealt with itself, by kind: keepalive, stun, banned, rejected (400/505/513), dropped (malformed), queue_full (the main thread was behind), challenge (a first REGISTER answered 401).', ['thread', 'kind']),
      up: r.gauge('pbx_sip_thread_up', '1 while the thread runs.', ['thread']),
      restarts: r.counter('pbx_sip_thread_restarts_total', 'Front threads that ended and were started again.', ['thread']),
    };
    this.m.threads.set(undefined, this.count);
    this.m.up.set({ thread: '0' }, 1);
    this.m.read.inc({ thread: '0' }, 0);
    for (let t = 1; t < this.count; t++) {
      this.m.restarts.inc({ thread: String(t) }, 0);
      this.m.up.set({ thread: String(t) }, 0);
    }
  }

  /** The transport binds with SO_REUSEPORT when front threads will share its ports. */
  get useReusePort(): boolean {
    return this.count > 1;
  }

  /** After transport.start(): start the front threads on its bound UDP ports. */
  async start(): Promise<void> {
    const listeners = this.d.transport().udpEndpoints();
    if (this.count > 1 && listeners.length > 0) {
      const pool = new UdpFrontPool({
        fronts: this.count - 1,
        listeners,
        maxMessageBytes: this.d.maxMessageBytes,
        maxInFlight: this.d.maxInFlight,
        ...(this.d.serverHeader !== undefined ? { serverHeader: this.d.serverHeader } : {}),
        clock: this.d.clock,
        logger: this.d.logger,
        ...(this.d.challenges ? { nonce: this.d.challenges.nonce, clockOffset: this.clockOffset.buffer } : {}),
        onDatagram: (data, source, listener) => this.d.transport().receiveForwarded(data, source, listener),
        onSeen: (address, port) => void this.d.guard.admit(address, port),
        onRestart: (thread) => this.m.restarts.inc({ thread: String(thread) }),
        onUp: (thread, up) => this.m.up.set({ thread: String(thread) }, up ? 1 : 0),
      });
      await pool.start();
      this.pool = pool;
      this.d.guard.onFrontRefusalsChanged(() => this.refusalsChanged());
      this.d.logger.info('sip threads started', { threads: this.count, udpListeners: listeners.length });
    }
    this.refresh();
  }

  async stop(): Promise<void> {
    this.d.guard.onFrontRefusalsChanged(undefined);
    this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.stop();
  }

  /** Whether the main thread's overload control sheds new work (every overload tick): the front threads then forward what they would challenge. */
  setShedding(shedding: boolean): void {
    this.pool?.setShedding(shedding);
  }

  /** After a tenant change (API, apply): the challenge snapshot goes out now. */
  tenantsChanged(): void {
    if (!this.pool || !this.d.challenges) return;
    this.d.challenges.changed?.();
    this.ticks = 0;
    this.sendChallenges();
  }

  /** After SIGHUP (the trusted list, ipv6Prefix, algorithms or tenants may have changed): the ban and challenge snapshots go out now. */
  reloaded(): void {
    this.lastBans = '';
    this.d.challenges?.changed?.();
    this.ticks = 0;
    this.d.clock.clearTimeout(this.timer);
    this.refresh();
  }

  /**
   * The transport's counters with what the front threads did themselves added in (their
   * STUN answers, stateless rejections and drops, the challenges they answered), so the totals an operator reads stay
   * whole whatever thread a datagram landed on. What they forwarded is counted by the
   * main thread when it handles it.
   */
  withFronts(s: TransportStats): TransportStats {
    const out = { ...s };
    for (const t of this.pool?.threads() ?? []) {
      const f = t.stats;
      out.stunAnswered += f.stunAnswered;
      out.stunDropped += f.stunDropped;
      out.parseErrors += f.rejected + f.dropped;
      out.rejectedMessages += f.rejected;
      out.dropped += f.dropped + f.banned + f.queueFull;
      // A REGISTER challenged by a front thread: a well-formed message received and one sent.
      out.received += f.challenged;
      out.sent += f.challenged;
    }
    return out;
  }

  /** End a front thread abruptly (it is started again); false when there is none running by that number. */
  kill(thread: number): boolean {
    return this.pool?.kill(thread) ?? false;
  }

  /** POST /system/sip-threads/{thread}/kill: for operators (a stuck thread) and the multi-core tests. */
  routes(): RouteDef<any>[] {
    return [
      {
        method: 'POST',
        path: '/system/sip-threads/{thread}/kill',
        roles: ['provider'],
        tag: 'system',
        summary: 'End a SIP front thread abruptly; it is started again (pbx_sip_thread_restarts_total)',
        params: { thread: { type: 'string', pattern: '^[1-9][0-9]?$' } },
        response: { status: 202, description: 'The thread is ending' },
        handler: (req) => {
          const n = Number(req.params['thread']);
          if (!Number.isInteger(n) || !this.kill(n)) throw notFound('no running sip front thread by that number');
          return { status: 202, body: { thread: n } };
        },
      },
    ];
  }

  /** Counters into /metrics, the ban snapshot to the front threads; every REFRESH_MS. */
  private refresh(): void {
    try {
      if (this.sampleOffset) this.clockOffset.set(this.d.clock.now() - Date.now());
      this.count0();
      const pool = this.pool;
      if (pool) {
        for (const t of pool.threads()) {
          const thread = String(t.thread);
          this.bump(this.m.read, { thread }, t.stats.read, `${thread}:read`);
          this.bump(this.m.forwarded, { thread }, t.stats.forwarded, `${thread}:fwd`);
          const kinds = { keepalive: t.stats.keepalives, stun: t.stats.stunAnswered + t.stats.stunDropped, banned: t.stats.banned, rejected: t.stats.rejected, dropped: t.stats.dropped, queue_full: t.stats.queueFull, challenge: t.stats.challenged };
          for (const [kind, v] of Object.entries(kinds)) this.bump(this.m.answered, { thread, kind }, v, `${thread}:${kind}`);
        }
        this.sendRefusals();
        if (this.d.challenges && this.ticks++ % CHALLENGE_EVERY === 0) this.sendChallenges();
      }
    } catch (err) {
      this.d.logger.error('sip thread counters not refreshed', { error: err });
    }
    this.timer = this.d.clock.setTimeout(() => this.refresh(), REFRESH_MS);
  }

  /** The source guard's view to every front thread, when it differs from the one they have. */
  private sendRefusals(): void {
    const pool = this.pool;
    if (!pool) return;
    const r = this.d.guard.frontRefusals();
    const text = `${r.ipv6Prefix} ${r.forwardAll} ${r.refused.join(' ')} / ${r.forwarded.join(' ')}`;
    this.refusalsSentAt = performance.now();
    if (text === this.lastBans) return;
    this.lastBans = text;
    pool.setRefusals(r);
  }

  /**
   * The guard's view changed (a ban, a source newly throttled): it goes out on the next
   * turn of the event loop, once however many changes came in this one, and at most every
   * REFUSALS_MIN_GAP_MS (a spray of spoofed sources must not make the main thread rebuild
   * and send the whole list on every turn).
   */
  private refusalsChanged(): void {
    if (this.refusalsScheduled || !this.pool) return;
    this.refusalsScheduled = true;
    const wait = Math.max(0, this.refusalsSentAt + REFUSALS_MIN_GAP_MS - performance.now());
    const send = (): void => {
      this.refusalsScheduled = false;
      try {
        this.sendRefusals();
      } catch (err) {
        this.d.logger.error('source refusals not sent to the sip threads', { error: err });
      }
    };
    if (wait === 0) setImmediate(send);
    else setTimeout(send, wait).unref();
  }

  /** The challenge snapshot to every front thread, when it differs from the one they have. */
  private sendChallenges(): void {
    const pool = this.pool;
    if (!pool || !this.d.challenges) return;
    try {
      const snapshot = this.d.challenges.snapshot();
      const text = JSON.stringify(snapshot);
      if (text === this.lastChallenges) return;
      this.lastChallenges = text;
      pool.setChallenges(snapshot);
    } catch (err) {
      this.d.logger.error('challenge snapshot not sent to the sip threads', { error: err });
    }
  }

  private count0(): void {
    this.bump(this.m.read, { thread: '0' }, this.d.transport().stats().udpRead, '0:read');
  }

  /** A thread's counter restarts at 0 with the thread: count what is new since the last look. */
  private bump(c: { inc(labels: Record<string, string>, by: number): void }, labels: Record<string, string>, value: number, key: string): void {
    const before = this.last.get(key) ?? 0;
    const delta = value >= before ? value - before : value;
    this.last.set(key, value);
    if (delta > 0) c.inc(labels, delta);
  }
}
