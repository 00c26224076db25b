import type { JsonSchema, RouteDef } from '../api-types.js';
import { DOMAINS, FEATURES, LIMITS, listOf, TENANT, TENANT_ID, TENANT_NAME } from '../schemas.js';
import { tenantView, type TenantLifecycle } from '../tenant-lifecycle.js';
import type { TenantLimits } from '../../model/tenant-limits.js';
import type { TenantFeatures } from '../../model/tenant-features.js';

/** PATCH merges: a limit set to null is removed (no limit). */
const LIMITS_PATCH: JsonSchema = {
  ...LIMITS,
  description: 'Merged into the current limits; null removes a limit',
  properties: Object.fromEntries(Object.entries(LIMITS['properties'] as Record<string, JsonSchema>).map(([k, s]) => [k, { ...s, type: [s['type'] as string, 'null'] }])),
};

const CREATE_TENANT: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'domains'],
  properties: {
    id: TENANT_ID,
    name: TENANT_NAME,
    domains: DOMAINS,
    limits: LIMITS,
    features: FEATURES,
  },
};

const PATCH_TENANT: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Only the fields given change; limits and features are merged into the current ones',
  properties: {
    name: TENANT_NAME,
    limits: LIMITS_PATCH,
    features: FEATURES,
  },
};

interface CreateBody {
  id: string;
  name: string;
  domains: string[];
  limits?: TenantLimits;
  features?: TenantFeatures;
}

interface PatchBody {
  name?: string;
  limits?: Record<string, number | null>;
  features?: TenantFeatures;
}

/** Provider routes for the tenant lifecycle (issue 5). */
export function tenantRoutes(d: { lifecycle: TenantLifecycle }): RouteDef<any>[] {
  const lc = d.lifecycle;
  const one = (description: string) => ({ status: 200, schema: TENANT, description });
  const create: RouteDef<CreateBody> = {
    method: 'POST',
    path: '/tenants',
    roles: ['provider'],
    tag: 'tenants',
    summary: 'Create a tenant (managed by the API) with its domains, limits and features',
    body: CREATE_TENANT,
    response: { status: 201, schema: TENANT, description: 'Created; its tenant.sqlite exists' },
    handler: ({ body }) => ({ body: tenantView(lc.create(body)) }),
  };
  const patch: RouteDef<PatchBody> = {
    method: 'PATCH',
    path: '/tenants/{tenantId}',
    roles: ['provider'],
    tag: 'tenants',
    summary: 'Change name, limits or features (409 limit_exceeded when the tenant already uses more)',
    body: PATCH_TENANT,
    response: one('The tenant after the change'),
    handler: ({ params, body }) => {
      let limits: TenantLimits | undefined;
      if (body.limits) {
        const merged: Record<string, number> = { ...(lc.get(params['tenantId']!).limits as Record<string, number>) };
        for (const [k, v] of Object.entries(body.limits)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        limits = merged as TenantLimits;
      }
      return {
        body: tenantView(
          lc.update(params['tenantId']!, {
            ...(body.name !== undefined ? { name: body.name } : {}),
            ...(limits ? { limits } : {}),
            ...(body.features ? { features: body.features } : {}),
          }),
        ),
      };
    },
  };
  return [
    create,
    {
      method: 'GET',
      path: '/tenants',
      roles: ['provider'],
      tag: 'tenants',
      summary: 'List tenants',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { status: { type: 'string', enum: ['active', 'suspended', 'disabled', 'deleted'], description: 'Only tenants with this status' } },
      },
      response: { status: 200, schema: listOf(TENANT) },
      handler: ({ query }) => ({ body: { items: lc.list(query['status'] as never).map(tenantView) } }),
    },
    {
      method: 'GET',
      path: '/tenants/{tenantId}',
      roles: ['provider', 'tenant-admin'],
      tag: 'tenants',
      summary: 'Get a tenant (a tenant-admin: its own)',
      response: one('The tenant'),
      handler: ({ params }) => ({ body: tenantView(lc.get(params['tenantId']!)) }),
    },
    patch,
    {
      method: 'POST',
      path: '/tenants/{tenantId}/take-over',
      roles: ['provider'],
      tag: 'tenants',
      summary: "Take a file-managed tenant over: its YAML file is renamed out of the tenants folder and the API configures it from now on",
      response: {
        status: 200,
        description: 'The tenant, now managed by the API, and where its file went',
        schema: { type: 'object', required: ['tenant'], properties: { tenant: TENANT, retiredFile: { type: 'string' } } },
      },
      handler: ({ params }) => {
        const r = lc.takeOver(params['tenantId']!);
        return { body: { tenant: tenantView(r.tenant), ...(r.retiredFile ? { retiredFile: r.retiredFile } : {}) } };
      },
    },
    {
      method: 'POST',
      path: '/tenants/{tenantId}/suspend',
      roles: ['provider'],
      tag: 'tenants',
      summary: 'Suspend: its phones can neither register nor call (403), its DIDs are refused; all data is kept',
      response: one('The tenant, suspended'),
      handler: ({ params }) => ({ body: tenantView(lc.suspend(params['tenantId']!)) }),
    },
    {
      method: 'POST',
      path: '/tenants/{tenantId}/resume',
      roles: ['provider'],
      tag: 'tenants',
      summary: 'Resume a suspended tenant',
      response: one('The tenant, active'),
      handler: ({ params }) => ({ body: tenantView(lc.resume(params['tenantId']!)) }),
    },
    {
      method: 'DELETE',
      path: '/tenants/{tenantId}',
      roles: ['provider'],
      tag: 'tenants',
      summary: 'Delete an API-managed tenant: it stops at once and is purged after the grace period (409 for a file-managed one)',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { graceDays: { type: 'integer', minimum: 0, maximum: 365, description: 'Days before its data is removed (default 7; 0: now)' } },
      },
      response: one('The tenant, deleted, with deleteAfter'),
      handler: ({ params, query }) => ({ body: tenantView(lc.delete(params['tenantId']!, query['graceDays'] !== undefined ? Number(query['graceDays']) : undefined)) }),
    },
    {
      method: 'POST',
      path: '/tenants/{tenantId}/restore-deleted',
      roles: ['provider'],
      tag: 'tenants',
      summary: 'Undo a delete within its grace period',
      response: one('The tenant, active again'),
      handler: ({ params }) => ({ body: tenantView(lc.restoreDeleted(params['tenantId']!)) }),
    },
  ];
}
