import { readConferences } from '../tenant/conference-spec.js';
import type { Destination, OutboundDecision, PlannerPorts, RingGroup } from '../b2bua/call-plan.js';
import { routeOutbound } from '../routing/outbound-router.js';
import { CLASSES_OF_SERVICE, type ClassOfService } from '../model/routing-plan.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { TrunkBook } from '../trunk/trunk-book.js';

/**
 * The B2BUA's routing questions answered from the tenant's own routing plan (its store),
 * the dial plan of src/routing, the trunks of the TrunkBook and the provider's emergency
 * numbers. Every answer is read inside the tenant the edge resolved: no name here can
 * reach another tenant's trunks, routes or extensions.
 */
export function routingPorts(o: { trunks: TrunkBook; emergencyNumbers: () => readonly string[] }): PlannerPorts {
  return {
    routeOutbound(tenant: TenantContext, dialled: string, classOfService: string): OutboundDecision {
      let cos = (CLASSES_OF_SERVICE as readonly string[]).includes(classOfService) ? (classOfService as ClassOfService) : 'internal';
      // The provider switched international dialling off for this tenant: nobody in it goes beyond national.
      if (tenant.features?.international === false && (cos === 'international' || cos === 'premium')) cos = 'national';
      const d = routeOutbound({
        plan: tenant.store.getRoutingPlan(),
        emergencyNumbers: o.emergencyNumbers(),
        isExtension: (n) => tenant.store.getExtension(n) !== undefined,
        dialled,
        classOfService: cos,
      });
      if (d.kind !== 'route') return d;
      return { kind: 'route', trunks: d.trunks, number: d.number, ...(d.e164 !== undefined ? { e164: d.e164 } : {}), emergency: d.emergency };
    },
    trunk: (tenant, name) => o.trunks.forTenant(tenant.id, name),
    inboundDestination(tenant, did): Destination | undefined {
      const routes = tenant.store.getRoutingPlan().inboundRoutes;
      return (routes.find((r) => r.did === did) ?? routes.find((r) => r.did === '*'))?.destination;
    },
    conference: (tenant, number) => readConferences(tenant.store).find((c) => c.number === number),
    ringGroup: (tenant, name): RingGroup | undefined => tenant.store.getRoutingPlan().ringGroups.find((g) => g.name === name),
    callerIdOf(tenant, ext) {
      return tenant.store.getExtension(ext)?.callerId ?? tenant.store.getRoutingPlan().callerId;
    },
  };
}
