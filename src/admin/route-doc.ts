/**
 * How an endpoint outside the RouteDef contract (an HttpRoute: login, session, logout,
 * events; a RawRoute: the OpenAPI document, metrics, health) appears in the OpenAPI
 * document: its group, request body and every answer it gives.
 */
import type { JsonSchema } from './api-types.js';

export interface RouteDocAnswer {
  description: string;
  /** The body's schema (JSON unless contentType says otherwise). */
  schema?: JsonSchema;
  contentType?: string;
  /** Response headers worth knowing (Set-Cookie, Retry-After), name → description. */
  headers?: Record<string, string>;
}

export interface RouteDoc {
  tag: string;
  /** A JSON request body. */
  body?: JsonSchema;
  /** By status code. */
  responses: Record<number, RouteDocAnswer>;
}
