/**
 * The OpenAPI operations of the endpoints outside the RouteDef contract: the console's
 * HttpRoutes under /api/v1 (login, session, logout, the event stream) and the RawRoutes
 * (the document itself under /api/v1; /metrics, /healthz, /readyz and / beside it, whose
 * path items carry their own `servers: [{ url: '/' }]`, OpenAPI 3.1 §4.8.9). Each is marked
 * `x-route-kind` so a client can tell them from the role-checked JSON routes.
 */
import type { JsonSchema, RawRoute } from './api-types.js';
import type { HttpRoute } from './http-route.js';
import type { RouteDoc } from './route-doc.js';

export interface OtherOperation {
  /** As a key of `paths`: relative to /api/v1, or the absolute path for one outside it. */
  path: string;
  method: string;
  /** Outside /api/v1: the path item says `servers: [{ url: '/' }]`. */
  outsidePrefix: boolean;
  op: Record<string, unknown>;
}

/** A bearer token or the console's session cookie (with X-CSRF-Token on a mutating request). */
const EITHER = [{ bearer: [] }, { session: [] }];

function responsesOf(doc: RouteDoc | undefined, fallback: string): Record<string, unknown> {
  if (!doc) return { default: { description: fallback } };
  const out: Record<string, unknown> = {};
  for (const [status, a] of Object.entries(doc.responses)) {
    const r: Record<string, unknown> = { description: a.description };
    if (a.schema || a.contentType) r['content'] = { [a.contentType ?? 'application/json']: { schema: a.schema ?? ({ type: 'string' } as JsonSchema) } };
    if (a.headers) r['headers'] = Object.fromEntries(Object.entries(a.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]));
    out[status] = r;
  }
  return out;
}

function operation(kind: 'http' | 'raw', id: string, summary: string, doc: RouteDoc | undefined, security: unknown[], roles?: string[]): Record<string, unknown> {
  const op: Record<string, unknown> = {
    operationId: id,
    tags: [doc?.tag ?? (kind === 'http' ? 'console' : 'service')],
    summary,
    security,
    'x-route-kind': kind,
    responses: responsesOf(doc, summary),
  };
  if (roles) op['x-roles'] = roles;
  if (doc?.body) op['requestBody'] = { required: true, content: { 'application/json': { schema: doc.body } } };
  return op;
}

export function httpOperation(r: HttpRoute, opId: (method: string, path: string) => string): OtherOperation {
  return {
    path: r.path,
    method: r.method.toLowerCase(),
    outsidePrefix: false,
    op: operation('http', opId(r.method, r.path), r.summary, r.doc, r.auth === 'none' ? [] : EITHER),
  };
}

export function rawOperation(r: RawRoute, prefix: string, opId: (method: string, path: string) => string): OtherOperation {
  const inside = r.path === prefix || r.path.startsWith(prefix + '/');
  const path = inside ? r.path.slice(prefix.length) || '/' : r.path;
  return {
    path,
    method: r.method.toLowerCase(),
    outsidePrefix: !inside,
    op: operation('raw', opId(r.method, inside ? path : `/root${r.path}`), r.summary ?? `${r.method} ${r.path}`, r.doc, r.auth === 'none' ? [] : EITHER, r.auth === 'provider' ? ['provider'] : undefined),
  };
}
