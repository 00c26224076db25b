import type { BindingRow } from '../../store/binding-row.js';
import type { JsonSchema, RouteDef } from '../api-types.js';
import { iso, ROLES_ADMIN, tenantOf, type TenantResourceDeps } from './tenant-resource-kit.js';

export const REGISTRATION: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ext', 'contact', 'source', 'expiresAt', 'expiresIn', 'userAgent'],
  properties: {
    ext: { type: 'string' },
    contact: { type: 'string' },
    source: {
      type: 'object',
      additionalProperties: false,
      required: ['protocol', 'address', 'port'],
      properties: { protocol: { type: 'string', enum: ['udp', 'tcp', 'tls'] }, address: { type: 'string' }, port: { type: 'integer' } },
    },
    expiresAt: { type: 'string', format: 'date-time' },
    expiresIn: { type: 'integer', description: 'seconds left' },
    userAgent: { type: ['string', 'null'] },
    instance: { type: 'string', description: '+sip.instance (RFC 5626)' },
    path: { type: 'array', items: { type: 'string' }, description: 'Path of the proxy the contact registered through (RFC 3327; a cluster edge)' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

export function registrationView(b: BindingRow, now: number): Record<string, unknown> {
  return {
    ext: b.aor,
    contact: b.contact,
    source: { protocol: b.source.protocol, address: b.source.address, port: b.source.port },
    expiresAt: iso(b.expiresAt),
    expiresIn: Math.max(0, Math.ceil((b.expiresAt - now) / 1000)),
    userAgent: b.userAgent ?? null,
    ...(b.instance !== undefined ? { instance: b.instance } : {}),
    ...(b.path !== undefined && b.path.length > 0 ? { path: b.path } : {}),
    updatedAt: iso(b.updatedAt),
  };
}

export function registrationRoutes(deps: TenantResourceDeps): RouteDef[] {
  const list: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/registrations',
    roles: ROLES_ADMIN,
    tag: 'Registrations',
    summary: 'Registered contacts of the tenant right now (expired ones left out)',
    query: { type: 'object', additionalProperties: false, properties: { ext: { type: 'string', maxLength: 64, description: 'only this extension' } } },
    response: { status: 200, schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: REGISTRATION } } } },
    handler(req) {
      const t = tenantOf(deps, req);
      const now = deps.clock.now();
      const ext = req.query['ext'];
      const rows = ext === undefined ? t.store.listBindings() : t.store.getBindings(ext);
      return { body: { items: rows.filter((b) => b.expiresAt > now).map((b) => registrationView(b, now)) } };
    },
  };
  return [list];
}
