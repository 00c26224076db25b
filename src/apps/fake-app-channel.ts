/**
 * A hand-made AppChannel for the tests of call applications: keys are pressed by the test,
 * time moves only with the FakeClock, plays end at once (or are interrupted by a queued key
 * when bargeIn is on). It records what the application did. Not used by the server.
 */
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Destination } from '../model/routing-plan.js';
import type { Extension } from '../store/tenant-store.js';
import type { FakeClock } from '../util/fake-clock.js';
import type { TimerHandle } from '../util/clock.js';
import type { AppCaller, AppChannel, PlayOutcome, ReadDigitsOptions, ReadDigitsResult, RecordOptions, RecordResult } from './app-channel.js';

export class FakeAppChannel implements AppChannel {
  readonly callId = 'call-1';
  readonly caller: AppCaller = { number: '+15550100' };
  readonly dialled = '100';
  readonly played: string[][] = [];
  continued?: { d: Destination; reason?: string };
  hungUpWith?: string;
  flushes = 0;
  private queue = '';
  private waiter?: { max: number; timer: TimerHandle; resolve: (r: ReadDigitsResult) => void };
  private hangupCbs: Array<() => void> = [];
  private gone = false;

  constructor(
    readonly tenant: TenantContext,
    private readonly clock: FakeClock,
    private readonly knownPrompts: ReadonlySet<string> = new Set(['welcome', 'main-menu', 'invalid-option', 'goodbye']),
  ) {}

  /** A tenant whose store knows only `exts`. */
  static tenant(id: string, exts: readonly string[]): TenantContext {
    const list = exts.map((ext) => ({ ext, name: ext, enabled: true }) as Extension);
    const store = { listExtensions: () => list, getExtension: (e: string) => list.find((x) => x.ext === e) };
    return { id, name: id, status: 'active', realm: `${id}.example`, domains: [`${id}.example`], limits: {}, store } as unknown as TenantContext;
  }

  /** The caller presses keys (all at this instant). */
  press(keys: string): void {
    this.queue += keys;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      this.clock.clearTimeout(w.timer);
      w.resolve(this.take(w.max));
    }
  }

  /** The caller hangs up. */
  drop(): void {
    this.gone = true;
    const w = this.waiter;
    this.waiter = undefined;
    if (w) {
      this.clock.clearTimeout(w.timer);
      w.resolve({ digits: '', timedOut: false, hangup: true });
    }
    for (const cb of this.hangupCbs) cb();
  }

  get pending(): string {
    return this.queue;
  }

  private take(max: number): ReadDigitsResult {
    const digits = this.queue.slice(0, max);
    this.queue = this.queue.slice(digits.length);
    return { digits, timedOut: false, hangup: false };
  }

  async answer(): Promise<boolean> {
    return !this.gone;
  }
  prompts(ids: readonly string[]): string[] {
    return ids.filter((i) => this.knownPrompts.has(i)).map((i) => `/prompts/${i}.wav`);
  }
  async play(files: readonly string[], opts?: { bargeIn?: boolean }): Promise<PlayOutcome> {
    if (this.gone) return 'hangup';
    this.played.push([...files]);
    return opts?.bargeIn && this.queue !== '' ? 'interrupted' : 'done';
  }
  async stopPlay(): Promise<void> {}
  readDigits(opts: ReadDigitsOptions): Promise<ReadDigitsResult> {
    if (this.gone) return Promise.resolve({ digits: '', timedOut: false, hangup: true });
    if (this.queue !== '' || opts.firstMs === 0) return Promise.resolve({ ...this.take(opts.max), timedOut: this.queue === '' && opts.firstMs === 0 });
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.waiter = undefined;
        resolve({ digits: '', timedOut: true, hangup: false });
      }, opts.firstMs);
      this.waiter = { max: opts.max, timer, resolve };
    });
  }
  flushDigits(): void {
    this.flushes++;
    this.queue = '';
  }
  async record(_opts: RecordOptions): Promise<RecordResult> {
    return { durationMs: 0, bytes: 0, stoppedBy: 'error' };
  }
  continueTo(d: Destination, opts?: { cos?: string; reason?: string }): void {
    this.continued = { d, ...(opts?.reason !== undefined ? { reason: opts.reason } : {}) };
  }
  hangup(cause?: string): void {
    this.hungUpWith = cause ?? 'normal';
    this.gone = true;
  }
  get hungUp(): boolean {
    return this.gone;
  }
  onHangup(cb: () => void): void {
    this.hangupCbs.push(cb);
  }
}
