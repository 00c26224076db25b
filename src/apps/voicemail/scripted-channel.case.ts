/**
 * A hand-made AppChannel for the voicemail state machines: the caller's keys come from a
 * script, plays are logged (and interrupted by a queued key when barge-in is on), and
 * record() writes a real WAV file (a tone or silence of a scripted length), so the kept /
 * dropped decision runs on real files. Nothing waits: an empty script is a timeout.
 */
import { WavWriter } from '../../media/wav/wav-writer.js';
import { writeSine } from '../../media/dsp/tone.js';
import type { AppCaller, AppChannel, PlayOutcome, ReadDigitsOptions, ReadDigitsResult, RecordOptions, RecordResult } from '../app-channel.js';
import type { Destination } from '../../model/routing-plan.js';
import type { TenantContext } from '../../tenant/tenant-context.js';

export interface ScriptedRecording {
  ms: number;
  tone: boolean;
  stop?: RecordResult['stoppedBy'];
  digit?: string;
}

/** A key, a hang-up, or a pause (a timeout of one read). */
export type Key = string | { hangup: true } | { pause: true };

export class ScriptedChannel implements AppChannel {
  readonly played: string[][] = [];
  readonly recorded: RecordOptions[] = [];
  continued?: { d: Destination; reason?: string };
  hungUp = false;
  hangupCause?: string;
  answered = false;
  private keys: Key[];
  private readonly hangupCbs: Array<() => void> = [];

  constructor(
    readonly tenant: TenantContext,
    readonly caller: AppCaller,
    keys: Key[],
    private readonly recordings: ScriptedRecording[] = [],
    readonly callId = 'call-1',
    readonly dialled = '',
  ) {
    this.keys = [...keys];
  }

  /** Every prompt id played so far, flattened (files are 'prompt:<id>' here). */
  get heard(): string[] {
    return this.played.flat().map((f) => f.replace(/^prompt:/, ''));
  }

  async answer(): Promise<boolean> {
    this.answered = true;
    return !this.hungUp;
  }

  prompts(ids: readonly string[]): string[] {
    return ids.map((id) => `prompt:${id}`);
  }

  private goneIfScripted(): boolean {
    const k = this.keys[0];
    if (k !== undefined && typeof k === 'object' && 'hangup' in k) {
      this.keys.shift();
      this.hangup('caller');
      return true;
    }
    return this.hungUp;
  }

  /** A scripted hang-up is the caller leaving while we wait for a key (readDigits), not during a play. */
  async play(files: readonly string[], opts?: { bargeIn?: boolean }): Promise<PlayOutcome> {
    if (this.hungUp) return 'hangup';
    this.played.push([...files]);
    if (opts?.bargeIn && typeof this.keys[0] === 'string') return 'interrupted';
    return 'done';
  }

  async stopPlay(): Promise<void> {}

  async readDigits(o: ReadDigitsOptions): Promise<ReadDigitsResult> {
    let digits = '';
    for (;;) {
      if (this.goneIfScripted()) return { digits, timedOut: false, hangup: true };
      const k = this.keys[0];
      if (k === undefined || typeof k !== 'string') {
        if (k !== undefined) this.keys.shift(); // a pause: this read times out
        return { digits, timedOut: true, hangup: false };
      }
      this.keys.shift();
      if (o.terminators?.includes(k)) return { digits, terminator: k, timedOut: false, hangup: false };
      digits += k;
      if (digits.length >= o.max) return { digits, timedOut: false, hangup: false };
    }
  }

  flushDigits(): void {
    // Scripted keys are the caller's future presses, not typed ahead: nothing to drop.
  }

  async record(o: RecordOptions): Promise<RecordResult> {
    this.recorded.push(o);
    const r = this.recordings.shift() ?? { ms: 0, tone: false, stop: 'hangup' as const };
    const w = WavWriter.create(o.path, { encoding: 'pcm16', sampleRate: 8000, channels: 1 });
    const samples = new Int16Array(Math.round((r.ms * 8000) / 1000));
    if (r.tone) writeSine(samples, { sampleRate: 8000, frequency: 440, amplitude: 8000 });
    w.write(new Uint8Array(samples.buffer));
    w.close();
    if (r.stop === 'hangup') this.hangup('caller');
    return { durationMs: r.ms, bytes: samples.byteLength, stoppedBy: r.stop ?? 'digit', ...(r.digit !== undefined ? { digit: r.digit } : r.stop === undefined ? { digit: '#' } : {}) };
  }

  continueTo(d: Destination, opts?: { cos?: string; reason?: string }): void {
    this.continued = { d, ...(opts?.reason !== undefined ? { reason: opts.reason } : {}) };
  }

  hangup(cause?: string): void {
    if (this.hungUp) return;
    this.hungUp = true;
    if (cause !== undefined) this.hangupCause = cause;
    for (const cb of this.hangupCbs) cb();
  }

  onHangup(cb: () => void): void {
    this.hangupCbs.push(cb);
  }
}
