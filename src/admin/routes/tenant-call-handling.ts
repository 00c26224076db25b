/**
 * An extension's forwards and do-not-disturb (GET/PUT .../extensions/{ext}/call-handling; a
 * user token reaches only its own extension: run-route.ts answers 404 for any other), and
 * the tenant's feature codes (GET .../feature-codes; GET .../extensions/{ext}/feature-codes for a user).
 *
 * Call handling is a user's own state, like what they set from a phone with *72: it may be
 * changed through the API for a file-managed tenant too. The tenant file's `forward:`/`dnd:`
 * of an extension overwrite it only when the file changes what it says for that extension
 * (src/store/call-handling-table.ts).
 */
import { setCallHandling, type RouteOutbound } from '../../apps/forwarding/call-handling-service.js';
import { callHandlingSpec, type CallHandlingSpec } from '../../model/call-handling.js';
import { featureCodeTableOf } from '../../tenant/feature-codes.js';
import { notFound, type JsonSchema, type RouteDef } from '../api-types.js';
import { DESTINATION_SCHEMA } from '../destination-schema.js';
import { invalid, PROBLEMS_DESCRIPTION, ROLES_ADMIN, ROLES_WITH_USER, tenantOf, type TenantResourceDeps } from './tenant-resource-kit.js';

const TAG = 'Call handling';

const CALL_HANDLING: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dnd: { type: 'boolean', description: 'do not disturb: calls go to voicemail (or busy) without ringing' },
    forward: {
      type: 'object',
      additionalProperties: false,
      properties: {
        always: DESTINATION_SCHEMA,
        busy: DESTINATION_SCHEMA,
        noAnswer: {
          type: 'object',
          additionalProperties: false,
          required: ['to'],
          properties: { to: DESTINATION_SCHEMA, after: { type: 'integer', description: 'seconds of ringing first (5-300, default 20)' } },
        },
        unavailable: DESTINATION_SCHEMA,
      },
    },
  },
};

const FEATURE_CODES: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['featureCodes'],
  properties: {
    featureCodes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'code', 'default', 'arg', 'inCall'],
        properties: {
          id: { type: 'string' },
          code: { type: ['string', 'null'], description: 'null: disabled for this tenant' },
          default: { type: 'string' },
          arg: { type: 'boolean', description: 'dialled with digits after it (a number to forward to)' },
          inCall: { type: 'boolean', description: 'pressed during a call rather than dialled' },
        },
      },
    },
  },
};

/** Outside forwards refused: no routing ports were wired. */
const NO_ROUTES: RouteOutbound = () => ({ kind: 'refused', status: 503, reason: 'outside forwards are not available on this server' });

export function callHandlingRoutes(deps: TenantResourceDeps): RouteDef[] {
  const path = '/tenants/{tenantId}/extensions/{ext}/call-handling';
  const get: RouteDef = {
    method: 'GET',
    path,
    roles: ROLES_WITH_USER,
    tag: TAG,
    summary: "An extension's forwards and do-not-disturb (a user token: its own)",
    response: { status: 200, schema: CALL_HANDLING },
    handler(req) {
      const t = tenantOf(deps, req);
      const ext = req.params['ext'] ?? '';
      if (!t.store.getExtension(ext)) throw notFound();
      return { body: callHandlingSpec(t.store.callHandling.get(ext)) };
    },
  };

  const put: RouteDef<CallHandlingSpec> = {
    method: 'PUT',
    path,
    roles: ROLES_WITH_USER,
    tag: TAG,
    summary: "Replace an extension's forwards and do-not-disturb (a user token: its own). A forward to an outside number needs the extension's class of service to allow it. " + PROBLEMS_DESCRIPTION,
    body: CALL_HANDLING,
    response: { status: 200, schema: CALL_HANDLING },
    handler(req) {
      const t = tenantOf(deps, req);
      const ext = req.params['ext'] ?? '';
      if (!t.store.getExtension(ext)) throw notFound();
      const ports = { routeOutbound: deps.routeOutbound ?? NO_ROUTES, ...(deps.promptExists ? { promptExists: deps.promptExists.bind(deps) } : {}) };
      const r = setCallHandling(ports, t, ext, req.body, { now: deps.clock.now(), actor: req.principal.tokenId });
      if (!r.ok) {
        if (r.notFound) throw notFound();
        throw invalid(r.problems);
      }
      return { body: callHandlingSpec(r.handling) };
    },
  };

  const codesOf = (route: string, roles: RouteDef['roles'], summary: string): RouteDef => ({
    method: 'GET',
    path: route,
    roles,
    tag: TAG,
    summary,
    response: { status: 200, schema: FEATURE_CODES },
    handler(req) {
      const t = tenantOf(deps, req);
      const ext = req.params['ext'];
      if (ext !== undefined && !t.store.getExtension(ext)) throw notFound();
      return { body: { featureCodes: featureCodeTableOf(t.store) } };
    },
  });
  // A user route is scoped by {ext} (run-route.ts): a user reads the codes its own phone dials.
  const codes = codesOf('/tenants/{tenantId}/feature-codes', ROLES_ADMIN, "The tenant's feature codes: each id with its code (null: disabled), its default, and whether it takes digits after it");
  const codesForExt = codesOf('/tenants/{tenantId}/extensions/{ext}/feature-codes', ROLES_WITH_USER, "The feature codes an extension dials (the tenant's; a user token: its own extension)");

  return [get, put, codes, codesForExt];
}
