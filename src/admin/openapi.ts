import type { JsonSchema, RawRoute, RouteDef } from './api-types.js';
import { ConditionalRequests } from './conditional-requests.js';
import { IF_MATCH_PARAMETER, PRECONDITION_FAILED, TAG_HEADERS } from './etag-openapi.js';
import type { HttpRoute } from './http-route.js';
import { httpOperation, rawOperation } from './openapi-other-routes.js';
import { templateParams } from './route-table.js';
import { ERROR, PATH_PARAMS, VALIDATION_ERROR } from './schemas.js';

/** Where the API lives; route templates are relative to it. */
export const API_PREFIX = '/api/v1';

export interface OpenApiInfo {
  title?: string;
  version?: string;
  description?: string;
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };

function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: ERROR_REF } } };
}

/** 'GET /tenants/{tenantId}/dids' → 'getTenantsByTenantIdDids'. */
export function operationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((s) => (s.startsWith('{') ? `by-${s.slice(1, -1)}` : s))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** The endpoints registered beside the RouteDefs: the console's HttpRoutes and the RawRoutes. */
export interface OtherRoutes {
  http?: readonly HttpRoute[];
  raw?: readonly RawRoute[];
}

/**
 * The OpenAPI 3.1 document of a list of routes, generated (never kept by hand): paths,
 * path parameters from the templates, query parameters from the query schemas, request
 * bodies, the answer and the refusals each route can give, tags, bearer security, and
 * the roles allowed per operation as `x-roles`; then the other endpoints (`more`: login,
 * session, logout, events, this document, metrics and health) from their `doc`.
 */
export function openApiDocument(routes: readonly RouteDef<any>[], info: OpenApiInfo = {}, more: OtherRoutes = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Set<string>();
  const conditional = new ConditionalRequests(routes);
  for (const r of routes) {
    tags.add(r.tag);
    const parameters: unknown[] = [];
    for (const name of templateParams(r.path)) {
      parameters.push({ name, in: 'path', required: true, schema: r.params?.[name] ?? PATH_PARAMS[name] ?? { type: 'string' } });
    }
    if (r.query) {
      const props = (r.query['properties'] ?? {}) as Record<string, JsonSchema>;
      const required = new Set((r.query['required'] as string[] | undefined) ?? []);
      for (const [name, schema] of Object.entries(props)) {
        const p: Record<string, unknown> = { name, in: 'query', required: required.has(name), schema };
        if (typeof schema['description'] === 'string') p['description'] = schema['description'];
        parameters.push(p);
      }
    }
    const ok: Record<string, unknown> = { description: r.response.description ?? 'OK' };
    if (r.response.schema) ok['content'] = { [r.response.contentType ?? 'application/json']: { schema: r.response.schema } };
    else if (r.response.contentType) ok['content'] = { [r.response.contentType]: { schema: { type: 'string' } } };
    const responses: Record<string, unknown> = { [String(r.response.status)]: ok };
    // Optimistic concurrency (conditional-requests.ts): the ETag of GET, If-Match and 412 on writes.
    if (conditional.tagged(r.path)) {
      if (r.method === 'GET' || r.method === 'PUT' || r.method === 'PATCH') ok['headers'] = TAG_HEADERS;
      if (r.method !== 'GET') {
        parameters.push(IF_MATCH_PARAMETER);
        responses['412'] = PRECONDITION_FAILED;
      }
    }
    responses['401'] = errorResponse('No token, or an invalid or revoked one');
    responses['403'] = errorResponse(`The token may see this but its role may not do it (allowed: ${r.roles.join(', ')})`);
    responses['404'] = errorResponse('Not found, or not in the token\'s scope (the same answer for both)');
    if (r.query || r.body || r.summary.includes('422')) {
      responses['422'] = {
        description: 'The query, the body or the path does not pass its rules (the same rules as the tenant YAML): details lists each problem as { path (JSON pointer), message }',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ValidationError' } } },
      };
    }
    if (r.body) {
      responses['400'] = errorResponse('The body is not JSON');
      responses['415'] = errorResponse('The body is not application/json in UTF-8 (a charset other than utf-8 is refused)');
      responses['413'] = errorResponse('The body is larger than 1 MiB');
    }
    if (r.rawBody) {
      responses['413'] = errorResponse('The body is larger than api.uploadLimitMB (default 20 MiB)');
      responses['415'] = errorResponse(`The body is not ${r.rawBody.contentTypes.join(' or ')}`);
    }
    const op: Record<string, unknown> = {
      operationId: operationId(r.method, r.path),
      tags: [r.tag],
      summary: r.summary,
      'x-roles': [...r.roles],
      responses,
    };
    if (parameters.length > 0) op['parameters'] = parameters;
    if (r.body) op['requestBody'] = { required: true, content: { 'application/json': { schema: r.body } } };
    if (r.rawBody) {
      op['requestBody'] = {
        required: true,
        description: r.rawBody.description,
        content: Object.fromEntries(r.rawBody.contentTypes.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
      };
    }
    (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  const others = [...(more.http ?? []).map((r) => httpOperation(r, operationId)), ...(more.raw ?? []).map((r) => rawOperation(r, API_PREFIX, operationId))];
  for (const o of others) {
    const item = (paths[o.path] ??= o.outsidePrefix ? { servers: [{ url: '/' }] } : {});
    // A path outside /api/v1 and one inside it cannot share a key of `paths`: say so rather than mix them.
    if ((item['servers'] !== undefined) !== o.outsidePrefix) throw new Error(`OpenAPI: ${o.path} is both under ${API_PREFIX} and beside it`);
    if (item[o.method] !== undefined) throw new Error(`OpenAPI: ${o.method.toUpperCase()} ${o.path} is registered twice`);
    item[o.method] = o.op;
  }
  for (const o of others) for (const t of o.op['tags'] as string[]) tags.add(t);
  return {
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'pbx provider administration API',
      version: info.version ?? '1',
      description:
        info.description ??
        'Bearer tokens: `pbx_<id>_<secret>` (or api.adminToken of pbx.yaml). Every operation lists the roles it allows in `x-roles`. ' +
          'A tenant-scoped token gets 404 for anything outside its tenant (or, for a user token, outside its extension): the same answer as for something that does not exist.',
    },
    servers: [{ url: API_PREFIX }],
    security: [{ bearer: [] }, { session: [] }],
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'pbx_<id>_<secret>' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'pbx_session',
          description: 'The console session (POST /login sets it); every request but GET, HEAD and OPTIONS also sends the session\'s csrfToken as X-CSRF-Token',
        },
      },
      schemas: { Error: ERROR, ValidationError: VALIDATION_ERROR },
    },
  };
}

/**
 * GET /api/v1/openapi.json as a raw route. Public (auth 'none'): it describes the API's
 * surface, which is no secret, and holds no tenant data; tools fetch it without a token.
 * `routes` and `more` are read on the first request, so lists completed after this call are served whole.
 */
export function openApiRoute(routes: readonly RouteDef<any>[], info?: OpenApiInfo, more: () => OtherRoutes = () => ({})): RawRoute {
  let text: string | undefined;
  return {
    method: 'GET',
    path: `${API_PREFIX}/openapi.json`,
    auth: 'none',
    summary: 'This document (OpenAPI 3.1)',
    doc: { tag: 'service', responses: { 200: { description: 'The OpenAPI document of every endpoint the server answers', schema: { type: 'object', required: ['openapi', 'info', 'paths'] } } } },
    handler: () => ({ status: 200, text: (text ??= JSON.stringify(openApiDocument(routes, info, more()))), contentType: 'application/json' }),
  };
}
