import { availableParallelism } from 'node:os';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { MediaError } from './media-error.js';
import { MediaSession, type SessionHost } from './media-session.js';
import { splitPortRange } from './port-allocator.js';
import type { CommandName, CommandOf, CommandResult, MediaEvent, WorkerLoad } from './protocol.js';
import { WorkerSlot, type MediaFault } from './worker-slot.js';

export interface MediaControllerOptions {
  /** Worker threads; 0 = one per core. */
  workers: number;
  /** Local address of the RTP/RTCP sockets (rtp.address). */
  address: string;
  /** rtp.ports; split between the workers without overlap. */
  portMin: number;
  portMax: number;
  /** No RTP in either direction for this long (and not on hold) → onTimeout; 0 = never. Default 60 000. */
  rtpTimeoutMs?: number;
  logger: Logger;
  clock?: Clock;
  /** How often workers look for idle sessions. Default 1 000 ms. */
  checkIntervalMs?: number;
  /** A worker command not answered in this time rejects with MediaError('timeout'). Default 5 000 ms. */
  requestTimeoutMs?: number;
  /** How long start() waits for the workers, and createSession() for a restarting one. Default 10 000 ms. */
  startTimeoutMs?: number;
}

export interface CreateSessionOptions {
  /** RTP clock rate for jitter, in Hz; default 8000. */
  clockRate?: number;
  /**
   * Sessions with the same key share one worker while any of them lives (a conference
   * room's participants: the room is mixed in ONE worker). Absent: the least loaded worker.
   */
  affinity?: string;
}

/**
 * The main thread's side of the media workers: starts the pool (each worker owning a
 * slice of rtp.ports), places each call on the least loaded worker, routes worker events
 * to their sessions, and ends only the sessions of a worker that dies, which is restarted.
 * It never sees an RTP packet.
 */
export class MediaController {
  private readonly slots: WorkerSlot[] = [];
  private readonly sessions = new Map<string, MediaSession>();
  /** Session ids being allocated, so that a duplicate is refused at once. */
  private readonly creating = new Set<string>();
  /** The worker of each affinity key, and how many sessions hold it there. */
  private readonly affinities = new Map<string, { index: number; count: number }>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly requestTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(private readonly o: MediaControllerOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = o.logger;
    this.requestTimeoutMs = o.requestTimeoutMs ?? 5_000;
    this.startTimeoutMs = o.startTimeoutMs ?? 10_000;
  }

  get workerCount(): number {
    return this.slots.length;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Start the workers and wait until each takes commands. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new MediaError('stopped', 'media controller already started');
    this.state = 'running';
    const count = this.o.workers > 0 ? this.o.workers : availableParallelism();
    const ranges = splitPortRange({ portMin: this.o.portMin, portMax: this.o.portMax }, count);
    ranges.forEach((range, index) => {
      const slot: WorkerSlot = new WorkerSlot({
        init: {
          index,
          address: this.o.address,
          portMin: range.portMin,
          portMax: range.portMax,
          rtpTimeoutMs: this.o.rtpTimeoutMs ?? 60_000,
          checkIntervalMs: this.o.checkIntervalMs ?? 1_000,
        },
        clock: this.clock,
        logger: this.log,
        requestTimeoutMs: this.requestTimeoutMs,
        onEvent: (e) => this.onEvent(slot, e),
        onDeath: (reason) => this.onDeath(slot, reason),
      });
      this.slots.push(slot);
    });
    for (const s of this.slots) s.start();
    try {
      await Promise.all(this.slots.map((s) => s.ready(this.startTimeoutMs)));
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.log.info('media workers started', { workers: count, ports: `${this.o.portMin}-${this.o.portMax}` });
  }

  /** Resolves when every worker takes commands (after a restart, say); rejects with MediaError('timeout'). */
  async workersReady(timeoutMs = this.startTimeoutMs): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready(timeoutMs)));
  }

  /** End every worker. Sessions still open end with reason 'media controller stopped'. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const s of [...this.sessions.values()]) s.end('media controller stopped');
    await Promise.all(this.slots.map((s) => s.stop()));
  }

  /**
   * Two legs for a new call, on the least loaded worker. Rejects with MediaError:
   * 'ports-exhausted' when no worker has ports left, 'session-exists', 'no-worker' when
   * none is up, 'timeout'.
   */
  async createSession(id: string, opts: CreateSessionOptions = {}): Promise<MediaSession> {
    if (this.state !== 'running') throw new MediaError('stopped', 'media controller is not running');
    if (this.sessions.has(id) || this.creating.has(id)) throw new MediaError('session-exists', `media session ${id} exists`);
    this.creating.add(id);
    try {
      let candidates = this.readySlots();
      const pinned = opts.affinity !== undefined ? this.affinities.get(opts.affinity) : undefined;
      if (pinned) {
        candidates = candidates.filter((s) => s.index === pinned.index);
        if (candidates.length === 0) throw new MediaError('worker-gone', `the worker of ${opts.affinity} is not running`);
      }
      if (candidates.length === 0) {
        // Every worker is restarting: wait for the first back, rather than fail the call.
        await Promise.any(this.slots.map((s) => s.ready(this.startTimeoutMs))).catch(() => undefined);
        if (this.state !== 'running') throw new MediaError('stopped', 'media controller stopped');
        candidates = this.readySlots();
        if (candidates.length === 0) throw new MediaError('no-worker', 'no media worker is running');
      }
      let exhausted: unknown;
      for (const slot of candidates) {
        slot.load++;
        let ports: CommandResult<'allocate'>;
        try {
          ports = await slot.request({ op: 'allocate', session: id, clockRate: opts.clockRate });
        } catch (err) {
          slot.load = Math.max(0, slot.load - 1);
          if (err instanceof MediaError && err.code === 'ports-exhausted') {
            exhausted = err;
            continue;
          }
          // A late answer would leave the ports bound in the worker: release them there.
          if (err instanceof MediaError && err.code === 'timeout') slot.request({ op: 'release', session: id }).catch(() => undefined);
          throw err;
        }
        if (this.state !== 'running' || slot.state !== 'ready') {
          slot.load = Math.max(0, slot.load - 1);
          slot.request({ op: 'release', session: id }).catch(() => undefined);
          throw new MediaError(this.state !== 'running' ? 'stopped' : 'worker-gone', 'media worker went away during allocation');
        }
        const session = new MediaSession(
          id,
          slot.index,
          { address: this.o.address, rtpPort: ports.a.rtpPort, rtcpPort: ports.a.rtcpPort },
          { address: this.o.address, rtpPort: ports.b.rtpPort, rtcpPort: ports.b.rtcpPort },
          this.hostFor(slot, opts.affinity),
        );
        if (opts.affinity !== undefined) {
          const held = this.affinities.get(opts.affinity);
          if (held) held.count++;
          else this.affinities.set(opts.affinity, { index: slot.index, count: 1 });
        }
        this.sessions.set(id, session);
        return session;
      }
      throw exhausted ?? new MediaError('ports-exhausted', 'no RTP ports left');
    } finally {
      this.creating.delete(id);
    }
  }

  session(id: string): MediaSession | undefined {
    return this.sessions.get(id);
  }

  /** Sessions and ports of each worker, asked of the workers themselves. */
  async loads(): Promise<Array<WorkerLoad | null>> {
    return Promise.all(this.slots.map((s) => (s.state === 'ready' ? s.request({ op: 'load' }).catch(() => null) : Promise.resolve(null))));
  }

  /** Each worker's life-cycle state ('ready' takes commands), for readiness and monitoring. */
  workerStates(): Array<{ index: number; state: string }> {
    return this.slots.map((s) => ({ index: s.index, state: s.state }));
  }

  /** Fault injection for tests and drills: crash one worker, or hang it for a while. */
  injectFault(index: number, fault: MediaFault): void {
    this.slots[index]?.injectFault(fault);
  }

  private readySlots(): WorkerSlot[] {
    return this.slots.filter((s) => s.state === 'ready').sort((x, y) => x.load - y.load || x.index - y.index);
  }

  private hostFor(slot: WorkerSlot, affinity?: string): SessionHost {
    return {
      logger: this.log,
      request: <K extends CommandName>(cmd: CommandOf<K>) => slot.request(cmd),
      detach: (session: MediaSession) => {
        if (this.sessions.get(session.id) !== session) return;
        this.sessions.delete(session.id);
        slot.load = Math.max(0, slot.load - 1);
        const held = affinity !== undefined ? this.affinities.get(affinity) : undefined;
        if (held && --held.count <= 0) this.affinities.delete(affinity!);
      },
    };
  }

  private onEvent(slot: WorkerSlot, e: MediaEvent): void {
    switch (e.type) {
      case 'rtpTimeout': {
        const s = this.sessions.get(e.session);
        if (s?.workerIndex === slot.index) {
          this.log.info('rtp timeout', { session: e.session, idleMs: e.idleMs });
          s.fireTimeout(e.idleMs);
        }
        return;
      }
      case 'latched': {
        const s = this.sessions.get(e.session);
        this.log.debug('media latched', { session: e.session, leg: e.leg, kind: e.kind, source: `${e.address}:${e.port}` });
        if (s?.workerIndex === slot.index) s.fireLatched({ leg: e.leg, kind: e.kind, source: { address: e.address, port: e.port } });
        return;
      }
      case 'dtmf': {
        const s = this.sessions.get(e.session);
        this.log.debug('dtmf', { session: e.session, leg: e.leg, digit: e.digit, durationMs: e.durationMs, source: e.source });
        if (s?.workerIndex === slot.index) s.reportDigit({ leg: e.leg, digit: e.digit, durationMs: e.durationMs, source: e.source });
        return;
      }
      case 'workerError':
        this.log.warn('media worker error', { worker: slot.index, message: e.message });
        return;
      case 'played': {
        const s = this.sessions.get(e.session);
        if (s?.workerIndex === slot.index) s.firePlayed(e);
        return;
      }
      case 'recordingStarted':
        this.log.debug('recording started', { session: e.session, recording: e.recId });
        return;
      case 'recordingStopped': {
        const { type: _t, session: _s, ...r } = e;
        const s = this.sessions.get(e.session);
        if (s?.workerIndex === slot.index) s.fireRecordingStopped(r);
        return;
      }
    }
  }

  /** A worker died: its sessions, and only those, are gone. */
  private onDeath(slot: WorkerSlot, reason: string): void {
    let ended = 0;
    for (const s of [...this.sessions.values()]) {
      if (s.workerIndex !== slot.index) continue;
      s.end(reason);
      ended++;
    }
    slot.load = 0;
    this.log.warn('media sessions ended by worker death', { worker: slot.index, sessions: ended });
  }
}
