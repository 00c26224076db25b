/**
 * Every tenant-scoped resource of the admin API (issue 5) in one list for the server:
 * extensions, trunks, routing, registrations, live calls, CDRs, usage and the audit log.
 * The server enforces role and tenant scope from each route's path before a handler runs.
 */
import type { TenantStorePool } from '../../store/store-pool.js';
import type { SystemStore } from '../../store/system-store.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import type { RouteDef } from '../api-types.js';
import { auditRoutes } from './tenant-audit.js';
import { callRoutes } from './tenant-calls.js';
import { cdrRoutes } from './tenant-cdrs.js';
import { extensionOwnRoutes } from './extension-own.js';
import { recordingRoutes } from './tenant-recordings.js';
import { conferenceRoutes } from './tenant-conferences.js';
import { callFlowRoutes } from './tenant-call-flows.js';
import { queueRoutes } from './tenant-queues.js';
import { mohRoutes } from './tenant-moh.js';
import { promptRoutes } from './tenant-prompts.js';
import { extensionRoutes } from './tenant-extensions.js';
import { callHandlingRoutes } from './tenant-call-handling.js';
import { pickupParkRoutes } from './tenant-pickup-park.js';
import { srtpRoutes } from './tenant-srtp.js';
import { directMediaRoutes } from './tenant-direct-media.js';
import { registrationRoutes } from './tenant-registrations.js';
import type { TenantResourceDeps } from './tenant-resource-kit.js';
import { routingRoutes } from './tenant-routing.js';
import { trunkRoutes } from './tenant-trunks.js';
import { usageRoutes } from './tenant-usage.js';
import { voicemailRoutes } from './tenant-voicemail.js';
import { voicemailBoxRoutes } from './tenant-voicemail-box.js';

export type { TenantChange, TenantResourceDeps } from './tenant-resource-kit.js';

export function tenantResourceRoutes(deps: TenantResourceDeps): RouteDef[] {
  return [
    ...extensionRoutes(deps),
    ...callHandlingRoutes(deps),
    ...pickupParkRoutes(deps),
    ...srtpRoutes(deps),
    ...directMediaRoutes(deps),
    ...trunkRoutes(deps),
    ...routingRoutes(deps),
    ...registrationRoutes(deps),
    ...callRoutes(deps),
    ...cdrRoutes(deps),
    ...extensionOwnRoutes(deps),
    ...recordingRoutes(deps),
    ...conferenceRoutes(deps),
    ...callFlowRoutes(deps),
    ...queueRoutes(deps),
    ...promptRoutes(deps),
    ...mohRoutes(deps),
    ...voicemailRoutes(deps),
    ...voicemailBoxRoutes(deps),
    ...usageRoutes(deps),
    ...auditRoutes(deps),
  ];
}

/**
 * TenantResourceDeps.tenant from system.sqlite and the store pool: any tenant that is not
 * disabled (active or suspended), with its current name, domains and limits. The first
 * domain is the realm; a tenant without one is not found.
 */
export function tenantLookup(system: Pick<SystemStore, 'getTenant'>, pool: Pick<TenantStorePool, 'get'>): (tenantId: string) => TenantContext | undefined {
  return (tenantId) => {
    let rec;
    try {
      rec = system.getTenant(tenantId);
    } catch {
      return undefined;
    }
    if (!rec || (rec.status !== 'active' && rec.status !== 'suspended')) return undefined;
    const realm = rec.domains[0];
    if (realm === undefined) return undefined;
    return { id: rec.id, name: rec.name, status: rec.status, realm, domains: rec.domains, limits: rec.limits, store: pool.get(rec.id) };
  };
}
