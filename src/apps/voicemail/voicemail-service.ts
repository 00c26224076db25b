/**
 * What the voicemail applications share for one server: where a tenant's files are, how
 * much room a box and a tenant have, the message life cycle in the tenant's store (row
 * first, then the file), the events for MWI and notifications, and the PIN lockout.
 * Every lookup goes through the TenantContext of the call: a box is only ever looked up in
 * that tenant's own store.
 */
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { tenantDir } from '../../store/tenant-id.js';
import type { VoicemailBoxRow, VoicemailCounts, VoicemailMessageRow } from '../../store/voicemail-table.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { insideTenant, messageFile, newMessageId, greetingFile, type GreetingKind } from './voicemail-files.js';
import { isSilence } from './voicemail-level.js';
import { PinGuard } from './pin-guard.js';

export const DEFAULT_MAX_MESSAGES = 100;
export const DEFAULT_MAX_SECONDS = 180;
/** A deposit shorter than this is dropped (issue 11). */
export const MIN_MESSAGE_MS = 1000;
const MIB = 1024 * 1024;
/** Room a deposit needs at least: about two seconds of 16-bit 8 kHz audio. */
const MIN_ROOM_BYTES = 32_000;

export interface VoicemailEvents {
  /** A message was kept in a box (for e-mail and webhook notification). */
  onMessage?(tenant: TenantContext, box: string, message: VoicemailMessageRow): void;
  /** A box's counts changed (deposit, read, save, delete): for MWI. */
  onCountsChanged?(tenant: TenantContext, box: string, counts: VoicemailCounts): void;
}

export interface VoicemailDeps extends VoicemailEvents {
  dataDir: string;
  clock: Clock;
  logger: Logger;
  /** Bytes the tenant's folder takes now (admin/folder-bytes.ts over the tenant folder fits). */
  storageBytes(tenant: TenantContext): number;
  /** Failed PIN logins, logged like digest failures (edge/security/auth-fail-log.ts fits). */
  authFailures?: { failed(source: string, fields: Record<string, unknown>, tenant?: string): void };
  /** Overrides the silence check (tests of the state machine with stub files). */
  isSilence?(path: string): boolean;
  /** IANA time zone for envelopes; default UTC. */
  timeZoneOf?(tenant: TenantContext): string | undefined;
  pinGuard?: PinGuard;
}

export type Room = { ok: true; quotaBytes: number } | { ok: false; why: 'box-full' | 'storage-full' };

export class VoicemailService {
  readonly pins: PinGuard;

  constructor(readonly d: VoicemailDeps) {
    this.pins = d.pinGuard ?? new PinGuard({ clock: d.clock });
  }

  folder(tenant: TenantContext): string {
    return tenantDir(this.d.dataDir, tenant.id);
  }

  path(tenant: TenantContext, relative: string): string {
    return insideTenant(this.folder(tenant), relative);
  }

  box(tenant: TenantContext, box: string): VoicemailBoxRow | undefined {
    const b = tenant.store.voicemail.box(box);
    return b && b.enabled ? b : undefined;
  }

  /** The box an extension's calls go to: its own, when it has an enabled one. */
  boxOfExtension(tenant: TenantContext, ext: string): string | undefined {
    const b = this.box(tenant, ext);
    return b && b.ownerExt === ext ? b.box : undefined;
  }

  counts(tenant: TenantContext, box: string): VoicemailCounts {
    const c = tenant.store.voicemail.counts(box);
    return { new: c.new, old: c.old };
  }

  /** Whether a deposit may start: the box's message cap and the tenant's storage limit. */
  room(tenant: TenantContext, b: VoicemailBoxRow): Room {
    const c = tenant.store.voicemail.counts(b.box);
    if (c.new + c.old + c.recording >= (b.maxMessages ?? DEFAULT_MAX_MESSAGES)) return { ok: false, why: 'box-full' };
    const limitMB = tenant.limits.storageMB;
    if (limitMB === undefined) return { ok: true, quotaBytes: Number.MAX_SAFE_INTEGER };
    const left = limitMB * MIB - this.d.storageBytes(tenant);
    if (left < MIN_ROOM_BYTES) return { ok: false, why: 'storage-full' };
    return { ok: true, quotaBytes: left };
  }

  /** The row of a new deposit ('recording'), written before the recorder opens its file; returns it and the file's path. */
  startDeposit(tenant: TenantContext, box: string, caller: { number?: string; name?: string }): { id: string; path: string } {
    const id = newMessageId(this.d.clock.now());
    const file = messageFile(box, id);
    const path = this.path(tenant, file);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    tenant.store.voicemail.startMessage({
      id,
      box,
      receivedAt: this.d.clock.now(),
      file,
      ...(caller.number !== undefined ? { callerNumber: caller.number.slice(0, 64) } : {}),
      ...(caller.name !== undefined ? { callerName: caller.name.slice(0, 100) } : {}),
    });
    return { id, path };
  }

  /**
   * The recording ended: kept ('new', events) when it is at least a second long and not
   * silence only; else its file and row go. Returns the kept message, or undefined.
   */
  finishDeposit(tenant: TenantContext, box: string, id: string, path: string, durationMs: number): VoicemailMessageRow | undefined {
    let bytes = 0;
    try {
      bytes = lstatSync(path).size;
    } catch {
      // never written
    }
    const silent = bytes === 0 || (this.d.isSilence ?? isSilence)(path);
    if (durationMs < MIN_MESSAGE_MS || silent) {
      this.dropFile(path);
      tenant.store.voicemail.deleteMessage(id);
      this.d.logger.debug('voicemail deposit dropped', { tenant: tenant.id, box, durationMs, silent });
      return undefined;
    }
    tenant.store.voicemail.finishMessage(id, durationMs, bytes);
    const m = tenant.store.voicemail.message(id);
    if (!m) return undefined;
    this.d.logger.info('voicemail message kept', { tenant: tenant.id, box, id, durationMs });
    this.emit(() => this.d.onMessage?.(tenant, box, m));
    this.countsChanged(tenant, box);
    return m;
  }

  setFolder(tenant: TenantContext, m: VoicemailMessageRow, folder: 'new' | 'old'): boolean {
    if (m.folder === folder) return true;
    const ok = tenant.store.voicemail.setFolder(m.id, folder);
    if (ok) this.countsChanged(tenant, m.box);
    return ok;
  }

  /** The message's file, then its row (a row without a file would list a message that cannot play). */
  deleteMessage(tenant: TenantContext, m: VoicemailMessageRow): boolean {
    if (m.folder === 'recording') return false;
    this.dropFile(this.path(tenant, m.file));
    const ok = tenant.store.voicemail.deleteMessage(m.id);
    if (ok) this.countsChanged(tenant, m.box);
    return ok;
  }

  greetingPath(tenant: TenantContext, box: string, kind: GreetingKind): string {
    return this.path(tenant, greetingFile(box, kind));
  }

  /** A greeting file when the box has one. */
  greeting(tenant: TenantContext, box: string, kind: GreetingKind): string | undefined {
    const p = this.greetingPath(tenant, box, kind);
    try {
      return lstatSync(p).isFile() ? p : undefined;
    } catch {
      return undefined;
    }
  }

  /** A failed PIN login: counted for the lockout and logged as an authentication failure. */
  pinFailed(tenant: TenantContext, box: string, source: string): void {
    const lockedNow = this.pins.failed(tenant.id, box);
    this.d.authFailures?.failed(source, { method: 'voicemail', detail: lockedNow ? 'wrong PIN: box locked' : 'wrong PIN', box }, tenant.id);
    if (lockedNow) this.d.logger.warn('voicemail box locked after wrong PINs', { tenant: tenant.id, box, from: source });
  }

  countsChanged(tenant: TenantContext, box: string): void {
    const c = this.counts(tenant, box);
    this.emit(() => this.d.onCountsChanged?.(tenant, box, c));
  }

  private emit(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.d.logger.error('voicemail event handler failed', { error: e });
    }
  }

  dropFile(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // never there, or gone
    }
  }
}
