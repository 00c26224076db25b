/**
 * The contract every REST endpoint is written against (issue 5). A route is plain data:
 * method, path template, who may call it, the JSON Schemas of its query, body and answer,
 * and a handler. The server (api-server.ts) authenticates the bearer token, enforces the
 * role and the tenant scope BEFORE the handler runs, validates query and body against the
 * schemas, and the OpenAPI document (openapi.ts) is generated from the same definitions.
 */

import type { RouteDoc } from './route-doc.js';

/** provider: the super-admin and the tokens it creates; tenant-admin: one tenant; user: one extension. */
export type Role = 'provider' | 'tenant-admin' | 'user';

/** Who is calling, as established from the bearer token. */
export interface Principal {
  role: Role;
  /** The token's id ('admin' for api.adminToken from pbx.yaml); audit entries name it. */
  tokenId: string;
  /** tenant-admin and user tokens: the one tenant they reach. */
  tenantId?: string;
  /** user tokens: the one extension they reach. */
  ext?: string;
}

/**
 * A JSON Schema, draft 2020-12 (the dialect of OpenAPI 3.1), checked by ajv
 * (schema-validator.ts); x-problem gives a string field its own message. Nullable is a
 * type array (['string', 'null']).
 */
export type JsonSchema = { [key: string]: unknown };

export interface ApiRequest<B = unknown> {
  principal: Principal;
  /** Path parameters by name ({tenantId}, {ext}, …), already decoded. */
  params: Record<string, string>;
  /** Query parameters (first value of each), validated against route.query. */
  query: Record<string, string>;
  /** The JSON body, validated against route.body (undefined when the route takes none). */
  body: B;
  /** A route with `rawBody`: the body, not yet read (stream it with saveTo). */
  raw?: RawBody;
}

/**
 * A binary request body (route.rawBody), not read yet: the handler decides where it goes
 * once the tenant and the names are checked, and streams it there (never buffered whole).
 */
export interface RawBody {
  /** The media type sent (lower case, without parameters); one the route accepts. */
  contentType: string;
  /** Content-Length when the client sent one (a chunked body has none). */
  declaredBytes?: number;
  /** The server's cap for such bodies (api.uploadLimitMB). */
  limitBytes: number;
  /**
   * Streams the body into a new file at `path` (created exclusively, mode 0600), stopping
   * as soon as more than min(quotaBytes, limitBytes) arrived: then the partial file is
   * removed and BodyOverLimit says which limit it was. Resolves with the bytes written.
   */
  saveTo(path: string, quotaBytes?: number): Promise<number>;
}

/** A raw body went past the server's cap ('limit', 413) or the caller's quota ('quota'). */
export class BodyOverLimit extends Error {
  constructor(
    readonly which: 'limit' | 'quota',
    readonly maxBytes: number,
  ) {
    super(which === 'limit' ? `the body is larger than ${maxBytes} bytes` : `the body is larger than the ${maxBytes} bytes of storage left`);
    this.name = 'BodyOverLimit';
  }
}

/** What a handler answers: JSON (body), or text (e.g. CSV, YAML) with its content type. */
export interface ApiResult {
  /** Default: the route's response.status. */
  status?: number;
  body?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /**
   * A file streamed as the answer (a recording), with Content-Length; the server answers a
   * simple `Range: bytes=a-b` with 206 (RFC 9110 §14). The handler named the path.
   */
  file?: { path: string; size: number };
  /** The handler wrote the response itself (an event stream): the server sends nothing. */
  streamed?: boolean;
}

export interface RouteDef<B = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * Path template under /api/v1, OpenAPI style: '/tenants/{tenantId}/extensions/{ext}'.
   * A {tenantId} parameter makes the route tenant-scoped: a tenant-admin or user token of
   * another tenant gets 404 (never 403: it must not learn that the tenant exists). An {ext}
   * parameter likewise scopes user tokens to their own extension.
   */
  path: string;
  /** Roles allowed. A principal that can see the tenant but lacks the role gets 403. */
  roles: readonly Role[];
  /** OpenAPI tag (group) and one-line summary. */
  tag: string;
  summary: string;
  /**
   * Schemas of the path parameters by name, for the OpenAPI document; a parameter not
   * listed gets the shared one of its name (schemas.ts PATH_PARAMS) or a plain string.
   */
  params?: Record<string, JsonSchema>;
  query?: JsonSchema;
  body?: JsonSchema;
  /**
   * The route takes a binary body of one of these media types (e.g. audio/wav) instead of
   * JSON: another type is 415, a body past api.uploadLimitMB 413; the handler gets req.raw.
   */
  rawBody?: { contentTypes: readonly string[]; description: string };
  response: { status: number; schema?: JsonSchema; contentType?: string; description?: string };
  handler(req: ApiRequest<B>): ApiResult | Promise<ApiResult>;
}

/**
 * A refusal with its HTTP status and a stable machine code, e.g.
 * new ApiError(409, 'limit_exceeded', 'limits.extensions is 10; the tenant has 10').
 * The server answers { error: { code, message, details } }.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers (e.g. Allow on 405, WWW-Authenticate on 401). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The one answer for "not yours or not there": identical for both, so nothing leaks. */
export function notFound(what = 'not found'): ApiError {
  return new ApiError(404, 'not_found', what);
}

/**
 * An endpoint outside /api/v1 (GET /metrics, /healthz, /readyz): not in the OpenAPI
 * document's API surface, answered as text. `auth: 'provider'` needs a provider token.
 */
export interface RawRoute {
  method: 'GET';
  path: string;
  auth: 'none' | 'provider';
  /** One line for the OpenAPI document (openapi-other-routes.ts). */
  summary?: string;
  doc?: RouteDoc;
  handler(): ApiResult | Promise<ApiResult>;
}

/** One problem of a 422: where (a JSON pointer into what was sent) and what. */
export interface ValidationProblem {
  path: string;
  message: string;
}

/**
 * A YAML-style path ('extensions[0].ha1.realm', as the tenant spec checks report them)
 * as a JSON pointer ('/extensions/0/ha1/realm'); a pointer is returned as it is.
 */
export function toJsonPointer(path: string): string {
  if (path === '' || path.startsWith('/')) return path;
  return '/' + path.replace(/\[(\d+)\]/g, '.$1').split('.').filter((t) => t !== '').map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/**
 * The one 422 of the API (schemas.ts VALIDATION_ERROR), code validation_failed: `details` is the list of
 * problems, each with a JSON pointer; the message repeats the first five as text.
 */
export function validationError(problems: readonly ValidationProblem[]): ApiError {
  const details = problems.map((p) => ({ path: toJsonPointer(p.path), message: p.message }));
  const text = details
    .slice(0, 5)
    .map((p) => `${p.path || '(body)'}: ${p.message}`)
    .join('; ');
  return new ApiError(422, 'validation_failed', details.length > 5 ? `${text}; and ${details.length - 5} more` : text, details);
}
