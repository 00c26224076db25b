/**
 * An endpoint under /api/v1 that needs the HTTP exchange itself rather than the JSON
 * RouteDef contract: the console's login, session and logout (cookies, the client's
 * address) and the event stream (a response that stays open). In the OpenAPI document
 * through `doc` (openapi-other-routes.ts); the server authenticates (`auth: 'principal'`: a bearer token or a session cookie,
 * CSRF checked for non-GET) before the handler runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiResult, Principal } from './api-types.js';
import type { RouteDoc } from './route-doc.js';

export interface HttpContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** auth 'principal': who is calling. */
  principal?: Principal;
  /** The `pbx_session` cookie's value as sent, if any. */
  sessionId?: string;
  /** The peer's address (IPv4-mapped IPv6 written as IPv4). */
  remoteAddress: string;
  /** The JSON body, with the API's limits and content-type rule (415, 413, 400). */
  readJson(): Promise<unknown>;
}

export interface HttpRoute {
  method: 'GET' | 'POST';
  /** Under /api/v1, e.g. '/login'. */
  path: string;
  auth: 'none' | 'principal';
  summary: string;
  /** Its OpenAPI description (request body, answers); without it the operation is listed with its summary only. */
  doc?: RouteDoc;
  /** An answer; or `{ streamed: true }` when the handler writes the response itself. */
  handler(ctx: HttpContext): ApiResult | Promise<ApiResult>;
}
