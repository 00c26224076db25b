import type { ApiTokenRecord, ApiTokenStore } from '../../store/api-token-store.js';
import type { SystemStore } from '../../store/system-store.js';
import { ApiError, notFound, validationError, type JsonSchema, type Principal, type RouteDef } from '../api-types.js';
import { EXT, LABEL, listOf, ROLE, TENANT_ID, TOKEN } from '../schemas.js';

const CREATE_TOKEN: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['role'],
  properties: {
    role: ROLE,
    tenantId: { ...TENANT_ID, description: 'tenant-admin and user tokens (a tenant-admin may leave it out: its own tenant)' },
    ext: { ...EXT, description: 'user tokens: the extension it acts for' },
    label: LABEL,
  },
};

const CREATED: JsonSchema = {
  ...TOKEN,
  required: [...(TOKEN['required'] as string[]), 'token'],
  properties: { ...(TOKEN['properties'] as Record<string, JsonSchema>), token: { type: 'string', description: 'pbx_<id>_<secret>: shown only now, stored hashed' } },
};

interface CreateBody {
  role: 'provider' | 'tenant-admin' | 'user';
  tenantId?: string;
  ext?: string;
  label?: string;
}

export function tokenView(t: ApiTokenRecord): Record<string, unknown> {
  return {
    id: t.id,
    role: t.role,
    tenantId: t.tenantId ?? null,
    ext: t.ext ?? null,
    label: t.label,
    createdAt: t.createdAt,
    createdBy: t.createdBy,
    revokedAt: t.revokedAt ?? null,
    lastUsedAt: t.lastUsedAt ?? null,
  };
}

/** A token the principal may see: any for the provider, its tenant's for a tenant-admin. */
function visible(p: Principal, t: ApiTokenRecord | undefined): t is ApiTokenRecord {
  return t !== undefined && (p.role === 'provider' || (p.role === 'tenant-admin' && t.tenantId === p.tenantId));
}

/**
 * API tokens (issue 5). The provider creates tokens of every role; a tenant-admin creates
 * user tokens of its own tenant only; a tenant-admin sees and revokes its tenant's tokens.
 */
export function tokenRoutes(d: { tokens: ApiTokenStore; system: Pick<SystemStore, 'getTenant'>; extensionExists: (tenantId: string, ext: string) => boolean }): RouteDef<any>[] {
  const create: RouteDef<CreateBody> = {
    method: 'POST',
    path: '/tokens',
    roles: ['provider', 'tenant-admin'],
    tag: 'tokens',
    summary: 'Create a token (its secret is in this answer only)',
    body: CREATE_TOKEN,
    response: { status: 201, schema: CREATED },
    handler: ({ principal, body }) => {
      let tenantId = body.tenantId;
      if (principal.role === 'tenant-admin') {
        if (tenantId !== undefined && tenantId !== principal.tenantId) throw notFound();
        if (body.role !== 'user') throw new ApiError(403, 'forbidden', 'a tenant-admin may create user tokens only');
        tenantId = principal.tenantId;
      }
      const problems: Array<{ path: string; message: string }> = [];
      if (body.role === 'provider') {
        if (tenantId !== undefined) problems.push({ path: '/tenantId', message: 'a provider token has no tenant' });
        if (body.ext !== undefined) problems.push({ path: '/ext', message: 'a provider token has no extension' });
      } else {
        if (tenantId === undefined) problems.push({ path: '/tenantId', message: `is required for a ${body.role} token` });
        if (body.role === 'user' && body.ext === undefined) problems.push({ path: '/ext', message: 'is required for a user token' });
        if (body.role === 'tenant-admin' && body.ext !== undefined) problems.push({ path: '/ext', message: 'a tenant-admin token has no extension' });
      }
      if (problems.length > 0) throw validationError(problems);
      if (tenantId !== undefined) {
        const t = d.system.getTenant(tenantId);
        if (!t || t.status === 'deleted' || t.status === 'disabled') throw validationError([{ path: '/tenantId', message: 'no such tenant' }]);
        if (body.ext !== undefined && !d.extensionExists(tenantId, body.ext)) {
          throw validationError([{ path: '/ext', message: `the tenant has no extension ${body.ext}` }]);
        }
      }
      const { token, record } = d.tokens.create({
        role: body.role,
        ...(tenantId !== undefined ? { tenantId } : {}),
        ...(body.ext !== undefined ? { ext: body.ext } : {}),
        ...(body.label !== undefined ? { label: body.label } : {}),
        createdBy: principal.tokenId,
      });
      return { body: { ...tokenView(record), token } };
    },
  };
  return [
    create,
    {
      method: 'GET',
      path: '/tokens',
      roles: ['provider', 'tenant-admin'],
      tag: 'tokens',
      summary: 'List tokens (the provider: all, or one tenant\'s; a tenant-admin: its tenant\'s), revoked ones included',
      query: { type: 'object', additionalProperties: false, properties: { tenantId: { ...TENANT_ID, description: 'Provider: only this tenant\'s tokens' } } },
      response: { status: 200, schema: listOf(TOKEN) },
      handler: ({ principal, query }) => {
        if (principal.role === 'tenant-admin') {
          if (query['tenantId'] !== undefined && query['tenantId'] !== principal.tenantId) return { body: { items: [] } };
          return { body: { items: d.tokens.list({ tenantId: principal.tenantId! }).map(tokenView) } };
        }
        return { body: { items: d.tokens.list(query['tenantId'] !== undefined ? { tenantId: query['tenantId'] } : {}).map(tokenView) } };
      },
    },
    {
      method: 'DELETE',
      path: '/tokens/{tokenId}',
      roles: ['provider', 'tenant-admin'],
      tag: 'tokens',
      summary: 'Revoke a token (it stays listed with revokedAt)',
      response: { status: 200, schema: TOKEN, description: 'The token, revoked' },
      handler: ({ principal, params }) => {
        const id = params['tokenId']!;
        if (id === 'admin' && principal.role === 'provider') throw new ApiError(409, 'config_token', 'api.adminToken lives in pbx.yaml; change it there');
        const t = d.tokens.get(id);
        if (!visible(principal, t)) throw notFound();
        d.tokens.revoke(id);
        return { body: tokenView(d.tokens.get(id)!) };
      },
    },
  ];
}
