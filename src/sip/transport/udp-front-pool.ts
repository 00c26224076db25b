import type { Worker } from 'node:worker_threads';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Endpoint } from './types.js';
import { emptyFrontStats, type ChallengeSnapshot, type SourceRefusals, type FromFront, type ToFront, type UdpFrontInit, type UdpFrontStats } from './udp-front-protocol.js';
import { spawnUdpFront } from './udp-front-spawn.js';

export interface UdpFrontPoolOptions {
  /** Front threads to run (sip.threads - 1). */
  fronts: number;
  /** The main thread's bound UDP listeners, in its order. */
  listeners: Endpoint[];
  maxMessageBytes: number;
  serverHeader?: string;
  clock: Clock;
  logger: Logger;
  /** A well-formed message a front thread read on listener `listener`. */
  onDatagram(data: Buffer, source: Endpoint, listener: number): void;
  /** A datagram a front thread answered or dropped itself (the flood guard counts it). */
  onSeen(address: string, port: number): void;
  /** A front thread died and is being started again. */
  onRestart?(thread: number): void;
  /** A front thread has bound its sockets (true), or has ended (false). */
  onUp?(thread: number, up: boolean): void;
  /** Defaults to spawnUdpFront (tests may start the threads otherwise). */
  spawn?: (init: UdpFrontInit) => Worker;
  /** Forwarded messages a thread may have waiting for the main thread (UdpFrontInit.maxInFlight). */
  maxInFlight: number;
  /** The main thread's nonce secret and epoch: with them the threads answer first REGISTERs' challenges (front-challenge.ts). */
  nonce?: { secret: Uint8Array; epoch: number; ttlSeconds: number };
  /** The main thread's clock offset from the system time, shared with every thread (UdpFrontInit.clockOffset). */
  clockOffset?: SharedArrayBuffer;
  /** How long start() waits for a thread to bind, in ms (default 30 s: tsx compiles on first start). */
  readyTimeoutMs?: number;
}

interface Slot {
  thread: number;
  worker: Worker | undefined;
  stats: UdpFrontStats;
  restarts: number;
  /** Consecutive deaths before a thread stayed up a minute: the restart delay doubles with them. */
  deaths: number;
  startedAt: number;
  restartTimer: TimerHandle | undefined;
}

/** Per thread, for /metrics: thread 1..N-1. */
export interface FrontThreadState {
  thread: number;
  up: boolean;
  restarts: number;
  stats: UdpFrontStats;
}

const FIRST_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 10_000;
const STABLE_MS = 60_000;

/**
 * The main thread's side of the SIP front threads (udp-front-protocol.ts): starts them,
 * feeds what they forward into the transport, pushes the ban snapshot to each, and starts
 * a thread that dies again (after 100 ms, doubling up to 10 s while it keeps dying), the
 * others never noticing: each has its own sockets, and the kernel gives a dead thread's
 * share of the sources to the sockets that remain until the new one binds.
 */
export class UdpFrontPool {
  private readonly slots: Slot[] = [];
  private stopping = false;
  private bans: ToFront | undefined;
  private challenges: ToFront | undefined;
  /** Non-zero while the main thread sheds new work; shared with every thread (UdpFrontInit.overload). */
  private readonly overload = new SharedArrayBuffer(4);
  private readonly log: Logger;

  constructor(private readonly o: UdpFrontPoolOptions) {
    this.log = o.logger;
    for (let i = 1; i <= o.fronts; i++) this.slots.push({ thread: i, worker: undefined, stats: emptyFrontStats(), restarts: 0, deaths: 0, startedAt: 0, restartTimer: undefined });
  }

  /** Start every thread and wait until each has bound its sockets; throws (after stopping those started) when one cannot. */
  async start(): Promise<void> {
    try {
      await Promise.all(this.slots.map((s) => this.launch(s)));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.slots.map(async (s) => {
        this.o.clock.clearTimeout(s.restartTimer);
        const w = s.worker;
        s.worker = undefined;
        if (!w) return;
        const gone = new Promise<void>((resolve) => w.once('exit', () => resolve()));
        w.postMessage({ type: 'stop' } satisfies ToFront);
        const timer = setTimeout(() => void w.terminate(), 2_000);
        await gone;
        clearTimeout(timer);
      }),
    );
  }

  /** The source guard's view for every thread, now and for threads started later. */
  setRefusals(refusals: SourceRefusals): void {
    this.bans = { type: 'refusals', refusals };
    for (const s of this.slots) s.worker?.postMessage(this.bans);
  }

  /** The challenge snapshot for every thread, now and for threads started later. */
  setChallenges(snapshot: ChallengeSnapshot): void {
    this.challenges = { type: 'challenges', snapshot };
    for (const s of this.slots) s.worker?.postMessage(this.challenges);
  }

  /** Whether the main thread sheds new work now: the threads then forward what they would challenge. */
  setShedding(shedding: boolean): void {
    Atomics.store(new Int32Array(this.overload), 0, shedding ? 1 : 0);
  }

  /** End thread `thread` abruptly, as a crash would (operators and tests); it is restarted like any dead thread. False when there is no such thread running. */
  kill(thread: number): boolean {
    const s = this.slots.find((x) => x.thread === thread);
    if (!s?.worker) return false;
    void s.worker.terminate();
    return true;
  }

  threads(): FrontThreadState[] {
    return this.slots.map((s) => ({ thread: s.thread, up: s.worker !== undefined, restarts: s.restarts, stats: { ...s.stats } }));
  }

  private launch(slot: Slot): Promise<void> {
    const inFlight = new SharedArrayBuffer(4);
    const counter = new Int32Array(inFlight);
    const init: UdpFrontInit = {
      index: slot.thread,
      inFlight,
      maxInFlight: this.o.maxInFlight,
      listeners: this.o.listeners.map((l) => ({ host: l.address, port: l.port })),
      maxMessageBytes: this.o.maxMessageBytes,
      overload: this.overload,
      ...(this.o.nonce ? { nonce: this.o.nonce } : {}),
      ...(this.o.clockOffset ? { clockOffset: this.o.clockOffset } : {}),
      ...(this.o.serverHeader !== undefined ? { serverHeader: this.o.serverHeader } : {}),
    };
    const w = (this.o.spawn ?? spawnUdpFront)(init);
    slot.worker = w;
    slot.startedAt = this.o.clock.now();
    slot.stats = emptyFrontStats();
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (ready) return;
        reject(new Error(`sip thread ${slot.thread} did not bind its sockets in time`));
        void w.terminate();
      }, this.o.readyTimeoutMs ?? 30_000);
      w.on('message', (msg: FromFront) => {
        if (msg.type === 'ready') {
          ready = true;
          clearTimeout(timer);
          if (this.bans) w.postMessage(this.bans);
          if (this.challenges) w.postMessage(this.challenges);
          if (slot.restarts > 0) this.log.info('sip thread running again', { thread: slot.thread, restarts: slot.restarts });
          this.o.onUp?.(slot.thread, true);
          resolve();
          return;
        }
        if (msg.type === 'datagram') Atomics.sub(counter, 0, 1);
        try {
          this.onMessage(slot, msg);
        } catch (err) {
          this.log.error('message from a sip thread not handled', { thread: slot.thread, error: err });
        }
      });
      w.on('error', (err) => this.log.error('sip thread failed', { thread: slot.thread, error: err }));
      w.on('exit', (code) => {
        clearTimeout(timer);
        if (slot.worker === w) slot.worker = undefined;
        this.o.onUp?.(slot.thread, false);
        if (!ready) {
          reject(new Error(`sip thread ${slot.thread} ended before it was ready (exit code ${code})`));
          if (this.stopping || slot.restarts === 0) return; // at start: start() reports it
        }
        if (this.stopping) return;
        this.restartLater(slot, code);
      });
    });
  }

  private restartLater(slot: Slot, code: number): void {
    slot.restarts++;
    slot.deaths = this.o.clock.now() - slot.startedAt >= STABLE_MS ? 1 : slot.deaths + 1;
    const delay = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (slot.deaths - 1));
    this.log.warn('sip thread ended; starting it again', { thread: slot.thread, exitCode: code, restarts: slot.restarts, inMs: delay });
    try {
      this.o.onRestart?.(slot.thread);
    } catch (err) {
      this.log.error('restart hook failed', { error: err });
    }
    slot.restartTimer = this.o.clock.setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.stopping) return;
      this.launch(slot).catch((err: unknown) => this.log.error('sip thread did not start again', { thread: slot.thread, error: err }));
    }, delay);
  }

  private onMessage(slot: Slot, msg: FromFront): void {
    switch (msg.type) {
      case 'datagram':
        this.o.onDatagram(Buffer.from(msg.data), { protocol: 'udp', address: msg.address, port: msg.port }, msg.listener);
        return;
      case 'seen':
        for (let i = 0; i + 1 < msg.sources.length; i += 2) this.o.onSeen(msg.sources[i] as string, msg.sources[i + 1] as number);
        return;
      case 'stats':
        slot.stats = msg.stats;
        return;
      case 'log':
        this.log[msg.level](msg.message, { thread: slot.thread, ...(msg.detail !== undefined ? { detail: msg.detail } : {}) });
        return;
      default:
        return;
    }
  }
}
