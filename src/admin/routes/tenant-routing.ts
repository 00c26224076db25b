import { CLASSES_OF_SERVICE, type ClassOfService, type RoutingPlan } from '../../model/routing-plan.js';
import type { RoutingSpec } from '../../tenant/routing-spec.js';
import type { JsonSchema, RouteDef } from '../api-types.js';
import { DESTINATION_SCHEMA } from '../destination-schema.js';
import { writeRouting } from './routing-write.js';
import { PROBLEMS_DESCRIPTION, ROLES_ADMIN, tenantOf, type TenantResourceDeps } from './tenant-resource-kit.js';

const TAG = 'Routing';
const PATH = '/tenants/{tenantId}/routing';

const DESTINATION: JsonSchema = DESTINATION_SCHEMA;

const RING_GROUP: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'strategy', 'members', 'ringSeconds'],
  properties: {
    name: { type: 'string' },
    strategy: { type: 'string', enum: ['simultaneous', 'sequential'] },
    members: { type: 'array', items: { type: 'string' } },
    ringSeconds: { type: 'integer' },
    fallback: DESTINATION,
  },
};

const INBOUND_ROUTE: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['did', 'destination'],
  properties: { did: { type: 'string', description: "one of the tenant's DIDs (E.164), or '*'" }, destination: DESTINATION },
};

const OUTBOUND_ROUTE: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'patterns', 'trunks'],
  properties: {
    name: { type: 'string' },
    patterns: { type: 'array', items: { type: 'string' } },
    strip: { type: 'integer' },
    prepend: { type: 'string' },
    trunks: { type: 'array', items: { type: 'string' }, description: "the tenant's own trunks or provider trunks open to it, tried in order" },
  },
};

const ROUTING_PROPERTIES = {
  countryCode: { type: 'string', description: "ITU country code without '+'; '' for none" },
  nationalPrefix: { type: 'string' },
  callerId: { type: ['string', 'null'], description: 'default outbound caller ID (E.164)' },
  inboundCos: { type: ['string', 'null'], enum: [...CLASSES_OF_SERVICE, null], description: 'class of service of trunk calls a destination sends to an outside number; null: internal (refused)' },
  auth: {
    type: ['object', 'null'],
    additionalProperties: false,
    required: ['algorithms'],
    description: "digest algorithms its challenges offer, in order; null: the server's (pbx.yaml auth.algorithms)",
    properties: { algorithms: { type: 'array', items: { type: 'string', enum: ['SHA-256', 'MD5'] }, minItems: 1, maxItems: 2 } },
  },
  ringGroups: { type: 'array', items: RING_GROUP },
  inboundRoutes: { type: 'array', items: INBOUND_ROUTE },
  outboundRoutes: { type: 'array', items: OUTBOUND_ROUTE },
};

const ROUTING_VIEW: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['countryCode', 'nationalPrefix', 'callerId', 'inboundCos', 'auth', 'dids', 'ringGroups', 'inboundRoutes', 'outboundRoutes'],
  properties: { ...ROUTING_PROPERTIES, dids: { type: 'array', items: { type: 'string' }, description: 'assigned by the provider; read-only here' } },
};

/** PUT: the whole document, like the YAML; an absent field takes the YAML's default (none, or '0' for nationalPrefix). */
const ROUTING_BODY: JsonSchema = { type: 'object', additionalProperties: false, properties: ROUTING_PROPERTIES };

export type RoutingBody = Pick<RoutingSpec, 'countryCode' | 'nationalPrefix' | 'ringGroups' | 'inboundRoutes' | 'outboundRoutes'> & { callerId?: string | null; inboundCos?: ClassOfService | null; auth?: RoutingSpec['auth'] | null };

export function routingView(p: RoutingPlan): Record<string, unknown> {
  return {
    countryCode: p.countryCode,
    nationalPrefix: p.nationalPrefix,
    callerId: p.callerId ?? null,
    inboundCos: p.inboundCos ?? null,
    auth: p.auth ?? null,
    dids: p.dids,
    ringGroups: p.ringGroups,
    inboundRoutes: p.inboundRoutes,
    outboundRoutes: p.outboundRoutes,
  };
}

export function routingRoutes(deps: TenantResourceDeps): RouteDef[] {
  const get: RouteDef = {
    method: 'GET',
    path: PATH,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Numbering, ring groups, inbound and outbound routes (trunks: /trunks)',
    response: { status: 200, schema: ROUTING_VIEW },
    handler(req) {
      return { body: routingView(tenantOf(deps, req).store.getRoutingPlan()) };
    },
  };

  const put: RouteDef<RoutingBody> = {
    method: 'PUT',
    path: PATH,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Replace numbering, ring groups and routes (checked exactly as the tenant YAML; DIDs and trunks stay)',
    body: ROUTING_BODY,
    response: { status: 200, schema: ROUTING_VIEW, description: PROBLEMS_DESCRIPTION },
    handler(req) {
      const t = tenantOf(deps, req);
      const plan = t.store.getRoutingPlan();
      const b = req.body;
      const spec: RoutingSpec = {
        dids: plan.dids,
        trunks: plan.trunks,
        ...(b.countryCode !== undefined ? { countryCode: b.countryCode } : {}),
        ...(b.nationalPrefix !== undefined ? { nationalPrefix: b.nationalPrefix } : {}),
        ...(typeof b.callerId === 'string' ? { callerId: b.callerId } : {}),
        ...(typeof b.inboundCos === 'string' ? { inboundCos: b.inboundCos } : {}),
        ...(b.auth ? { auth: b.auth } : {}),
        ...(b.ringGroups !== undefined ? { ringGroups: b.ringGroups } : {}),
        ...(b.inboundRoutes !== undefined ? { inboundRoutes: b.inboundRoutes } : {}),
        ...(b.outboundRoutes !== undefined ? { outboundRoutes: b.outboundRoutes } : {}),
      };
      const out = writeRouting(deps, req, t, spec, 'routing.replace', 'routing');
      return { body: routingView(out.plan) };
    },
  };

  return [get, put] as RouteDef[];
}
