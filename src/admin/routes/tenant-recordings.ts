/**
 * Call recordings through the admin API (issue 10, item 8): list (filters and cursor pages
 * like the CDRs), download (audio/wav, streamed, Range), delete; start and stop the
 * recording of a live call (on-demand); the tenant's and an extension's recording policy.
 *
 * Tenant checks as for CDRs: the server refuses another tenant's {tenantId} with 404 before
 * a handler runs, and a recording is looked up only in the tenant's own store, so another
 * tenant's recording id is a 404 exactly like a missing one. A user token sees only the
 * recordings of calls its own extension made or took (anything else: 404).
 * The file's path comes from the tenant's own row, joined to the tenant's folder and
 * checked to stay inside it; nothing from the request becomes a path.
 */
import { statSync, unlinkSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { tenantDir } from '../../store/tenant-id.js';
import type { RecordingRow } from '../../store/recording-table.js';
import { fieldJsonSchema, FIELDS } from '../../model/field-rules.js';
import { ApiError, notFound, type ApiRequest, type JsonSchema, type RouteDef } from '../api-types.js';
import { badRequest, iso, refuseFileManaged, LIMIT_PARAM, pageSize, parseTime, ROLES_ADMIN, ROLES_WITH_USER, tenantOf, TIME_PARAM, type TenantResourceDeps } from './tenant-resource-kit.js';

const TAG = 'Recordings';
export const RECORDING_PAGE_MAX = 1000;
const REC_ID: JsonSchema = { type: 'string', minLength: 1, maxLength: 96, pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,95}$' };

/** What these routes need of the live calls: call-recording.ts CallRecordingService fits. */
export interface LiveRecordingControl {
  start(tenantId: string, callId: string): Promise<{ recordingId: string }>;
  stop(tenantId: string, callId: string): Promise<{ recordingId: string }>;
}

export interface RecordingRouteDeps extends TenantResourceDeps {
  recording?: LiveRecordingControl;
}

const RECORDING: JsonSchema = {
  type: 'object',
  required: ['id', 'callId', 'startedAt', 'durationMs', 'bytes', 'sampleRate', 'channels', 'status'],
  properties: {
    id: { type: 'string' },
    callId: { type: 'string' },
    fromExt: { type: 'string' },
    toExt: { type: 'string' },
    startedAt: { type: 'string', format: 'date-time' },
    endedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'integer' },
    bytes: { type: 'integer' },
    sampleRate: { type: 'integer' },
    channels: { type: 'integer' },
    status: { type: 'string', enum: ['recording', 'done'] },
    reason: { type: 'string', enum: ['hangup', 'quota', 'stopped', 'error'] },
  },
};

function view(r: RecordingRow): Record<string, unknown> {
  const { file: _file, ...rest } = r;
  return { ...rest, startedAt: iso(r.startedAt), ...(r.endedAt !== undefined ? { endedAt: iso(r.endedAt) } : {}) };
}

/**
 * The tenant's row, or 404. Under /extensions/{ext}/ (the paths a user token may use; the
 * server has already refused another extension's {ext} with 404) only a recording of a
 * call that extension made or took.
 */
function rowOf(t: TenantContext, req: ApiRequest<unknown>): RecordingRow {
  const id = req.params['recId'] ?? '';
  const row = REC_ID_RE.test(id) ? t.store.recordings.get(id) : undefined;
  if (!row) throw notFound();
  const ext = req.params['ext'];
  if (ext !== undefined && row.fromExt !== ext && row.toExt !== ext) throw notFound();
  return row;
}
const REC_ID_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,95}$/;

/** The file of a row, inside the tenant's folder (a row naming anything else is refused). */
function fileOf(dataDir: string, t: TenantContext, row: RecordingRow): string {
  const base = resolve(tenantDir(dataDir, t.id));
  const p = resolve(join(base, row.file));
  if (!p.startsWith(base + sep)) throw new ApiError(500, 'internal', 'recording file outside the tenant folder');
  return p;
}

function encodeCursor(startedAt: number, id: string): string {
  return Buffer.from(JSON.stringify([startedAt, id])).toString('base64url');
}

function decodeCursor(v: string | undefined): { startedAt: number; id: string } | undefined {
  if (v === undefined || v === '') return undefined;
  try {
    const p: unknown = JSON.parse(Buffer.from(v, 'base64url').toString('utf8'));
    if (Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && Number.isFinite(p[0]) && typeof p[1] === 'string' && p[1].length <= 96) return { startedAt: p[0], id: p[1] };
  } catch {
    // fall through
  }
  throw badRequest('cursor: not a cursor this API handed out');
}

const MODE = fieldJsonSchema(FIELDS.recording);

export function recordingRoutes(deps: RecordingRouteDeps): RouteDef<any>[] {
  const list = (scope: 'tenant' | 'extension'): RouteDef => ({
    method: 'GET',
    path: scope === 'tenant' ? '/tenants/{tenantId}/recordings' : '/tenants/{tenantId}/extensions/{ext}/recordings',
    roles: scope === 'tenant' ? ROLES_ADMIN : ROLES_WITH_USER,
    tag: TAG,
    summary: scope === 'tenant' ? 'Call recordings, filtered, a page at a time (nextCursor)' : 'The recordings of the calls one extension made or took (a user token: its own)',
    query: {
      type: 'object',
      additionalProperties: false,
      properties: {
        from: { ...TIME_PARAM, description: 'startedAt >= from (ISO 8601 or ms)' },
        to: { ...TIME_PARAM, description: 'startedAt < to (ISO 8601 or ms)' },
        ext: { type: 'string', maxLength: 64, description: 'calls this extension made or took' },
        callId: { type: 'string', maxLength: 96, description: 'the PBX call id (the CDR callId)' },
        order: { type: 'string', enum: ['asc', 'desc'], description: 'by start time; default desc (newest first)' },
        limit: LIMIT_PARAM(RECORDING_PAGE_MAX),
        cursor: { type: 'string', maxLength: 512 },
      },
    },
    response: { status: 200, schema: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: RECORDING }, nextCursor: { type: ['string', 'null'] } } } },
    handler(req) {
      const t = tenantOf(deps, req);
      const q = req.query;
      const limit = pageSize(q['limit'], 100, RECORDING_PAGE_MAX);
      let ext = q['ext'];
      const own = req.params['ext'];
      if (own !== undefined) {
        if (ext !== undefined && ext !== own) return { body: { items: [], nextCursor: null } };
        ext = own;
      }
      const since = parseTime('from', q['from']);
      const until = parseTime('to', q['to']);
      const after = decodeCursor(q['cursor']);
      const rows = t.store.recordings.list({
        newestFirst: q['order'] !== 'asc',
        limit: limit + 1,
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(ext !== undefined ? { ext } : {}),
        ...(q['callId'] !== undefined ? { callId: q['callId'] } : {}),
        ...(after ? { after } : {}),
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { body: { items: page.map(view), nextCursor: rows.length > limit && last ? encodeCursor(last.startedAt, last.id) : null } };
    },
  });

  const meta: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/recordings/{recId}/meta',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'One recording, as JSON',
    params: { recId: REC_ID },
    response: { status: 200, schema: RECORDING },
    handler(req) {
      const t = tenantOf(deps, req);
      return { body: view(rowOf(t, req)) };
    },
  };

  const download = (scope: 'tenant' | 'extension'): RouteDef => ({
    method: 'GET',
    path: scope === 'tenant' ? '/tenants/{tenantId}/recordings/{recId}' : '/tenants/{tenantId}/extensions/{ext}/recordings/{recId}',
    roles: scope === 'tenant' ? ROLES_ADMIN : ROLES_WITH_USER,
    tag: TAG,
    summary: 'Download a recording (audio/wav, streamed; Range: bytes=a-b answers 206)',
    params: { recId: REC_ID },
    response: { status: 200, contentType: 'audio/wav' },
    handler(req) {
      const t = tenantOf(deps, req);
      const row = rowOf(t, req);
      const path = fileOf(deps.dataDir, t, row);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        throw new ApiError(410, 'gone', 'the recording file is missing');
      }
      return { contentType: 'audio/wav', file: { path, size }, headers: { 'content-disposition': `attachment; filename="${row.id}.wav"` } };
    },
  });

  const remove: RouteDef = {
    method: 'DELETE',
    path: '/tenants/{tenantId}/recordings/{recId}',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Delete a recording (its file and its row; the CDR loses its link)',
    params: { recId: REC_ID },
    response: { status: 204 },
    handler(req) {
      const t = tenantOf(deps, req);
      const row = rowOf(t, req);
      if (row.status === 'recording') throw new ApiError(409, 'conflict', 'the recording is still running: stop it first');
      try {
        unlinkSync(fileOf(deps.dataDir, t, row));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      t.store.recordings.delete(row.id);
      return { status: 204 };
    },
  };

  const control: RouteDef<{ action: 'start' | 'stop' }> = {
    method: 'POST',
    path: '/tenants/{tenantId}/calls/{callId}/recording',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Start or stop recording a live call (on-demand recording; refused when the tenant\'s storage is full)',
    params: { callId: { type: 'string', minLength: 1, maxLength: 96 } },
    body: { type: 'object', additionalProperties: false, required: ['action'], properties: { action: { type: 'string', enum: ['start', 'stop'] } } },
    response: { status: 200, schema: { type: 'object', required: ['recordingId'], properties: { recordingId: { type: 'string' } } } },
    async handler(req) {
      const t = tenantOf(deps, req);
      const svc = deps.recording;
      if (!svc) throw new ApiError(409, 'recording_unavailable', 'recording is not available on this server');
      const callId = req.params['callId'] ?? '';
      try {
        const r = req.body.action === 'start' ? await svc.start(t.id, callId) : await svc.stop(t.id, callId);
        return { body: r };
      } catch (e) {
        const code = (e as { code?: string }).code;
        const message = e instanceof Error ? e.message : String(e);
        if (code === 'no-call') throw notFound();
        if (code === 'quota') throw new ApiError(507, 'storage_full', message);
        if (code === 'feature-off' || code === 'already' || code === 'not-recording' || code === 'media') throw new ApiError(409, `recording_${code.replace('-', '_')}`, message);
        throw e;
      }
    },
  };

  const getPolicy: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/recording-policy',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "The tenant's recording policy (and whether the provider enabled the feature)",
    response: { status: 200, schema: { type: 'object', required: ['mode'], properties: { mode: MODE } } },
    handler(req) {
      const t = tenantOf(deps, req);
      const m = t.store.getSetting('recording');
      return { body: { mode: m ?? 'never' } };
    },
  };

  const putPolicy: RouteDef<{ mode: string }> = {
    method: 'PUT',
    path: '/tenants/{tenantId}/recording-policy',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "Set the tenant's recording policy: never, always, on-demand (the provider's features.recording must be on for any recording)",
    body: { type: 'object', additionalProperties: false, required: ['mode'], properties: { mode: MODE } },
    response: { status: 200, schema: { type: 'object', required: ['mode'], properties: { mode: MODE } } },
    handler(req) {
      const t = tenantOf(deps, req);
      // The tenant file's `recording:` decides for a file-managed tenant.
      refuseFileManaged(deps, req);
      t.store.setSetting('recording', req.body.mode);
      return { body: { mode: req.body.mode } };
    },
  };

  const putExt: RouteDef<{ mode: string | null }> = {
    method: 'PUT',
    path: '/tenants/{tenantId}/extensions/{ext}/recording',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "Set an extension's recording policy (null: the tenant's)",
    body: { type: 'object', additionalProperties: false, required: ['mode'], properties: { mode: { oneOf: [MODE, { type: 'null' }] } } },
    response: { status: 200, schema: { type: 'object', required: ['mode'], properties: { mode: { oneOf: [MODE, { type: 'null' }] } } } },
    handler(req) {
      const t = tenantOf(deps, req);
      // The extension's `recording:` in the tenant file decides for a file-managed tenant.
      refuseFileManaged(deps, req);
      if (!t.store.recordings.setExtensionMode(req.params['ext'] ?? '', req.body.mode)) throw notFound();
      return { body: { mode: req.body.mode } };
    },
  };

  return [list('tenant'), list('extension'), meta, download('tenant'), download('extension'), remove, control, getPolicy, putPolicy, putExt];
}
