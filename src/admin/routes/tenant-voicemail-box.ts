/**
 * A voicemail box's greetings and PIN through the admin API (issue 11, point 2 "API"):
 * PUT/GET/DELETE .../voicemail/boxes/{box}/greetings/{kind} (unavailable, busy, name,
 * temporary) and PUT .../voicemail/boxes/{box}/pin, for admins under /voicemail and for an
 * extension under /extensions/{ext}/voicemail (its own box and the shared boxes it is a
 * member of; see voicemail-access.ts).
 *
 * A greeting upload takes the prompt uploads' pipeline (tenant-media-kit.ts receiveWav):
 * audio/wav only (415 otherwise), at most api.uploadLimitMB (413) and what is left of
 * limits.storageMB (507), streamed to a temp file in the box's folder, checked by the
 * player's own WAV reader (422 invalid_wav for a file that is not audio it plays), then
 * renamed over `greeting-<kind>.wav`. Greetings live in the tenant's folder, so they count
 * in limits.storageMB and deleting one frees its bytes.
 *
 * The PIN is digits only (4 to 16, the tenant file's rule: tenant/voicemail-pin.ts) and is
 * stored as its scrypt hash; it is never answered back.
 */
import { join } from 'node:path';
import { boxFolder, GREETING_KINDS, insideTenant, isGreetingKind, type GreetingKind } from '../../apps/voicemail/voicemail-files.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { tenantDir } from '../../store/tenant-id.js';
import { hashPin, isValidPin, VOICEMAIL_PIN_PROBLEM } from '../../tenant/voicemail-pin.js';
import { notFound, validationError, type ApiRequest, type RouteDef } from '../api-types.js';
import { UPLOADED } from './tenant-prompts.js';
import { auditMedia, receiveWav, regularFile, unlinkQuiet, WAV_RULES, WAV_TYPES } from './tenant-media-kit.js';
import { ROLES_ADMIN, ROLES_WITH_USER, tenantOf, type TenantResourceDeps } from './tenant-resource-kit.js';
import { BOX_PARAM, boxOf, scopePrefix, type VoicemailScope } from './voicemail-access.js';
import { VOICEMAIL_TAG } from './tenant-voicemail.js';

const KIND_PARAM = { type: 'string', enum: [...GREETING_KINDS] };

/** The {kind} of the path, or 422 naming it. */
function kindOf(req: ApiRequest<unknown>): GreetingKind {
  const k = req.params['kind'];
  if (!isGreetingKind(k)) throw validationError([{ path: '/kind', message: `must be one of ${GREETING_KINDS.join(', ')}` }]);
  return k;
}

/** The box's folder, inside the tenant's folder (the box is digits, checked by boxOf). */
function folderOf(deps: TenantResourceDeps, t: TenantContext, box: string): string {
  return insideTenant(tenantDir(deps.dataDir, t.id), boxFolder(box));
}

export function voicemailBoxRoutes(deps: TenantResourceDeps): RouteDef<any>[] {
  const routes = (scope: VoicemailScope): RouteDef<any>[] => {
    const pre = scopePrefix(scope);
    const roles = scope === 'tenant' ? ROLES_ADMIN : ROLES_WITH_USER;
    const put: RouteDef = {
      method: 'PUT',
      path: `${pre}/boxes/{box}/greetings/{kind}`,
      roles,
      tag: VOICEMAIL_TAG,
      summary: 'Upload a greeting (audio/wav; replaces the one of that kind); 415 for another type, 413 past the cap, 507 past limits.storageMB, 422 for a file the player would refuse',
      params: { box: BOX_PARAM, kind: KIND_PARAM },
      rawBody: { contentTypes: WAV_TYPES, description: WAV_RULES },
      response: { status: 201, schema: UPLOADED },
      async handler(req) {
        const t = tenantOf(deps, req);
        const b = boxOf(t, req);
        const kind = kindOf(req);
        const name = `greeting-${kind}`;
        const up = await receiveWav(deps, req, t, folderOf(deps, t, b.box), name);
        auditMedia(deps, req, t, 'voicemail.greeting.upload', `${b.box}/${kind}`, { bytes: up.bytes, format: up.format, replaced: up.replaced });
        return { status: up.replaced ? 200 : 201, body: { name: kind, ...up } };
      },
    };
    const get: RouteDef = {
      method: 'GET',
      path: `${pre}/boxes/{box}/greetings/{kind}`,
      roles,
      tag: VOICEMAIL_TAG,
      summary: 'Download a greeting (audio/wav; Range answers 206); 404 when the box has none of that kind',
      params: { box: BOX_PARAM, kind: KIND_PARAM },
      response: { status: 200, contentType: 'audio/wav' },
      handler(req) {
        const t = tenantOf(deps, req);
        const b = boxOf(t, req);
        const kind = kindOf(req);
        const path = join(folderOf(deps, t, b.box), `greeting-${kind}.wav`);
        const st = regularFile(path);
        if (!st) throw notFound();
        return { contentType: 'audio/wav', file: { path, size: st.size }, headers: { 'content-disposition': `attachment; filename="${b.box}-${kind}.wav"` } };
      },
    };
    const remove: RouteDef = {
      method: 'DELETE',
      path: `${pre}/boxes/{box}/greetings/{kind}`,
      roles,
      tag: VOICEMAIL_TAG,
      summary: 'Delete a greeting (callers hear the next one: busy/unavailable, else the system prompt); frees its storage',
      params: { box: BOX_PARAM, kind: KIND_PARAM },
      response: { status: 204 },
      handler(req) {
        const t = tenantOf(deps, req);
        const b = boxOf(t, req);
        const kind = kindOf(req);
        const path = join(folderOf(deps, t, b.box), `greeting-${kind}.wav`);
        if (!regularFile(path)) throw notFound();
        unlinkQuiet(path);
        auditMedia(deps, req, t, 'voicemail.greeting.delete', `${b.box}/${kind}`);
        return { status: 204 };
      },
    };
    const pin: RouteDef<{ pin: string }> = {
      method: 'PUT',
      path: `${pre}/boxes/{box}/pin`,
      roles,
      tag: VOICEMAIL_TAG,
      summary: 'Set the box PIN: 4 to 16 digits, stored hashed (422 at /pin otherwise)',
      params: { box: BOX_PARAM },
      body: { type: 'object', additionalProperties: false, required: ['pin'], properties: { pin: { type: 'string', maxLength: 64, description: '4 to 16 digits (0-9)' } } },
      response: { status: 204 },
      handler(req) {
        const t = tenantOf(deps, req);
        const b = boxOf(t, req);
        if (!isValidPin(req.body.pin)) throw validationError([{ path: '/pin', message: `a voicemail PIN ${VOICEMAIL_PIN_PROBLEM}` }]);
        if (!t.store.voicemail.setPinHash(b.box, hashPin(req.body.pin))) throw notFound();
        auditMedia(deps, req, t, 'voicemail.pin.set', b.box);
        return { status: 204 };
      },
    };
    return [put, get, remove, pin];
  };
  return [...routes('tenant'), ...routes('extension')];
}
