/**
 * Call recording on the main thread (issue 10, items 5 and 8): decides at answer whether a
 * call is recorded (recording-policy.ts), names the file in the tenant's folder
 * (`<dataDir>/tenants/<id>/recordings/<yyyy>/<mm>/<recId>.wav`, from the tenant id and the
 * PBX's own call id: nothing from the wire becomes a path), gives the media worker the
 * bytes the tenant may still use (limits.storageMB minus its folder's usage), and keeps the
 * tenant's recordings table in step with what the worker reports.
 *
 * The call never depends on its recording: a refusal (feature off, storage full, a codec
 * the worker cannot decode) or the quota reached mid-call is a log line and a counter, and
 * the call goes on. A worker that dies ends its calls; the file keeps what was flushed
 * (at most a second is lost) and its row is finished from the file's size.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TenantContext } from '../tenant/tenant-context.js';
import { tenantDir } from '../store/tenant-id.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { CallMediaSession, RecordingStoppedInfo } from './ports.js';
import { isRecordingMode, recordingModeOf, type RecordingMode } from './recording-policy.js';
import { RecordToggle } from './record-toggle.js';

/** WavWriter's canonical header. */
const WAV_HEADER_BYTES = 44;
const MIB = 1024 * 1024;
/** What the PBX generates as a call id (util/ids.ts newCallId): checked again before it names a file. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,95}$/;

export type RecordingRefusal = 'feature-off' | 'no-call' | 'not-answered' | 'already' | 'not-recording' | 'quota' | 'media';

export class RecordingRefused extends Error {
  constructor(
    readonly code: RecordingRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'RecordingRefused';
  }
}

export interface CallRecordingDeps {
  dataDir: string;
  /** Bytes the tenant's folder holds now (tenant.sqlite, recordings, other media). */
  usedBytes(tenantId: string): number;
  clock: Clock;
  logger: Logger;
  /** Two channels (caller left, callee right), or both mixed to mono. */
  layout(): 'mono' | 'two-channel';
  /** Counted per outcome: 'started', 'refused-quota', 'refused-media', 'stopped-quota', 'stopped-error', ... */
  count?(event: string): void;
  /**
   * The feature code that toggles an on-demand recording for this tenant's calls, and the
   * confirmation tone's file (record-toggle.ts); absent or undefined: no feature code.
   */
  recordToggle?(tenant: TenantContext): { code: string; beep: string | undefined } | undefined;
}

/** What the service needs of an answered call. */
export interface AnsweredCall {
  id: string;
  callerExt?: string;
  /** The extension that answered (or was called), absent for an outbound call. */
  calleeExt?: string;
  /** The route's own setting, when the call went through one that sets it. */
  routeMode?: RecordingMode;
  media: CallMediaSession | undefined;
}

interface Current {
  recId: string;
  startedAt: number;
  sampleRate: number;
  channels: number;
  path: string;
}

interface Live {
  tenant: TenantContext;
  call: AnsweredCall;
  mode: RecordingMode;
  count: number;
  current?: Current;
  /** The start in flight, so a stop waits for it. */
  starting?: Promise<unknown>;
  /** The feature code listener of an on-demand call. */
  toggle?: RecordToggle;
}

export interface RecordingState {
  mode: RecordingMode;
  recording: boolean;
  recordingId?: string;
}

export class CallRecordingService {
  private readonly live = new Map<string, Live>();
  private readonly log: Logger;

  constructor(private readonly d: CallRecordingDeps) {
    this.log = d.logger.child('recording');
  }

  /** The call's policy, from the tenant's settings and its extensions'. */
  modeFor(tenant: TenantContext, call: Pick<AnsweredCall, 'callerExt' | 'calleeExt' | 'routeMode'>): RecordingMode {
    const featureOn = tenant.features?.recording === true;
    if (!featureOn) return 'never';
    const t = tenant.store.getSetting('recording');
    const exts: Array<RecordingMode | undefined> = [];
    for (const ext of [call.callerExt, call.calleeExt]) {
      if (ext === undefined) continue;
      const m = tenant.store.recordings.extensionMode(ext);
      exts.push(isRecordingMode(m) ? m : undefined);
    }
    return recordingModeOf({ featureOn, ...(isRecordingMode(t) ? { tenant: t } : {}), ...(call.routeMode ? { route: call.routeMode } : {}), extensions: exts });
  }

  /** The call is answered: remember it (for on-demand starts), and record it at once when its policy says always. */
  answered(tenant: TenantContext, call: AnsweredCall): void {
    let mode: RecordingMode;
    try {
      mode = this.modeFor(tenant, call);
    } catch (e) {
      this.log.error('recording policy unreadable; call not recorded', { tenant: tenant.id, call: call.id, error: e });
      return;
    }
    const l: Live = { tenant, call, mode, count: 0 };
    this.live.set(key(tenant.id, call.id), l);
    call.media?.onRecordingStopped?.((r) => this.onStopped(l, r));
    call.media?.onEnded((reason) => this.onMediaGone(l, reason));
    if (mode === 'on-demand' && call.media) this.attachToggle(l, call.media);
    if (mode === 'always') {
      this.start(tenant.id, call.id).catch((e: unknown) => {
        if (!(e instanceof RecordingRefused)) this.log.error('recording not started', { tenant: tenant.id, call: call.id, error: e });
      });
    }
  }

  /** The call is over: forget it (the worker reports the recording's end with reason 'hangup'). */
  ended(tenantId: string, callId: string): void {
    const k = key(tenantId, callId);
    this.live.get(k)?.toggle?.detach();
    this.live.delete(k);
  }

  private attachToggle(l: Live, media: CallMediaSession): void {
    let fc: ReturnType<NonNullable<CallRecordingDeps['recordToggle']>>;
    try {
      fc = this.d.recordToggle?.(l.tenant);
    } catch (e) {
      this.log.warn('feature code unreadable; none for this call', { tenant: l.tenant.id, call: l.call.id, error: e });
      return;
    }
    if (!fc) return;
    const tenantId = l.tenant.id;
    const callId = l.call.id;
    l.toggle = new RecordToggle(
      media,
      { recording: () => l.current !== undefined || l.starting !== undefined, start: () => this.start(tenantId, callId), stop: () => this.stop(tenantId, callId) },
      { code: fc.code, beep: fc.beep, clock: this.d.clock, logger: this.log.with({ tenant: tenantId, call: callId }) },
    );
  }

  state(tenantId: string, callId: string): RecordingState | undefined {
    const l = this.live.get(key(tenantId, callId));
    if (!l) return undefined;
    return { mode: l.mode, recording: l.current !== undefined, ...(l.current ? { recordingId: l.current.recId } : {}) };
  }

  /**
   * Start recording a live, answered call of this tenant (never another tenant's: 'no-call').
   * Rejects with RecordingRefused and a clear reason.
   */
  async start(tenantId: string, callId: string): Promise<{ recordingId: string }> {
    const l = this.live.get(key(tenantId, callId));
    if (!l || !l.call.media) throw new RecordingRefused('no-call', `no answered call ${callId}`);
    if (l.tenant.features?.recording !== true) throw new RecordingRefused('feature-off', 'recording is not enabled for this tenant');
    if (l.mode === 'never') throw new RecordingRefused('feature-off', 'recording is off for this call (policy never)');
    if (l.current || l.starting) throw new RecordingRefused('already', 'the call is being recorded');
    const media = l.call.media;
    if (!media.startRecording) throw new RecordingRefused('media', 'the media path cannot record');
    const limitMB = l.tenant.limits.storageMB;
    const used = limitMB === undefined ? 0 : this.d.usedBytes(tenantId);
    const quota = limitMB === undefined ? Infinity : limitMB * MIB - used;
    // The header and one frame of the smallest file: below that, nothing can be kept.
    if (quota < WAV_HEADER_BYTES + 640) {
      this.count('refused-quota');
      this.log.warn('recording refused: storage full', { tenant: tenantId, call: callId, usedBytes: used, limitMB });
      throw new RecordingRefused('quota', `storage full: ${(used / MIB).toFixed(1)} MB used of ${limitMB} MB`);
    }
    l.count++;
    const recId = l.count === 1 ? callId : `${callId}-${l.count}`;
    if (!SAFE_ID.test(recId)) throw new RecordingRefused('media', 'call id unfit for a file name');
    const now = this.d.clock.now();
    const day = new Date(now);
    const rel = join('recordings', String(day.getUTCFullYear()), String(day.getUTCMonth() + 1).padStart(2, '0'), `${recId}.wav`);
    const path = join(tenantDir(this.d.dataDir, tenantId), rel);
    const run = (async () => {
      mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
      const f = await media.startRecording!({ recId, path, quotaBytes: quota, layout: this.d.layout() });
      l.current = { recId, startedAt: now, sampleRate: f.sampleRate, channels: f.channels, path };
      l.tenant.store.recordings.started({
        id: recId,
        callId,
        ...(l.call.callerExt !== undefined ? { fromExt: l.call.callerExt } : {}),
        ...(l.call.calleeExt !== undefined ? { toExt: l.call.calleeExt } : {}),
        startedAt: now,
        sampleRate: f.sampleRate,
        channels: f.channels,
        file: rel,
      });
    })();
    l.starting = run;
    try {
      await run;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const quotaHit = /quota/.test(msg);
      this.count(quotaHit ? 'refused-quota' : 'refused-media');
      this.log.warn('recording refused', { tenant: tenantId, call: callId, reason: msg });
      throw new RecordingRefused(quotaHit ? 'quota' : 'media', msg);
    } finally {
      l.starting = undefined;
    }
    this.count('started');
    this.log.info('recording started', { tenant: tenantId, call: callId, recording: recId });
    return { recordingId: recId };
  }

  /** Stop the call's recording (on demand); the file and its row stay. */
  async stop(tenantId: string, callId: string): Promise<{ recordingId: string }> {
    const l = this.live.get(key(tenantId, callId));
    if (!l || !l.call.media) throw new RecordingRefused('no-call', `no answered call ${callId}`);
    if (l.starting) await l.starting.catch(() => undefined);
    const cur = l.current;
    if (!cur || !l.call.media.stopRecording) throw new RecordingRefused('not-recording', 'the call is not being recorded');
    const r = await l.call.media.stopRecording();
    if (r) this.onStopped(l, r);
    return { recordingId: cur.recId };
  }

  private onStopped(l: Live, r: RecordingStoppedInfo): void {
    const cur = l.current;
    if (!cur || cur.recId !== r.recId) return;
    l.current = undefined;
    this.finish(l, cur, { durationMs: r.durationMs, bytes: r.bytes, reason: r.reason });
    if (r.reason === 'quota') this.log.warn('recording stopped: storage quota reached; the call goes on', { tenant: l.tenant.id, call: l.call.id, recording: cur.recId, bytes: r.bytes });
    else this.log.info('recording stopped', { tenant: l.tenant.id, call: l.call.id, recording: cur.recId, reason: r.reason, durationMs: r.durationMs });
    this.count(`stopped-${r.reason}`);
  }

  /** The worker died: what it flushed stays; the row is finished from the file's size. */
  private onMediaGone(l: Live, reason: string): void {
    const cur = l.current;
    if (!cur) return;
    l.current = undefined;
    let bytes = 0;
    try {
      bytes = statSync(cur.path).size;
    } catch {
      // not even created
    }
    const durationMs = durationOf(bytes, cur.sampleRate, cur.channels);
    this.finish(l, cur, { durationMs, bytes, reason: 'error' });
    this.count('stopped-error');
    this.log.warn('recording ended with its media worker', { tenant: l.tenant.id, call: l.call.id, recording: cur.recId, reason, durationMs });
  }

  private finish(l: Live, cur: Current, e: { durationMs: number; bytes: number; reason: RecordingStoppedInfo['reason'] }): void {
    try {
      l.tenant.store.recordings.finished(cur.recId, { endedAt: this.d.clock.now(), ...e });
    } catch (err) {
      this.log.error('recording row not finished', { tenant: l.tenant.id, recording: cur.recId, error: err });
    }
  }

  private count(event: string): void {
    try {
      this.d.count?.(event);
    } catch {
      // a counter must not break a call
    }
  }
}

/** Duration of a WAV written by WavWriter (44-byte header) from its size on disk. */
function durationOf(bytes: number, sampleRate: number, channels: number): number {
  const data = Math.max(0, bytes - WAV_HEADER_BYTES);
  return sampleRate > 0 && channels > 0 ? Math.floor((data / (sampleRate * channels * 2)) * 1000) : 0;
}

/**
 * At start, before any call: rows still 'recording' were left by a process that stopped
 * (a crash, a kill). Their files hold what was flushed (at most a second short): each row is
 * finished from its file's size, reason 'error'. Returns how many.
 */
export function finishLeftoverRecordings(store: { recordings: { unfinished(): Array<{ id: string; file: string; sampleRate: number; channels: number }>; finished(id: string, e: { endedAt: number; durationMs: number; bytes: number; reason: 'error' }): boolean } }, folder: string, now: number): number {
  let n = 0;
  for (const r of store.recordings.unfinished()) {
    let bytes = 0;
    try {
      bytes = statSync(join(folder, r.file)).size;
    } catch {
      // the file never got written
    }
    if (store.recordings.finished(r.id, { endedAt: now, durationMs: durationOf(bytes, r.sampleRate, r.channels), bytes, reason: 'error' })) n++;
  }
  return n;
}

function key(tenantId: string, callId: string): string {
  return `${tenantId}\u0000${callId}`;
}
