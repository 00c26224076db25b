import type { DigestAlgorithm } from './ha1.js';

/**
 * A tenant's numbering, trunks and routes as the services read them
 * (TenantStore.getRoutingPlan). The shapes it shares with src/config (trunk fields,
 * ring groups, routes, class of service, destinations) are declared once in src/model.
 */
import type { FlowDestination } from './flow-destination.js';
import { CLASSES_OF_SERVICE, DEFAULT_CLASS_OF_SERVICE, type ClassOfService } from './class-of-service.js';
import type { InboundRoute, OutboundRoute, RingGroup } from './routes.js';
import type { TrunkFields } from './trunk.js';

/** Declared once in src/model (class-of-service.ts, routes.ts), under the names the services use. */
export { CLASSES_OF_SERVICE, DEFAULT_CLASS_OF_SERVICE, type ClassOfService, type InboundRoute, type OutboundRoute, type RingGroup };

/**
 * Where a call goes: an inbound route, a ring group's fallback, an IVR option, a time
 * condition, a forward. Every name is looked up in the call's own tenant (destination.ts).
 * The union itself is src/model/flow-destination.ts (model is below tenant in the layers).
 */
export type Destination = FlowDestination;

/** A tenant's own SIP trunk. Its credentials are in clear: they answer the carrier's challenges. */
export interface Trunk extends TrunkFields {
  /** PEM text of the CAs trusted for the carrier's TLS certificate instead of the system's (provider trunks: read from tls.ca). */
  tlsCa?: string;
}

/** Everything routing needs from a tenant's store, read in one go and cached per connection. */
export interface RoutingPlan {
  /** ITU country calling code without '+', e.g. '1', '44'; '' when the tenant set none. */
  countryCode: string;
  /** National trunk prefix, e.g. '0'; may be ''. */
  nationalPrefix: string;
  /** The tenant's default outbound caller ID (E.164). */
  callerId?: string;
  /** The class of service of trunk calls a destination sends to an outside number; absent: internal. */
  inboundCos?: ClassOfService;
  /** Digest algorithms its challenges offer, in order; absent: pbx.yaml's auth.algorithms. */
  auth?: { algorithms: DigestAlgorithm[] };
  /** The tenant's DIDs (E.164), in declared order. */
  dids: string[];
  trunks: Trunk[];
  ringGroups: RingGroup[];
  /** In declared order. */
  inboundRoutes: InboundRoute[];
  /** In declared order: the first route whose pattern matches wins. */
  outboundRoutes: OutboundRoute[];
}
