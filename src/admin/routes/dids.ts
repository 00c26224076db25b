import type { RouteDef } from '../api-types.js';
import { E164, listOf, TENANT_ID } from '../schemas.js';
import type { TenantLifecycle } from '../tenant-lifecycle.js';

const DID = { type: 'object', additionalProperties: false, required: ['number', 'tenantId'], properties: { number: E164, tenantId: TENANT_ID } };

/** The DID inventory: the provider assigns numbers to tenants (issue 5). */
export function didRoutes(d: { lifecycle: TenantLifecycle }): RouteDef<any>[] {
  const lc = d.lifecycle;
  return [
    {
      method: 'GET',
      path: '/dids',
      roles: ['provider'],
      tag: 'dids',
      summary: 'Every assigned DID with its tenant',
      response: { status: 200, schema: listOf(DID) },
      handler: () => ({ body: { items: lc.listDids() } }),
    },
    {
      method: 'GET',
      path: '/tenants/{tenantId}/dids',
      roles: ['provider', 'tenant-admin'],
      tag: 'dids',
      summary: "A tenant's DIDs (a tenant-admin: its own)",
      response: { status: 200, schema: listOf(DID) },
      handler: ({ params }) => {
        const t = lc.get(params['tenantId']!);
        return { body: { items: t.dids.map((number) => ({ number, tenantId: t.id })) } };
      },
    },
    {
      method: 'PUT',
      path: '/tenants/{tenantId}/dids/{number}',
      roles: ['provider'],
      tag: 'dids',
      summary: 'Assign a DID to a tenant (409 did_taken if another tenant has it; 200 if it had it already; 422 if it is not E.164)',
      response: { status: 201, schema: DID, description: 'Assigned' },
      handler: ({ params }) => {
        const added = lc.assignDid(params['tenantId']!, params['number']!);
        return { status: added ? 201 : 200, body: { number: params['number']!, tenantId: params['tenantId']! } };
      },
    },
    {
      method: 'DELETE',
      path: '/tenants/{tenantId}/dids/{number}',
      roles: ['provider'],
      tag: 'dids',
      summary: 'Take a DID back (409 did_in_use while an inbound route of the tenant names it)',
      response: { status: 204, description: 'Released' },
      handler: ({ params }) => {
        lc.releaseDid(params['tenantId']!, params['number']!);
        return {};
      },
    },
  ];
}
