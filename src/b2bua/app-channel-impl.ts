/**
 * AppChannel (src/apps/app-channel.ts) over an application leg (app-leg.ts): one channel per
 * run of an application. Once the application continues elsewhere or hangs up, the channel
 * is spent: what it asks afterwards does nothing (a late play cannot talk over the next
 * destination). Prompts and destinations are looked up in the leg's own tenant only.
 */
import type { AppCaller, AppChannel, BridgeOutcome, PlayOutcome, ReadDigitsOptions, ReadDigitsResult, RecordOptions, RecordResult } from '../apps/app-channel.js';
import type { Destination } from '../model/routing-plan.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { TimerHandle } from '../util/clock.js';
import { newCallId } from '../util/ids.js';
import type { AnyDestination } from './app-destination.js';
import type { AppLeg } from './app-leg.js';

export interface AppChannelPorts {
  /** Prompt files for ids in this tenant (tenant, operator, built-in); unknown ids left out. */
  prompts(tenant: TenantContext, ids: readonly string[]): string[];
  /** Send the leg on to a destination of its own tenant. */
  continueTo(leg: AppLeg, d: AnyDestination, opts: { cos?: string; reason?: string }): void;
  /** The tenant's music-on-hold files (real, checked paths); empty: none. */
  musicOnHold?(tenant: TenantContext): readonly string[];
  /** Ring extensions of the leg's tenant and bridge the first answer (queues); absent: not offered. */
  bridgeExtensions?(leg: AppLeg, exts: readonly string[], timeoutMs: number): Promise<BridgeOutcome>;
  /** Cut the last ms of a finished recording (the stop key's tone); returns the new duration. Absent: kept. */
  trimRecordingTail?(path: string, ms: number): number;
  clock: { setTimeout(fn: () => void, ms: number): TimerHandle; clearTimeout(h: TimerHandle | undefined): void };
  logger: { warn(m: string, f?: Record<string, unknown>): void };
}

export class AppChannelImpl implements AppChannel {
  private spent = false;

  constructor(
    private readonly leg: AppLeg,
    private readonly ports: AppChannelPorts,
  ) {}

  get tenant(): TenantContext {
    return this.leg.tenant;
  }

  get callId(): string {
    return this.leg.id;
  }

  get caller(): AppCaller {
    return this.leg.input.caller;
  }

  get dialled(): string {
    return this.leg.input.dialled;
  }

  get hungUp(): boolean {
    return this.leg.hungUp;
  }

  private get usable(): boolean {
    return !this.spent && !this.leg.hungUp;
  }

  answer(): Promise<boolean> {
    if (!this.usable) return Promise.resolve(false);
    return this.leg.answer();
  }

  prompts(ids: readonly string[]): string[] {
    return this.ports.prompts(this.leg.tenant, ids);
  }

  async play(files: readonly string[], opts: { bargeIn?: boolean } = {}): Promise<PlayOutcome> {
    if (!this.usable || !(await this.leg.answer())) return 'hangup';
    const media = this.leg.media;
    if (!media?.play || files.length === 0) return 'done';
    try {
      const r = (await media.play('a', files, { bargeIn: opts.bargeIn === true })) as { reason?: string; digit?: string } | undefined;
      if (this.leg.hungUp) return 'hangup';
      // A barge-in digit reaches the digit queue through onDigit too: readDigits sees it.
      return r?.reason === 'barged-in' || r?.reason === 'stopped' ? 'interrupted' : 'done';
    } catch (e) {
      if (this.leg.hungUp) return 'hangup';
      this.ports.logger.warn('application play failed', { call: this.leg.id, error: e });
      return 'done';
    }
  }

  async stopPlay(): Promise<void> {
    await this.leg.media?.stopPlay?.('a').catch(() => undefined);
  }

  async readDigits(opts: ReadDigitsOptions): Promise<ReadDigitsResult> {
    if (!this.usable) return { digits: '', timedOut: false, hangup: true };
    if (!(await this.leg.answer())) return { digits: '', timedOut: false, hangup: true };
    return this.leg.digits.read(opts);
  }

  flushDigits(): void {
    this.leg.digits.flush();
  }

  /**
   * A mono recording of the caller (leg B carries nothing while an application runs), until
   * a stop digit, maxMs, the quota, or the caller hangs up. The WAV keeps the key's tone.
   */
  async record(o: RecordOptions): Promise<RecordResult> {
    const fail: RecordResult = { durationMs: 0, bytes: 0, stoppedBy: 'error' };
    if (!this.usable || !(await this.leg.answer())) return { ...fail, stoppedBy: 'hangup' };
    const media = this.leg.media;
    if (!media?.startRecording || !media.stopRecording) return fail;
    const recId = newCallId();
    let stoppedBy: RecordResult['stoppedBy'] | undefined;
    let digit: string | undefined;
    let digitMs = 0;
    let settle: (r: RecordResult) => void = () => {};
    const done = new Promise<RecordResult>((resolve) => (settle = resolve));
    let timer: TimerHandle | undefined;
    let offDigit: (() => void) | undefined;
    const stop = (why: RecordResult['stoppedBy'], d?: string) => {
      if (stoppedBy !== undefined) return;
      stoppedBy = why;
      digit = d;
      this.ports.clock.clearTimeout(timer);
      offDigit?.();
      media.stopRecording!().then(
        (r) => settle(r ? { durationMs: r.durationMs, bytes: r.bytes, stoppedBy: why, ...(digit !== undefined ? { digit } : {}) } : { ...fail, stoppedBy: why }),
        () => settle({ ...fail, stoppedBy: why }),
      );
    };
    media.onRecordingStopped?.((r) => {
      if (r.recId !== recId || stoppedBy !== undefined) return;
      stoppedBy = r.reason === 'quota' ? 'quota' : r.reason === 'hangup' ? 'hangup' : r.reason === 'error' ? 'error' : 'max';
      this.ports.clock.clearTimeout(timer);
      offDigit?.();
      settle({ durationMs: r.durationMs, bytes: r.bytes, stoppedBy });
    });
    try {
      await media.startRecording({ recId, path: o.path, quotaBytes: o.quotaBytes, layout: 'mono' });
    } catch (e) {
      this.ports.logger.warn('application recording not started', { call: this.leg.id, error: e });
      return fail;
    }
    if (this.leg.hungUp) {
      stop('hangup');
      return done;
    }
    offDigit = media.onDigit?.((e) => {
      if (e.leg !== 'a' || !o.stopDigits.includes(e.digit)) return;
      digitMs = e.durationMs;
      stop('digit', e.digit);
    });
    timer = this.ports.clock.setTimeout(() => stop('max'), Math.max(1, o.maxMs));
    this.leg.onHangup(() => stop('hangup'));
    const r = await done;
    if (r.stoppedBy !== 'digit') return r;
    // The stop digit was seen here: it is not queued for a later readDigits; its tone
    // (the key press, plus a frame) is cut from the end of the message.
    this.leg.digits.flush();
    if (!this.ports.trimRecordingTail || r.durationMs <= 0) return r;
    try {
      const durationMs = this.ports.trimRecordingTail(o.path, Math.min(r.durationMs, digitMs + 20));
      return { ...r, durationMs };
    } catch (e) {
      this.ports.logger.warn('stop key not trimmed from the recording', { call: this.leg.id, error: e });
      return r;
    }
  }

  async musicOnHold(): Promise<boolean> {
    if (!this.usable || !(await this.leg.answer())) return false;
    const files = this.ports.musicOnHold?.(this.leg.tenant) ?? [];
    const media = this.leg.media;
    if (files.length === 0 || !media?.play) return false;
    void media.play('a', files, { loop: true, bargeIn: false }).catch(() => undefined);
    return true;
  }

  async bridgeTo(exts: readonly string[], opts: { timeoutMs: number }): Promise<BridgeOutcome> {
    if (!this.usable || !this.ports.bridgeExtensions) return { kind: 'hangup' };
    const r = await this.ports.bridgeExtensions(this.leg, exts, opts.timeoutMs);
    // Bridged: the callee talks to the caller now; nothing the application asks may reach the leg.
    if (r.kind === 'answered') this.spent = true;
    return r;
  }

  continueTo(d: Destination | AnyDestination, opts: { cos?: string; reason?: string } = {}): void {
    if (!this.usable) return;
    this.spent = true;
    this.ports.continueTo(this.leg, d as AnyDestination, opts);
  }

  hangup(cause = 'application hung up'): void {
    if (this.leg.hungUp) return;
    this.spent = true;
    this.leg.hangup(cause);
  }

  onHangup(cb: () => void): void {
    this.leg.onHangup(cb);
  }

  /** The run ended (the application returned): a leg it neither continued nor hung up is hung up. */
  ended(): void {
    if (this.spent) return;
    this.spent = true;
    if (!this.leg.hungUp) this.leg.hangup('application ended');
  }
}
