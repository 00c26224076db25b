import type { LiveCall } from '../../b2bua/b2bua.js';
import { notFound, type JsonSchema, type RouteDef } from '../api-types.js';
import { iso, ROLES_ADMIN, tenantOf, type TenantResourceDeps } from './tenant-resource-kit.js';

const CALL: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['callId', 'state', 'direction', 'to', 'startedAt'],
  properties: {
    callId: { type: 'string', description: "the PBX's id of the call (the key of its CDR)" },
    aLegCallId: { type: 'string' },
    state: { type: 'string', enum: ['routing', 'proceeding', 'answered', 'ending', 'ended'] },
    direction: { type: 'string', enum: ['internal', 'inbound', 'outbound'] },
    fromExt: { type: 'string' },
    to: { type: 'string' },
    answeredBy: { type: 'string' },
    trunk: { type: 'string' },
    did: { type: 'string' },
    fromNumber: { type: 'string' },
    toNumber: { type: 'string' },
    startedAt: { type: 'string', format: 'date-time' },
    answeredAt: { type: 'string', format: 'date-time' },
  },
};

export function liveCallView(c: LiveCall): Record<string, unknown> {
  return { ...c, startedAt: iso(c.startedAt), ...(c.answeredAt !== undefined ? { answeredAt: iso(c.answeredAt) } : {}) };
}

export function callRoutes(deps: TenantResourceDeps): RouteDef[] {
  const list: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/calls',
    roles: ROLES_ADMIN,
    tag: 'Calls',
    summary: 'Calls of the tenant that are up or being set up',
    response: { status: 200, schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: CALL } } } },
    handler(req) {
      const t = tenantOf(deps, req);
      return { body: { items: deps.calls.listCalls(t.id).map(liveCallView) } };
    },
  };

  const hangup: RouteDef = {
    method: 'DELETE',
    path: '/tenants/{tenantId}/calls/{callId}',
    roles: ROLES_ADMIN,
    tag: 'Calls',
    summary: 'Hang up a call (BYE to both sides with a Reason header)',
    query: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 128, description: 'text of the Reason header' } } },
    response: { status: 204 },
    handler(req) {
      const t = tenantOf(deps, req);
      const callId = req.params['callId'] ?? '';
      const reason = req.query['reason'] ?? `Terminated by the administrator`;
      if (!deps.calls.hangup(t.id, callId, reason)) throw notFound();
      t.store.appendAudit({ at: deps.clock.now(), actor: req.principal.tokenId, action: 'call.hangup', target: callId, details: { reason } });
      return { status: 204 };
    },
  };
  return [list, hangup];
}
