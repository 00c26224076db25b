/**
 * Voicemail boxes and messages through the admin API (issue 11, point 2 "API"): list the
 * boxes with their counts, list a box's messages, one message as JSON, its audio
 * (audio/wav, streamed, Range answers 206), mark it read or unread, delete it.
 * Greetings and the PIN: tenant-voicemail-box.ts. Who reaches what: voicemail-access.ts.
 *
 * Folder changes and deletes go through the voicemail service, so a box's counts-changed
 * event fires (MWI) exactly as when the owner uses the phone menu; a delete removes the
 * file, then the row, which frees its bytes of limits.storageMB.
 */
import { iso, ROLES_ADMIN, ROLES_WITH_USER, tenantOf, type TenantResourceDeps } from './tenant-resource-kit.js';
import { ApiError, type JsonSchema, type RouteDef } from '../api-types.js';
import type { VoicemailBoxRow, VoicemailMessageRow } from '../../store/voicemail-table.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { GREETING_KINDS, greetingFile } from '../../apps/voicemail/voicemail-files.js';
import { insideTenant } from '../../apps/voicemail/voicemail-files.js';
import { tenantDir } from '../../store/tenant-id.js';
import { auditMedia, regularFile } from './tenant-media-kit.js';
import { BOX_PARAM, boxOf, control, MESSAGE_ID_PARAM, messageOf, messagePath, scopePrefix, visibleBoxes, type VoicemailScope } from './voicemail-access.js';

export const VOICEMAIL_TAG = 'Voicemail';

export const VOICEMAIL_BOX: JsonSchema = {
  type: 'object',
  required: ['box', 'counts', 'enabled', 'hasPin', 'greetings'],
  properties: {
    box: { type: 'string' },
    name: { type: 'string' },
    ownerExt: { type: 'string', description: "the extension whose box this is; absent for a shared box" },
    members: { type: 'array', items: { type: 'string' }, description: 'the extensions that use a shared box' },
    email: { type: 'string' },
    enabled: { type: 'boolean' },
    hasPin: { type: 'boolean', description: 'whether a PIN is set (the PIN and its hash are never shown)' },
    counts: { type: 'object', required: ['new', 'old'], properties: { new: { type: 'integer' }, old: { type: 'integer' } } },
    greetings: { type: 'array', items: { type: 'string', enum: [...GREETING_KINDS] }, description: 'the greetings recorded or uploaded' },
  },
};

export const VOICEMAIL_MESSAGE: JsonSchema = {
  type: 'object',
  required: ['id', 'box', 'receivedAt', 'durationMs', 'folder', 'bytes'],
  properties: {
    id: { type: 'string' },
    box: { type: 'string' },
    callerNumber: { type: 'string', description: 'who left it (the From user), when known' },
    callerName: { type: 'string', description: 'the From display name, when sent' },
    receivedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'integer' },
    folder: { type: 'string', enum: ['new', 'old'], description: 'new: not listened to yet; old: heard or saved' },
    bytes: { type: 'integer' },
  },
};

/** The greetings a box has on disk. */
export function greetingsOf(deps: TenantResourceDeps, t: TenantContext, box: string): string[] {
  const base = tenantDir(deps.dataDir, t.id);
  return GREETING_KINDS.filter((k) => regularFile(insideTenant(base, greetingFile(box, k))) !== undefined);
}

function boxView(deps: TenantResourceDeps, t: TenantContext, b: VoicemailBoxRow): Record<string, unknown> {
  const c = t.store.voicemail.counts(b.box);
  return {
    box: b.box,
    ...(b.name !== undefined ? { name: b.name } : {}),
    ...(b.ownerExt !== undefined ? { ownerExt: b.ownerExt } : {}),
    ...(b.members !== undefined ? { members: b.members } : {}),
    ...(b.email !== undefined ? { email: b.email } : {}),
    enabled: b.enabled,
    hasPin: b.pinHash !== undefined,
    counts: { new: c.new, old: c.old },
    greetings: greetingsOf(deps, t, b.box),
  };
}

function messageView(m: VoicemailMessageRow): Record<string, unknown> {
  return {
    id: m.id,
    box: m.box,
    ...(m.callerNumber !== undefined ? { callerNumber: m.callerNumber } : {}),
    ...(m.callerName !== undefined ? { callerName: m.callerName } : {}),
    receivedAt: iso(m.receivedAt),
    durationMs: m.durationMs,
    folder: m.folder,
    bytes: m.bytes,
  };
}

const rolesOf = (scope: VoicemailScope) => (scope === 'tenant' ? ROLES_ADMIN : ROLES_WITH_USER);
const who = (scope: VoicemailScope) => (scope === 'tenant' ? '' : ' (an extension: its own box and the shared boxes it is a member of)');

export function voicemailRoutes(deps: TenantResourceDeps): RouteDef<any>[] {
  const routes = (scope: VoicemailScope): RouteDef<any>[] => {
    const pre = scopePrefix(scope);
    const roles = rolesOf(scope);
    const boxes: RouteDef = {
      method: 'GET',
      path: `${pre}/boxes`,
      roles,
      tag: VOICEMAIL_TAG,
      summary: `Voicemail boxes with their new/old counts${who(scope)}`,
      response: { status: 200, schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: VOICEMAIL_BOX } } } },
      handler(req) {
        const t = tenantOf(deps, req);
        return { body: { items: visibleBoxes(t, req).map((b) => boxView(deps, t, b)) } };
      },
    };
    const box: RouteDef = {
      method: 'GET',
      path: `${pre}/boxes/{box}`,
      roles,
      tag: VOICEMAIL_TAG,
      summary: `One voicemail box${who(scope)}`,
      params: { box: BOX_PARAM },
      response: { status: 200, schema: VOICEMAIL_BOX },
      handler(req) {
        const t = tenantOf(deps, req);
        return { body: boxView(deps, t, boxOf(t, req)) };
      },
    };
    const messages: RouteDef = {
      method: 'GET',
      path: `${pre}/boxes/{box}/messages`,
      roles,
      tag: VOICEMAIL_TAG,
      summary: `The messages of a box, oldest first (folder=new|old filters)${who(scope)}`,
      params: { box: BOX_PARAM },
      query: { type: 'object', additionalProperties: false, properties: { folder: { type: 'string', enum: ['new', 'old'] } } },
      response: { status: 200, schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: VOICEMAIL_MESSAGE } } } },
      handler(req) {
        const t = tenantOf(deps, req);
        const b = boxOf(t, req);
        const folder = req.query['folder'];
        const rows = t.store.voicemail.messages(b.box).filter((m) => folder === undefined || m.folder === folder);
        return { body: { items: rows.map(messageView) } };
      },
    };
    const meta: RouteDef = {
      method: 'GET',
      path: `${pre}/boxes/{box}/messages/{msgId}`,
      roles,
      tag: VOICEMAIL_TAG,
      summary: `One message, as JSON${who(scope)}`,
      params: { box: BOX_PARAM, msgId: MESSAGE_ID_PARAM },
      response: { status: 200, schema: VOICEMAIL_MESSAGE },
      handler(req) {
        const t = tenantOf(deps, req);
        return { body: messageView(messageOf(t, req).message) };
      },
    };
    const audio: RouteDef = {
      method: 'GET',
      path: `${pre}/boxes/{box}/messages/{msgId}/audio`,
      roles,
      tag: VOICEMAIL_TAG,
      summary: `A message's audio (audio/wav, streamed; Range: bytes=a-b answers 206); listening here does not mark it read${who(scope)}`,
      params: { box: BOX_PARAM, msgId: MESSAGE_ID_PARAM },
      response: { status: 200, contentType: 'audio/wav' },
      handler(req) {
        const t = tenantOf(deps, req);
        const { message } = messageOf(t, req);
        const path = messagePath(deps, t, message);
        const st = regularFile(path);
        if (!st) throw new ApiError(410, 'gone', 'the message file is missing');
        return { contentType: 'audio/wav', file: { path, size: st.size }, headers: { 'content-disposition': `attachment; filename="${message.id}.wav"` } };
      },
    };
    const patch: RouteDef<{ folder: 'new' | 'old' }> = {
      method: 'PATCH',
      path: `${pre}/boxes/{box}/messages/{msgId}`,
      roles,
      tag: VOICEMAIL_TAG,
      summary: `Mark a message read (folder old) or unread (folder new); the box's MWI follows${who(scope)}`,
      params: { box: BOX_PARAM, msgId: MESSAGE_ID_PARAM },
      body: { type: 'object', additionalProperties: false, required: ['folder'], properties: { folder: { type: 'string', enum: ['new', 'old'] } } },
      response: { status: 200, schema: VOICEMAIL_MESSAGE },
      handler(req) {
        const t = tenantOf(deps, req);
        const { message } = messageOf(t, req);
        const svc = control(deps);
        // False only when the row went meanwhile (deleted from the phone): as missing.
        if (!svc.setFolder(t, message, req.body.folder)) throw new ApiError(404, 'not_found', 'not found');
        return { body: messageView({ ...message, folder: req.body.folder }) };
      },
    };
    const remove: RouteDef = {
      method: 'DELETE',
      path: `${pre}/boxes/{box}/messages/{msgId}`,
      roles,
      tag: VOICEMAIL_TAG,
      summary: `Delete a message (its file, then its row; frees its storage; the box's MWI follows)${who(scope)}`,
      params: { box: BOX_PARAM, msgId: MESSAGE_ID_PARAM },
      response: { status: 204 },
      handler(req) {
        const t = tenantOf(deps, req);
        const { message } = messageOf(t, req);
        messagePath(deps, t, message);
        if (!control(deps).deleteMessage(t, message)) throw new ApiError(404, 'not_found', 'not found');
        auditMedia(deps, req, t, 'voicemail.message.delete', `${message.box}/${message.id}`);
        return { status: 204 };
      },
    };
    return [boxes, box, messages, meta, audio, patch, remove];
  };
  return [...routes('tenant'), ...routes('extension')];
}
