/**
 * Call pickup groups and park slots of a tenant (issue 12): GET/PUT .../pickup-groups (the
 * same check as the YAML's `pickupGroups:`; a file-managed tenant: 409), and GET .../park
 * (its slots, set in the YAML or at apply, each idle or busy now: what a busy-lamp field
 * shows for "park:701"). Everything is looked up in the request's tenant only.
 */
import type { ParkSlotsPort } from '../../b2bua/call-park.js';
import { parkSlots } from '../../model/park-settings.js';
import { readParkSettings } from '../../tenant/park-setting.js';
import { PICKUP_GROUPS_SETTING, readPickupGroups, validatePickupGroupsSpec } from '../../tenant/pickup-group-setting.js';
import type { JsonSchema, RouteDef } from '../api-types.js';
import { checked, ROLES_ADMIN, tenantOf, writeMeta, type TenantResourceDeps } from './tenant-resource-kit.js';

const TAG = 'Pickup and park';

const GROUPS: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['pickupGroups'],
  properties: {
    pickupGroups: {
      type: 'object',
      description: 'group name (1-32 of A-Z a-z 0-9 _ -) → member extensions; *8 from a member picks up a call ringing another member',
      additionalProperties: { type: 'array', items: { type: 'string' }, maxItems: 500 },
      maxProperties: 200,
    },
  },
};

const PARK: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['slots'],
  properties: {
    timeoutSeconds: { type: 'integer' },
    fallback: { type: 'object', description: 'an extension or a ring group (typed destination)' },
    slots: {
      type: 'array',
      description: 'empty: the tenant has no park slots',
      items: { type: 'object', additionalProperties: false, required: ['slot', 'state'], properties: { slot: { type: 'string' }, state: { type: 'string', enum: ['idle', 'busy'] } } },
    },
  },
};

export function pickupParkRoutes(deps: TenantResourceDeps & { parkSlots?: ParkSlotsPort }): RouteDef[] {
  const path = '/tenants/{tenantId}/pickup-groups';
  const get: RouteDef = {
    method: 'GET',
    path,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "The tenant's call pickup groups",
    response: { status: 200, schema: GROUPS },
    handler(req) {
      return { body: { pickupGroups: readPickupGroups(tenantOf(deps, req).store) } };
    },
  };
  const put: RouteDef<{ pickupGroups: Record<string, string[]> }> = {
    method: 'PUT',
    path,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "Replace the tenant's call pickup groups (members must be its extensions; 422 lists each problem)",
    body: GROUPS,
    response: { status: 200, schema: GROUPS },
    handler(req) {
      const t = tenantOf(deps, req);
      const meta = writeMeta(deps, req, 'pickupGroups.set', 'pickupGroups');
      const groups = checked((bad) => validatePickupGroupsSpec(req.body.pickupGroups, t.store.listExtensions().map((e) => e.ext), (p, m) => bad(`/${p.replace(/\./g, '/')}`, m)));
      t.store.setSetting(PICKUP_GROUPS_SETTING, JSON.stringify(groups ?? {}));
      if (meta.audit) t.store.appendAudit({ at: meta.now, ...meta.audit });
      return { body: { pickupGroups: readPickupGroups(t.store) } };
    },
  };
  const park: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/park',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "The tenant's park slots, each idle or busy now, with the timeout and fallback",
    response: { status: 200, schema: PARK },
    handler(req) {
      const t = tenantOf(deps, req);
      const s = readParkSettings(t.store);
      if (!s) return { body: { slots: [] } };
      const slots = parkSlots(s).map((slot) => ({ slot, state: deps.parkSlots?.state(t.id, slot) ?? 'idle' }));
      return { body: { timeoutSeconds: s.timeoutSeconds, ...(s.fallback ? { fallback: s.fallback } : {}), slots } };
    },
  };
  return [get, put, park];
}
