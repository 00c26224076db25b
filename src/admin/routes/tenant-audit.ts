import type { AuditEntry } from '../../store/tenant-store.js';
import type { JsonSchema, RouteDef } from '../api-types.js';
import { CURSOR_PARAM, decodeCursor, encodeCursor, iso, LIMIT_PARAM, pageSize, parseTime, ROLES_ADMIN, tenantOf, TIME_PARAM, type TenantResourceDeps } from './tenant-resource-kit.js';

/** Below the store's own cap (AUDIT_LIST_MAX), so one more row than a page says whether another follows. */
const AUDIT_PAGE_MAX = 500;

const ENTRY: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'at', 'actor', 'action', 'target'],
  properties: {
    id: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
    actor: { type: 'string', description: 'the API token id' },
    action: { type: 'string' },
    target: { type: 'string' },
    details: { description: 'what changed (never a secret)' },
  },
};

export function auditView(e: AuditEntry): Record<string, unknown> {
  return { id: e.id, at: iso(e.at), actor: e.actor, action: e.action, target: e.target, ...(e.details !== undefined ? { details: e.details } : {}) };
}

export function auditRoutes(deps: TenantResourceDeps): RouteDef[] {
  const list: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/audit',
    roles: ROLES_ADMIN,
    tag: 'Audit',
    summary: 'Who changed what in the tenant, and when; newest first',
    query: {
      type: 'object',
      additionalProperties: false,
      properties: { from: TIME_PARAM, to: TIME_PARAM, action: { type: 'string', maxLength: 64 }, limit: LIMIT_PARAM(AUDIT_PAGE_MAX), cursor: CURSOR_PARAM },
    },
    response: {
      status: 200,
      schema: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: ENTRY }, nextCursor: { type: ['string', 'null'] } } },
    },
    handler(req) {
      const t = tenantOf(deps, req);
      const limit = pageSize(req.query['limit'], 100, AUDIT_PAGE_MAX);
      const since = parseTime('from', req.query['from']);
      const until = parseTime('to', req.query['to']);
      const cursor = decodeCursor(req.query['cursor'], 1);
      const action = req.query['action'];
      const rows = t.store.listAudit({
        limit: limit + 1,
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(cursor ? { beforeId: cursor[0]! } : {}),
        ...(action !== undefined ? { action } : {}),
      });
      const page = rows.slice(0, limit);
      return { body: { items: page.map(auditView), nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1]!.id]) : null } };
    },
  };
  return [list];
}
