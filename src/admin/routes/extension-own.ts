import type { RouteDef } from '../api-types.js';
import { notFound } from '../api-types.js';
import { CDR, CDR_PAGE_MAX, cdrView } from './tenant-cdrs.js';
import { REGISTRATION, registrationView } from './tenant-registrations.js';
import { CURSOR_PARAM, decodeCursor, encodeCursor, LIMIT_PARAM, pageSize, ROLES_WITH_USER, tenantOf, type TenantResourceDeps } from './tenant-resource-kit.js';

const PATH = '/tenants/{tenantId}/extensions/{ext}';

/**
 * One extension's own call records and registered devices, for its user (the web console's
 * "my calls" and "my devices"): the tenant-wide lists are the admin's, these are scoped by
 * the {ext} of the path, which a user principal can only name as itself (run-route.ts).
 */
export function extensionOwnRoutes(deps: TenantResourceDeps): RouteDef[] {
  const extOf = (req: { params: Record<string, string> }, t: ReturnType<typeof tenantOf>): string => {
    const ext = req.params['ext']!;
    if (!t.store.getExtension(ext)) throw notFound();
    return ext;
  };

  const cdrs: RouteDef = {
    method: 'GET',
    path: `${PATH}/cdrs`,
    roles: ROLES_WITH_USER,
    tag: 'CDRs',
    summary: 'The call records of one extension (calls it made or took), newest first, a page at a time (a user: its own)',
    query: { type: 'object', additionalProperties: false, properties: { limit: LIMIT_PARAM(CDR_PAGE_MAX), cursor: CURSOR_PARAM } },
    response: { status: 200, schema: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: CDR }, nextCursor: { type: ['string', 'null'] } } } },
    handler(req) {
      const t = tenantOf(deps, req);
      const ext = extOf(req, t);
      const limit = pageSize(req.query['limit'], 100, CDR_PAGE_MAX);
      const cursor = decodeCursor(req.query['cursor'], 2);
      const rows = t.store.listCdrs({ newestFirst: true, ext, limit: limit + 1, ...(cursor ? { after: { startedAt: cursor[0]!, id: cursor[1]! } } : {}) });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { body: { items: page.map(cdrView), nextCursor: rows.length > limit && last ? encodeCursor([last.startedAt, last.id]) : null } };
    },
  };

  const registrations: RouteDef = {
    method: 'GET',
    path: `${PATH}/registrations`,
    roles: ROLES_WITH_USER,
    tag: 'Registrations',
    summary: 'The devices registered as one extension right now (a user: its own)',
    response: { status: 200, schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: REGISTRATION } } } },
    handler(req) {
      const t = tenantOf(deps, req);
      const ext = extOf(req, t);
      const now = deps.clock.now();
      return { body: { items: t.store.getBindings(ext).filter((b) => b.expiresAt > now).map((b) => registrationView(b, now)) } };
    },
  };

  return [cdrs, registrations];
}
