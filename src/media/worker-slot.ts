import type { Worker } from 'node:worker_threads';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { MediaError } from './media-error.js';
import { PortBatch, unbatch } from './port-batch.js';
import type { CommandName, CommandOf, CommandResult, MediaCommand, MediaEvent, MediaRequest, WorkerInit, WorkerMessage } from './protocol.js';
import { spawnMediaWorker } from './worker-spawn.js';

export interface WorkerSlotOptions {
  init: WorkerInit;
  clock: Clock;
  logger: Logger;
  /** A request not answered within this time rejects with MediaError('timeout'). */
  requestTimeoutMs: number;
  onEvent: (e: MediaEvent) => void;
  /** The worker died (not through stop()): its sessions are gone. Called before the restart. */
  onDeath: (reason: string) => void;
}

interface Pending {
  op: CommandName;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: TimerHandle;
}

export type MediaFault = 'throw' | 'terminate' | { stallMs: number };

export type SlotState = 'idle' | 'starting' | 'ready' | 'dead' | 'stopped';

/** Delays before restarting a worker that died before it was ready: doubling from the first, up to the last. */
const RESTART_MIN_MS = 100;
const RESTART_MAX_MS = 5_000;

/**
 * One media worker thread, kept alive: its request/response channel (request ids,
 * timeouts, closed-state errors, after mediasoup's Channel) and its life cycle. A
 * worker that throws or exits is logged, its pending requests are rejected, its owner
 * is told (onDeath), and a new worker takes over the same port slice.
 */
export class WorkerSlot {
  /** Sessions placed on this worker, counted by the controller for load balancing. */
  load = 0;
  private worker: Worker | undefined;
  /** Requests to the current worker, posted in batches (port-batch.ts). */
  private out: PortBatch<MediaRequest> | undefined;
  private stateValue: SlotState = 'idle';
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private lastError: string | undefined;
  private restartTimer: TimerHandle | undefined;
  /** Workers in a row that died before they were ready. */
  private failedStarts = 0;
  private readyWaiters: Array<{ resolve: () => void; reject: (e: MediaError) => void }> = [];
  private exited: Promise<void> = Promise.resolve();
  /** The logger of each scope a worker logs under. */
  private readonly workerLogs = new Map<string, Logger>();

  constructor(private readonly o: WorkerSlotOptions) {}

  get index(): number {
    return this.o.init.index;
  }

  get state(): SlotState {
    return this.stateValue;
  }

  /** Start the worker thread; ready() tells when it takes commands. */
  start(): void {
    if (this.stateValue === 'starting' || this.stateValue === 'ready' || this.stateValue === 'stopped') return;
    this.stateValue = 'starting';
    this.lastError = undefined;
    let worker: Worker;
    try {
      worker = spawnMediaWorker(this.o.init);
    } catch (err) {
      this.o.logger.error('media worker could not be started', { worker: this.index, error: err });
      this.stateValue = 'dead';
      this.failedStarts++;
      this.scheduleRestart();
      return;
    }
    this.worker = worker;
    this.out = new PortBatch<MediaRequest>(
      (m) => worker.postMessage(m),
      (r, err) => this.notSent(r.id, err),
    );
    let exitDone!: () => void;
    this.exited = new Promise<void>((r) => (exitDone = r));
    worker.on('message', (batch: WorkerMessage | WorkerMessage[]) => {
      for (const m of unbatch(batch)) {
        try {
          this.onMessage(m);
        } catch (err) {
          this.o.logger.error('media worker message handling failed', { worker: this.index, error: err });
        }
      }
    });
    worker.on('error', (err: Error) => {
      this.lastError = err.message;
      this.o.logger.error('media worker crashed', { worker: this.index, error: err });
    });
    worker.on('exit', (code: number) => {
      exitDone();
      try {
        this.onExit(worker, code);
      } catch (err) {
        this.o.logger.error('media worker exit handling failed', { worker: this.index, error: err });
      }
    });
  }

  /** Resolves once the worker is ready; rejects with MediaError('timeout') after timeoutMs. */
  ready(timeoutMs: number): Promise<void> {
    if (this.stateValue === 'ready') return Promise.resolve();
    if (this.stateValue === 'stopped') return Promise.reject(new MediaError('stopped', 'media controller is stopped'));
    return new Promise<void>((resolve, reject) => {
      const timer = this.o.clock.setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        reject(new MediaError('timeout', `media worker ${this.index} not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        resolve: () => {
          this.o.clock.clearTimeout(timer);
          resolve();
        },
        reject: (e: MediaError) => {
          this.o.clock.clearTimeout(timer);
          reject(e);
        },
      };
      this.readyWaiters.push(waiter);
    });
  }

  /** Send a command; resolves with its result or rejects with a MediaError. Never hangs. */
  request<K extends CommandName>(cmd: CommandOf<K>): Promise<CommandResult<K>> {
    const out = this.out;
    if (this.stateValue !== 'ready' || !this.worker || !out) {
      return Promise.reject(new MediaError(this.stateValue === 'stopped' ? 'stopped' : 'worker-gone', `media worker ${this.index} is ${this.stateValue}`));
    }
    const id = this.nextId++;
    return new Promise<CommandResult<K>>((resolve, reject) => {
      const timer = this.o.clock.setTimeout(() => {
        if (!this.pending.delete(id)) return;
        reject(new MediaError('timeout', `media worker ${this.index}: ${cmd.op} not answered in ${this.o.requestTimeoutMs} ms`));
      }, this.o.requestTimeoutMs);
      this.pending.set(id, { op: cmd.op, resolve: resolve as (v: unknown) => void, reject, timer });
      out.send({ id, cmd: cmd as MediaCommand });
    });
  }

  /** A request the port refused (a command that cannot be cloned, a closed port). */
  private notSent(id: number, err: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.o.clock.clearTimeout(p.timer);
    p.reject(new MediaError('worker-gone', `media worker ${this.index}: ${p.op} not sent`, { cause: err }));
  }

  /** End the worker for good (no restart); pending requests reject with MediaError('stopped'). */
  async stop(): Promise<void> {
    this.stateValue = 'stopped';
    this.o.clock.clearTimeout(this.restartTimer);
    this.rejectAll('stopped', 'media controller stopped');
    for (const w of this.readyWaiters.splice(0)) w.reject(new MediaError('stopped', 'media controller stopped'));
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      await w.terminate().catch(() => undefined);
      await this.exited;
    }
  }

  /**
   * Fault injection for tests and drills: kill the thread as a bug would ('throw') or from
   * outside ('terminate'), or block its event loop for a while (a hung worker).
   */
  injectFault(fault: MediaFault): void {
    const w = this.worker;
    if (!w) return;
    this.out?.flush(); // what was asked before the fault reaches the worker before it
    if (fault === 'terminate') void w.terminate();
    else if (fault === 'throw') w.postMessage({ id: 0, cmd: { op: 'crash' } } satisfies MediaRequest);
    else w.postMessage({ id: 0, cmd: { op: 'stall', ms: fault.stallMs } } satisfies MediaRequest);
  }

  private onMessage(m: WorkerMessage): void {
    if (m.kind === 'ready') {
      if (this.stateValue !== 'starting') return;
      this.stateValue = 'ready';
      this.failedStarts = 0;
      this.o.logger.info('media worker ready', { worker: this.index, ports: `${this.o.init.portMin}-${this.o.init.portMax}` });
      for (const w of this.readyWaiters.splice(0)) w.resolve();
    } else if (m.kind === 'response') {
      const p = this.pending.get(m.id);
      if (!p) return; // timed out already, or the crash command
      this.pending.delete(m.id);
      this.o.clock.clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(new MediaError(m.error.code, m.error.message));
    } else if (m.kind === 'event') {
      this.o.onEvent(m.event);
    } else if (m.kind === 'log') {
      this.workerLog(m);
    }
  }

  /** A worker's log line, written by this thread's logger as media.worker[.scope] with worker=<index>. */
  private workerLog(m: Extract<WorkerMessage, { kind: 'log' }>): void {
    const level = m.level === 'debug' || m.level === 'info' || m.level === 'warn' || m.level === 'error' ? m.level : 'warn';
    const scope = typeof m.scope === 'string' && /^[\w.-]{1,64}$/.test(m.scope) ? m.scope : '';
    let log = this.workerLogs.get(scope);
    if (!log) {
      log = (scope ? this.o.logger.child(`worker.${scope}`) : this.o.logger.child('worker')).with({ worker: this.index });
      if (this.workerLogs.size < 64) this.workerLogs.set(scope, log);
    }
    log[level](String(m.msg), m.fields !== null && typeof m.fields === 'object' ? m.fields : undefined);
  }

  private onExit(worker: Worker, code: number): void {
    if (worker !== this.worker && this.worker !== undefined) return; // an old worker
    this.worker = undefined;
    if (this.stateValue === 'stopped') return;
    const reason = this.lastError ? `media worker ${this.index} crashed: ${this.lastError}` : `media worker ${this.index} exited with code ${code}`;
    this.o.logger.error('media worker gone; restarting', { worker: this.index, code, reason });
    if (this.stateValue === 'starting') this.failedStarts++;
    this.stateValue = 'dead';
    this.rejectAll('worker-gone', reason);
    this.o.onDeath(reason);
    this.scheduleRestart();
  }

  /**
   * A worker that dies after it was ready is replaced at once; one that keeps dying
   * before it is ready is retried after growing delays, so a broken build does not spin.
   */
  private scheduleRestart(): void {
    if (this.stateValue === 'stopped') return;
    if (this.failedStarts === 0) {
      this.start();
      return;
    }
    const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (this.failedStarts - 1));
    this.o.clock.clearTimeout(this.restartTimer);
    this.restartTimer = this.o.clock.setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, delay);
  }

  private rejectAll(code: 'worker-gone' | 'stopped', reason: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      this.o.clock.clearTimeout(p.timer);
      p.reject(new MediaError(code, `${p.op}: ${reason}`));
    }
  }
}
