/**
 * The tenant's direct-media policy through the API (GET/PUT /tenants/{tenantId}/media): the
 * `media:` of the tenant YAML, `{ direct, trunks }`. With `direct` on, an answered call
 * whose legs allow it (src/b2bua/direct-media-policy.ts: no recording, no transcoding, no
 * hold, no SRTP, both ends reachable from each other) has its RTP flow end to end; `trunks`
 * names the tenant's trunks whose legs may be joined too. The B2BUA reads the policy at each
 * decision, so a change applies to the next call; a file-managed tenant answers 409 as for
 * every other write.
 */
import { DIRECT_MEDIA_SETTING, directMediaSettingText, readDirectMediaSetting } from '../../tenant/direct-media-setting.js';
import type { JsonSchema, RouteDef } from '../api-types.js';
import { checked, PROBLEMS_DESCRIPTION, ROLES_ADMIN, tenantOf, writeMeta, type TenantResourceDeps } from './tenant-resource-kit.js';

const TAG = 'Media';

const MEDIA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    direct: { type: 'boolean', description: 'direct media (media bypass) for calls that allow it; default false' },
    trunks: { type: 'array', maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 100 }, description: "the tenant's trunks whose legs may be joined directly too" },
  },
};

interface MediaBody {
  direct?: boolean;
  trunks?: string[];
}

export function directMediaRoutes(deps: TenantResourceDeps): RouteDef[] {
  const path = '/tenants/{tenantId}/media';
  const read = (text: string | undefined) => readDirectMediaSetting(text);
  const get: RouteDef = {
    method: 'GET',
    path,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "The tenant's direct-media policy",
    response: { status: 200, schema: MEDIA },
    handler(req) {
      return { body: read(tenantOf(deps, req).store.getSetting(DIRECT_MEDIA_SETTING)) };
    },
  };
  const put: RouteDef<MediaBody> = {
    method: 'PUT',
    path,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "Replace the tenant's direct-media policy (each trunk named must be the tenant's). " + PROBLEMS_DESCRIPTION,
    body: MEDIA,
    response: { status: 200, schema: MEDIA },
    handler(req) {
      const t = tenantOf(deps, req);
      const meta = writeMeta(deps, req, 'media.set', 'media', req.body);
      const trunks = req.body.trunks ?? [];
      const own = t.store.getRoutingPlan().trunks.map((x) => x.name);
      checked((bad) => {
        trunks.forEach((name, i) => {
          if (!own.includes(name)) bad(`/trunks/${i}`, `no trunk ${name} in this tenant`);
        });
      });
      const text = directMediaSettingText({ direct: req.body.direct === true, trunks });
      t.store.setSetting(DIRECT_MEDIA_SETTING, text ?? '{"direct":false,"trunks":[]}');
      if (meta.audit) t.store.appendAudit({ at: meta.now, ...meta.audit });
      return { body: read(t.store.getSetting(DIRECT_MEDIA_SETTING)) };
    },
  };
  return [get, put];
}
