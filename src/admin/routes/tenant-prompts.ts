/**
 * A tenant's own prompts (issue 10, item 4): `PUT /tenants/{tenantId}/prompts/{name}` with an
 * audio/wav body stores `<dataDir>/tenants/<id>/prompts/<name>.wav`, which the player then
 * prefers over the operator's and the built-in prompt of that name (media/prompts/
 * prompt-path.ts resolvePrompt); GET lists or downloads, DELETE removes (the built-in one
 * takes over again). The upload pipeline and its refusals: tenant-media-kit.ts.
 *
 * Tenant scope: the server answers another tenant's {tenantId} with 404 before a handler
 * runs; the folder is always the scoped tenant's own.
 */
import { join } from 'node:path';
import { notFound, type JsonSchema, type RouteDef } from '../api-types.js';
import { ROLES_ADMIN, tenantOf, type TenantResourceDeps } from './tenant-resource-kit.js';
import { auditMedia, builtinIds, describeWav, MEDIA_NAME, mediaName, promptsDir, receiveWav, regularFile, unlinkQuiet, WAV_RULES, WAV_TYPES, wavNames } from './tenant-media-kit.js';

const TAG = 'Media';

export const MEDIA_FILE: JsonSchema = {
  type: 'object',
  required: ['name', 'bytes'],
  properties: {
    name: { type: 'string' },
    bytes: { type: 'integer' },
    format: { type: 'string', description: 'encoding/rate, e.g. pcm16/8000, mulaw/8000' },
    durationMs: { type: 'integer' },
    problem: { type: 'string', description: 'the file is there but the player would refuse it (put there by hand)' },
  },
};

export const UPLOADED: JsonSchema = {
  type: 'object',
  required: ['name', 'bytes', 'format', 'durationMs', 'replaced'],
  properties: { name: { type: 'string' }, bytes: { type: 'integer' }, format: { type: 'string' }, durationMs: { type: 'integer' }, replaced: { type: 'boolean' } },
};

export function promptRoutes(deps: TenantResourceDeps): RouteDef<any>[] {
  const list: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/prompts',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "The tenant's own prompts, and the built-in prompt ids it has not replaced",
    response: {
      status: 200,
      schema: {
        type: 'object',
        required: ['items', 'builtin'],
        properties: { items: { type: 'array', items: MEDIA_FILE }, builtin: { type: 'array', items: { type: 'string' }, description: 'built-in ids not overridden by the tenant' } },
      },
    },
    handler(req) {
      const t = tenantOf(deps, req);
      const dir = promptsDir(deps.dataDir, t);
      const own = wavNames(dir);
      const mine = new Set(own);
      return { body: { items: own.map((n) => describeWav(deps, join(dir, `${n}.wav`), n)), builtin: builtinIds(deps).filter((id) => !mine.has(id)) } };
    },
  };

  const put: RouteDef = {
    method: 'PUT',
    path: '/tenants/{tenantId}/prompts/{name}',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Upload a prompt (replaces a built-in one of the same id, or adds a name); 413 past the cap, 507 past limits.storageMB, 422 for a file the player would refuse',
    params: { name: MEDIA_NAME },
    rawBody: { contentTypes: WAV_TYPES, description: WAV_RULES },
    response: { status: 201, schema: UPLOADED },
    async handler(req) {
      const t = tenantOf(deps, req);
      const name = mediaName(req, 'name');
      const up = await receiveWav(deps, req, t, promptsDir(deps.dataDir, t), name);
      auditMedia(deps, req, t, 'prompt.upload', name, { bytes: up.bytes, format: up.format, replaced: up.replaced });
      return { status: up.replaced ? 200 : 201, body: { name, ...up } };
    },
  };

  const get: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/prompts/{name}',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "Download one of the tenant's own prompts (audio/wav, streamed; Range answers 206); 422 for a name outside the rule",
    params: { name: MEDIA_NAME },
    response: { status: 200, contentType: 'audio/wav' },
    handler(req) {
      const t = tenantOf(deps, req);
      const name = mediaName(req, 'name');
      const path = join(promptsDir(deps.dataDir, t), `${name}.wav`);
      const st = regularFile(path);
      if (!st) throw notFound();
      return { contentType: 'audio/wav', file: { path, size: st.size }, headers: { 'content-disposition': `attachment; filename="${name}.wav"` } };
    },
  };

  const remove: RouteDef = {
    method: 'DELETE',
    path: '/tenants/{tenantId}/prompts/{name}',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "Delete one of the tenant's prompts (the operator's or built-in one of that id plays again); 422 for a name outside the rule",
    params: { name: MEDIA_NAME },
    response: { status: 204 },
    handler(req) {
      const t = tenantOf(deps, req);
      const name = mediaName(req, 'name');
      const path = join(promptsDir(deps.dataDir, t), `${name}.wav`);
      if (!regularFile(path)) throw notFound();
      unlinkQuiet(path);
      auditMedia(deps, req, t, 'prompt.delete', name);
      return { status: 204 };
    },
  };

  return [list, put, get, remove];
}
