/**
 * A tenant's own music on hold (issue 10, item 7): `PUT /tenants/{tenantId}/moh/{class}/{file}`
 * with an audio/wav body stores `<dataDir>/tenants/<id>/moh/<class>/<file>.wav`; a class with
 * files of its own plays them in name order as one loop instead of the project's default
 * (media/prompts/moh-path.ts resolveMohClass). GET lists classes and files or downloads one,
 * DELETE removes a file (an emptied class folder goes too, and the default plays again).
 * The upload pipeline and its refusals: tenant-media-kit.ts.
 */
import { readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, notFound, type RouteDef } from '../api-types.js';
import { ROLES_ADMIN, tenantOf, type TenantResourceDeps } from './tenant-resource-kit.js';
import { auditMedia, describeWav, MAX_MOH_FILES, MEDIA_NAME, mediaName, mohDir, receiveWav, regularFile, subFolders, unlinkQuiet, WAV_RULES, WAV_TYPES, wavNames } from './tenant-media-kit.js';
import { MEDIA_FILE, UPLOADED } from './tenant-prompts.js';

const TAG = 'Media';
const PARAMS = { class: MEDIA_NAME, file: MEDIA_NAME };

export function mohRoutes(deps: TenantResourceDeps): RouteDef<any>[] {
  const list: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/moh',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "The tenant's music-on-hold classes and their files (a class not listed plays the project's default)",
    response: {
      status: 200,
      schema: {
        type: 'object',
        required: ['classes'],
        properties: { classes: { type: 'array', items: { type: 'object', required: ['name', 'files'], properties: { name: { type: 'string' }, files: { type: 'array', items: MEDIA_FILE } } } } },
      },
    },
    handler(req) {
      const t = tenantOf(deps, req);
      const root = mohDir(deps.dataDir, t);
      const classes = subFolders(root).map((c) => {
        const dir = join(root, c);
        return { name: c, files: wavNames(dir).map((n) => describeWav(deps, join(dir, `${n}.wav`), n)) };
      });
      return { body: { classes } };
    },
  };

  const put: RouteDef = {
    method: 'PUT',
    path: '/tenants/{tenantId}/moh/{class}/{file}',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: `Upload a music-on-hold file into a class (played in name order; at most ${MAX_MOH_FILES} a class); 413 past the cap, 507 past limits.storageMB, 422 for a file the player would refuse`,
    params: PARAMS,
    rawBody: { contentTypes: WAV_TYPES, description: WAV_RULES },
    response: { status: 201, schema: UPLOADED },
    async handler(req) {
      const t = tenantOf(deps, req);
      const cls = mediaName(req, 'class');
      const file = mediaName(req, 'file');
      const dir = join(mohDir(deps.dataDir, t), cls);
      const names = wavNames(dir);
      if (!names.includes(file) && names.length >= MAX_MOH_FILES) throw new ApiError(409, 'limit_exceeded', `music class ${cls} has ${names.length} files, the most one class plays is ${MAX_MOH_FILES}`);
      const up = await receiveWav(deps, req, t, dir, file);
      auditMedia(deps, req, t, 'moh.upload', `${cls}/${file}`, { bytes: up.bytes, format: up.format, replaced: up.replaced });
      return { status: up.replaced ? 200 : 201, body: { name: file, ...up } };
    },
  };

  const get: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/moh/{class}/{file}',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Download one music-on-hold file (audio/wav, streamed; Range answers 206); 422 for a name outside the rule',
    params: PARAMS,
    response: { status: 200, contentType: 'audio/wav' },
    handler(req) {
      const t = tenantOf(deps, req);
      const path = join(mohDir(deps.dataDir, t), mediaName(req, 'class'), `${mediaName(req, 'file')}.wav`);
      const st = regularFile(path);
      if (!st) throw notFound();
      return { contentType: 'audio/wav', file: { path, size: st.size }, headers: { 'content-disposition': `attachment; filename="${req.params['file']}.wav"` } };
    },
  };

  const remove: RouteDef = {
    method: 'DELETE',
    path: '/tenants/{tenantId}/moh/{class}/{file}',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Delete one music-on-hold file (the last one of a class: the default plays again); 422 for a name outside the rule',
    params: PARAMS,
    response: { status: 204 },
    handler(req) {
      const t = tenantOf(deps, req);
      const cls = mediaName(req, 'class');
      const file = mediaName(req, 'file');
      const dir = join(mohDir(deps.dataDir, t), cls);
      const path = join(dir, `${file}.wav`);
      if (!regularFile(path)) throw notFound();
      unlinkQuiet(path);
      try {
        if (readdirSync(dir).length === 0) rmdirSync(dir);
      } catch {
        // not empty meanwhile, or gone
      }
      auditMedia(deps, req, t, 'moh.delete', `${cls}/${file}`);
      return { status: 204 };
    },
  };

  return [list, put, get, remove];
}
