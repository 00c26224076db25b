import type { JsonSchema, RawRoute, RouteDef } from './api-types.js';
import { ConditionalRequests } from './conditional-requests.js';
import { IF_MATCH_PARAMETER, PRECONDITION_FAILED, TAG_HEADERS } from './etag-openapi.js';
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

/**
 * The OpenAPI 3.1 document of a list of routes, generated (never kept by hand): paths,
 * path parameters from the templates, query parameters from the query schemas, request
 * bodies, the answer and the refusals each route can give, tags, bearer security, and
 * the roles allowed per operation as `x-roles`.
 */
export function openApiDocument(routes: readonly RouteDef<any>[], info: OpenApiInfo = {}): Record<string, unknown> {
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
    security: [{ bearer: [] }],
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'pbx_<id>_<secret>' } },
      schemas: { Error: ERROR, ValidationError: VALIDATION_ERROR },
    },
  };
}

/**
 * GET /api/v1/openapi.json as a raw route. Public (auth 'none'): it describes the API's
 * surface, which is no secret, and holds no tenant data; tools fetch it without a token.
 * `routes` is read on the first request, so a list completed after this call is served whole.
 */
export function openApiRoute(routes: readonly RouteDef<any>[], info?: OpenApiInfo): RawRoute {
  let text: string | undefined;
  return {
    method: 'GET',
    path: `${API_PREFIX}/openapi.json`,
    auth: 'none',
    handler: () => ({ status: 200, text: (text ??= JSON.stringify(openApiDocument(routes, info))), contentType: 'application/json' }),
  };
}
