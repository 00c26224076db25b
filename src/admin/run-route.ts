import { ApiError, validationError, type ApiResult, type Principal, type RawBody, type RouteDef } from './api-types.js';
import { templateParams } from './route-table.js';
import { coerceQuery, validateSchema } from './schema-validator.js';

/**
 * One call of a route once the caller is known: authorisation (tenant scope, role), the
 * query and the body checked against their schemas, then the handler. The HTTP server and
 * the CLI's in-process client both come through here, so both give the same answers.
 * `readBody` is asked only when the route takes a body, after the checks before it passed.
 */
export async function runRoute(
  route: RouteDef<any>,
  principal: Principal,
  params: Record<string, string>,
  query: Record<string, string>,
  readBody: () => unknown | Promise<unknown>,
  /** For a route with rawBody: the body unread (throws 415/413 when it cannot be taken). */
  rawBody?: () => RawBody,
  /** Runs after every check and just before the handler: the request's preconditions (If-Match). */
  precondition?: () => Promise<void>,
): Promise<ApiResult & { status: number }> {
  const refusal = authorize(route, principal, params);
  if (refusal) throw refusal;
  if (route.query) {
    const problems = validateSchema(route.query, coerceQuery(route.query, query));
    if (problems.length > 0) throw validationError(problems);
  }
  let body: unknown;
  if (route.body) {
    body = await readBody();
    const problems = validateSchema(route.body, body);
    if (problems.length > 0) throw validationError(problems);
  }
  let raw: RawBody | undefined;
  if (route.rawBody) {
    if (!rawBody) throw new ApiError(415, 'unsupported_media_type', 'this client cannot send a binary body');
    raw = rawBody();
  }
  if (precondition) await precondition();
  const out = await route.handler({ principal, params, query, body, ...(raw ? { raw } : {}) });
  return { ...out, status: out.status ?? route.response.status };
}

/**
 * Central authorisation, before any handler (DESIGN: every endpoint checks role and
 * tenant scope). Returns the refusal, or undefined when the principal may call the route:
 *  - provider: allowed iff the route lists 'provider' (else 403);
 *  - tenant-admin / user: a {tenantId} other than its own is 404; for a user token an
 *    {ext} other than its own is 404 (it must not learn what exists there); then a role
 *    the route does not list is 403.
 */
export function authorize(route: Pick<RouteDef, 'roles' | 'path'>, principal: Principal, params: Record<string, string>): ApiError | undefined {
  if (principal.role !== 'provider') {
    const names = templateParams(route.path);
    if (names.includes('tenantId') && params['tenantId'] !== principal.tenantId) return new ApiError(404, 'not_found', 'not found');
    if (principal.role === 'user' && names.includes('ext') && params['ext'] !== principal.ext) return new ApiError(404, 'not_found', 'not found');
  }
  if (!route.roles.includes(principal.role)) return new ApiError(403, 'forbidden', `a ${principal.role} token may not do this`);
  return undefined;
}
