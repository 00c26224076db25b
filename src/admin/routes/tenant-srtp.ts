/**
 * The tenant's SDES-SRTP policies through the API (GET/PUT /tenants/{tenantId}/srtp): the
 * tenant's own (`srtp:` of the tenant YAML) and each extension's (`srtp:` of an extension),
 * each `none`, `optional` or `required` (src/b2bua/srtp-policy.ts says what they do: SRTP is
 * offered and accepted on TLS legs only; a `required` leg without it gets 488). The B2BUA reads
 * the policies at each call, so a change applies to the next call; a file-managed tenant
 * answers 409 as for every other write.
 */
import { readSrtpSetting, SRTP_SETTING, srtpSettingJson, type SrtpPolicySetting } from '../../tenant/srtp-setting.js';
import type { JsonSchema, RouteDef } from '../api-types.js';
import { checked, PROBLEMS_DESCRIPTION, ROLES_ADMIN, tenantOf, writeMeta, type TenantResourceDeps } from './tenant-resource-kit.js';

const TAG = 'SRTP';
const POLICY: JsonSchema = { type: 'string', enum: ['none', 'optional', 'required'] };

const SRTP: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tenant: { ...POLICY, description: "the tenant's policy; absent: the server's default (optional on TLS legs)" },
    extensions: {
      type: 'object',
      description: 'extension → its own policy, which wins over the tenant\'s',
      maxProperties: 10000,
      additionalProperties: POLICY,
    },
  },
};

interface SrtpBody {
  tenant?: SrtpPolicySetting;
  extensions?: Record<string, SrtpPolicySetting>;
}

export function srtpRoutes(deps: TenantResourceDeps): RouteDef[] {
  const path = '/tenants/{tenantId}/srtp';
  const get: RouteDef = {
    method: 'GET',
    path,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "The tenant's SDES-SRTP policies: its own and its extensions'",
    response: { status: 200, schema: SRTP },
    handler(req) {
      const p = readSrtpSetting(tenantOf(deps, req).store.getSetting(SRTP_SETTING));
      return { body: { ...(p.tenant !== undefined ? { tenant: p.tenant } : {}), extensions: p.extensions } };
    },
  };
  const put: RouteDef<SrtpBody> = {
    method: 'PUT',
    path,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "Replace the tenant's SDES-SRTP policies (each extension named must be the tenant's). " + PROBLEMS_DESCRIPTION,
    body: SRTP,
    response: { status: 200, schema: SRTP },
    handler(req) {
      const t = tenantOf(deps, req);
      const meta = writeMeta(deps, req, 'srtp.set', 'srtp', req.body);
      const exts = req.body.extensions ?? {};
      checked((bad) => {
        for (const ext of Object.keys(exts)) if (!t.store.getExtension(ext)) bad(`/extensions/${ext.replace(/~/g, '~0').replace(/\//g, '~1')}`, `no extension ${ext} in this tenant`);
      });
      const text = srtpSettingJson(req.body.tenant, Object.entries(exts).map(([ext, srtp]) => ({ ext, srtp })));
      // No policy anywhere reads back as none set (readSrtpSetting), the same as no setting.
      t.store.setSetting(SRTP_SETTING, text ?? '{"extensions":{}}');
      if (meta.audit) t.store.appendAudit({ at: meta.now, ...meta.audit });
      const p = readSrtpSetting(t.store.getSetting(SRTP_SETTING));
      return { body: { ...(p.tenant !== undefined ? { tenant: p.tenant } : {}), extensions: p.extensions } };
    },
  };
  return [get, put];
}
