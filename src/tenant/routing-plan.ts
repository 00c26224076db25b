import type { DigestAlgorithm } from './ha1.js';

/**
 * A tenant's numbering, trunks and routes as the services read them
 * (TenantStore.getRoutingPlan). Structurally the same as the matching types of
 * src/config/types.ts (TrunkConfig, RingGroupConfig, InboundRouteConfig,
 * OutboundRouteConfig, DestinationConfig, ClassOfService), which src/tenant may
 * not import.
 */
import { CLASSES_OF_SERVICE_LIST } from '../model/field-rules.js';

/**
 * Toll-fraud classes, each allowing the ones before it: internal (extensions only),
 * local, national, international, premium. Emergency numbers are always allowed.
 */
export type ClassOfService = 'internal' | 'local' | 'national' | 'international' | 'premium';

/** In order of the rights they grant, least first. */
export const CLASSES_OF_SERVICE: readonly ClassOfService[] = CLASSES_OF_SERVICE_LIST;

export const DEFAULT_CLASS_OF_SERVICE: ClassOfService = 'national';

/**
 * Where a call goes: an inbound route, a ring group's fallback, an IVR option, a time
 * condition, a forward. Every name is looked up in the call's own tenant (destination.ts).
 */
export type Destination =
  | { type: 'extension'; ext: string }
  | { type: 'ringGroup'; name: string }
  | { type: 'voicemail'; box: string }
  | { type: 'ivr'; name: string }
  | { type: 'timeCondition'; name: string }
  | { type: 'conference'; room: string }
  /** An outside number, through the outbound routes (with the class of service of whoever sends it there). */
  | { type: 'number'; number: string }
  /** Play a prompt, then hang up. */
  | { type: 'play'; prompt: string }
  /** Wait in a call queue of the tenant (src/apps/queue). */
  | { type: 'queue'; name: string }
  | { type: 'hangup' };

/** A tenant's own SIP trunk. Its credentials are in clear: they answer the carrier's challenges. */
export interface Trunk {
  /** Unique within the tenant; [a-z0-9-]{1,63}. */
  name: string;
  kind: 'register' | 'ip';
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  outboundProxy?: { host: string; port: number };
  username?: string;
  password?: string;
  authUsername?: string;
  domain?: string;
  /** Seconds asked for in REGISTER (register trunks). */
  registerExpires: number;
  /** Addresses, CIDRs or host names inbound calls are accepted from. */
  allowedSources: string[];
  /** Absent: every codec. */
  codecs?: string[];
  maxChannels?: number;
  /** PEM text of the CAs trusted for the carrier's TLS certificate instead of the system's (provider trunks: read from tls.ca). */
  tlsCa?: string;
}

export interface RingGroup {
  name: string;
  strategy: 'simultaneous' | 'sequential';
  /** Extensions of this tenant, in ringing order. */
  members: string[];
  ringSeconds: number;
  /** Absent: hang up (480). */
  fallback?: Destination;
}

export interface InboundRoute {
  /** A DID of this tenant (E.164), or '*' for any of its DIDs without a route of its own. */
  did: string;
  destination: Destination;
}

export interface OutboundRoute {
  name: string;
  /** Dial patterns, X/N/Z upper-case (see OutboundRouteConfig). */
  patterns: string[];
  strip: number;
  prepend: string;
  /** Trunk names in the order they are tried: the tenant's own or provider trunks. */
  trunks: string[];
}

/** Everything routing needs from a tenant's store, read in one go and cached per connection. */
export interface RoutingPlan {
  /** ITU country calling code without '+', e.g. '1', '44'; '' when the tenant set none. */
  countryCode: string;
  /** National trunk prefix, e.g. '0'; may be ''. */
  nationalPrefix: string;
  /** The tenant's default outbound caller ID (E.164). */
  callerId?: string;
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
