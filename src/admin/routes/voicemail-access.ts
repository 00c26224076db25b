/**
 * Who may reach which voicemail box and message through the admin API (issue 11, point 2
 * "API"), and how a box or a message named in a path is found.
 *
 * Two scopes share every route:
 *  - 'tenant': /tenants/{tenantId}/voicemail/boxes/{box}/... for the provider and the
 *    tenant's admins: any box of the tenant;
 *  - 'extension': /tenants/{tenantId}/extensions/{ext}/voicemail/boxes/{box}/... for a user
 *    token (the server already answered 404 for another extension's {ext}) and for admins
 *    acting as that extension: only the extension's own box (box === ext, owned by it) and
 *    the shared boxes that list it as a member.
 * Anything else (another tenant's box, a box the extension may not use, a message of
 * another box, a box or id that is not of our form) is the same 404 as a missing one.
 * The box and the message id are checked against the forms the PBX generates (digits; the
 * yyyymmddhhmmss-hex id) before any lookup, and a message's file is the one its own row
 * names, checked to stay inside the tenant's folder: nothing from the request becomes a path.
 */
import type { TenantContext } from '../../tenant/tenant-context.js';
import { tenantDir } from '../../store/tenant-id.js';
import type { VoicemailBoxRow, VoicemailMessageRow } from '../../store/voicemail-table.js';
import { BOX_RE, insideTenant, MESSAGE_ID_RE, messageFile } from '../../apps/voicemail/voicemail-files.js';
import { ApiError, notFound, type ApiRequest, type JsonSchema } from '../api-types.js';
import type { TenantResourceDeps } from './tenant-resource-kit.js';

export type VoicemailScope = 'tenant' | 'extension';

/**
 * What the routes need of the voicemail service (apps/voicemail/voicemail-service.ts
 * VoicemailService fits): folder changes and deletes go through it so the box's
 * counts-changed event fires (MWI).
 */
export interface VoicemailControl {
  setFolder(tenant: TenantContext, m: VoicemailMessageRow, folder: 'new' | 'old'): boolean;
  deleteMessage(tenant: TenantContext, m: VoicemailMessageRow): boolean;
}

export const BOX_PARAM: JsonSchema = { type: 'string', pattern: BOX_RE.source, description: 'a box number: 1 to 32 digits' };
export const MESSAGE_ID_PARAM: JsonSchema = { type: 'string', pattern: MESSAGE_ID_RE.source, description: 'a message id as listed (yyyymmddhhmmss-<12 hex>)' };

/** The path prefix of a scope, up to and including `/voicemail`. */
export function scopePrefix(scope: VoicemailScope): string {
  return scope === 'tenant' ? '/tenants/{tenantId}/voicemail' : '/tenants/{tenantId}/extensions/{ext}/voicemail';
}

/** Whether the extension may use the box: its own, or a shared one that lists it. */
export function extensionMayUse(b: VoicemailBoxRow, ext: string): boolean {
  if (b.ownerExt !== undefined) return b.ownerExt === ext && b.box === ext;
  return (b.members ?? []).includes(ext);
}

/** The boxes a request may see: all of the tenant, or those of its {ext}. */
export function visibleBoxes(t: TenantContext, req: ApiRequest<unknown>): VoicemailBoxRow[] {
  const ext = req.params['ext'];
  const all = t.store.voicemail.boxes();
  return ext === undefined ? all : all.filter((b) => extensionMayUse(b, ext));
}

/** The {box} of the path, when the request may use it; else 404. */
export function boxOf(t: TenantContext, req: ApiRequest<unknown>): VoicemailBoxRow {
  const box = req.params['box'] ?? '';
  const row = BOX_RE.test(box) ? t.store.voicemail.box(box) : undefined;
  if (!row) throw notFound();
  const ext = req.params['ext'];
  if (ext !== undefined && !extensionMayUse(row, ext)) throw notFound();
  return row;
}

/** The {msgId} of the path in the {box} of the path (finished messages only); else 404. */
export function messageOf(t: TenantContext, req: ApiRequest<unknown>): { box: VoicemailBoxRow; message: VoicemailMessageRow } {
  const box = boxOf(t, req);
  const id = req.params['msgId'] ?? '';
  const m = MESSAGE_ID_RE.test(id) ? t.store.voicemail.message(id) : undefined;
  if (!m || m.box !== box.box || m.folder === 'recording') throw notFound();
  return { box, message: m };
}

/**
 * The file of a message: the one its row names, which must be where the PBX puts it
 * (voicemail/<box>/<id>.wav) and inside the tenant's folder; a row naming anything else
 * is refused rather than followed.
 */
export function messagePath(deps: TenantResourceDeps, t: TenantContext, m: VoicemailMessageRow): string {
  if (m.file !== messageFile(m.box, m.id)) throw new ApiError(500, 'internal', 'voicemail message file outside its box');
  return insideTenant(tenantDir(deps.dataDir, t.id), m.file);
}

/** The voicemail service, or 409 when this server runs without one. */
export function control(deps: { voicemail?: VoicemailControl }): VoicemailControl {
  if (!deps.voicemail) throw new ApiError(409, 'voicemail_unavailable', 'voicemail is not available on this server');
  return deps.voicemail;
}
