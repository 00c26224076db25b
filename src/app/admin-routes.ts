import type { RawRoute, RouteDef } from '../admin/api-types.js';
import { trunkAddressPolicy } from './trunk-address-policy.js';
import { promptExistsIn } from './prompt-exists.js';
import type { RouteOutbound } from '../apps/forwarding/call-handling-service.js';
import { mediaFiles } from './media-probe.js';
import { didRoutes } from '../admin/routes/dids.js';
import { monitoringRoutes, type MonitoringDeps } from '../admin/routes/monitoring.js';
import { tenantLookup, tenantResourceRoutes } from '../admin/routes/tenant-resources.js';
import { tenantRoutes } from '../admin/routes/tenants.js';
import { tenantMoveRoutes } from '../admin/routes/tenant-move.js';
import type { TenantDrains } from '../cluster/tenant-drains.js';
import { packTenant, unpackTenant } from '../ops/tenant-pack.js';
import type { B2bua } from '../b2bua/b2bua.js';
import type { LiveRecordingControl } from '../admin/routes/tenant-recordings.js';
import type { LiveConferences } from '../admin/routes/tenant-conferences.js';
import type { QueueControl } from '../admin/routes/tenant-queues.js';
import type { VoicemailControl } from '../admin/routes/voicemail-access.js';
import { tokenRoutes } from '../admin/routes/tokens.js';
import type { TenantLifecycle } from '../admin/tenant-lifecycle.js';
import type { PbxConfig } from '../config/types.js';
import type { TenantStorePool } from '../store/store-pool.js';
import type { SystemStore } from '../store/system-store.js';
import type { TenantResolver } from '../tenant/tenant-resolver.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/**
 * What the route groups may use: the running server's parts, handed over by PbxServer.
 * Add a field here when a group needs one more part (and pass it in pbx-server.ts).
 */
export interface AdminParts {
  config: () => PbxConfig;
  system: SystemStore;
  pool: TenantStorePool;
  resolver: TenantResolver;
  lifecycle: TenantLifecycle;
  clock: Clock;
  logger: Logger;
  /** After a tenant change made outside the lifecycle: refresh the resolver and the trunks, as reload() does. */
  tenantsChanged: (tenantId: string) => void;
  /** Live calls of a tenant, and hang-up (tenant-scoped inside B2bua). */
  calls: Pick<B2bua, 'listCalls' | 'hangup'>;
  /** Start/stop the recording of a live call (b2bua/call-recording.ts). */
  recording?: LiveRecordingControl;
  /** The running conference rooms (b2bua/conference-calls.ts). */
  conferences?: LiveConferences;
  /** Call queues' live state and logins (apps/queue). */
  queues?: QueueControl;
  /** Voicemail folder changes and deletes (the one VoicemailService, so MWI follows). */
  voicemail?: VoicemailControl;
  /** GET /metrics, /healthz, /readyz: pass monitoringDeps(server) from ./monitoring-deps.ts. */
  monitoring?: MonitoringDeps;
  /** The routing ports' outbound decision: forwards to outside numbers are checked with it (apps/forwarding). */
  routeOutbound?: RouteOutbound;
  /** Park slot states (b2bua/call-park.ts) for GET .../park. */
  parkSlots?: import('../b2bua/call-park.js').ParkSlotsPort;
  /** Tenants drained for a move to another node (pbx cluster move); absent: no move routes. */
  drains?: TenantDrains;
  /** Routes made elsewhere (the console's web-password route, console-wiring.ts), listed like the others. */
  moreRoutes?: readonly RouteDef<any>[];
}

/**
 * Every route of the admin API, as one plain list (the OpenAPI document, the
 * authorisation matrix test and the server all read this list). A group is a function
 * of AdminParts returning RouteDef[] (under /api/v1) or RawRoute[] (outside it): add
 * yours with one line in the list below.
 */
export function adminRoutes(p: AdminParts): { routes: RouteDef<any>[]; rawRoutes: RawRoute[] } {
  const routes: RouteDef<any>[] = [
    ...tenantRoutes({ lifecycle: p.lifecycle }),
    ...didRoutes({ lifecycle: p.lifecycle }),
    ...tokenRoutes({
      tokens: p.system.tokens,
      system: p.system,
      extensionExists: (tenantId, ext) => p.pool.get(tenantId).getExtension(ext) !== undefined,
    }),
    ...tenantResourceRoutes({
      tenant: tenantLookup(p.system, p.pool),
      tenants: () => p.system.listTenants(),
      dataDir: p.config().dataDir,
      clock: p.clock,
      calls: p.calls,
      providerTrunks: () => p.config().trunks,
      trunkHostRefusal: (host) => trunkAddressPolicy(p.config()).hostRefusal(host),
      onTenantChanged: (tenantId) => p.tenantsChanged(tenantId),
      managedBy: (tenantId) => p.system.getTenant(tenantId)?.managedBy,
      ...(p.recording ? { recording: p.recording } : {}),
      ...(p.conferences ? { conferences: p.conferences } : {}),
      ...(p.queues ? { queues: p.queues } : {}),
      ...(p.voicemail ? { voicemail: p.voicemail } : {}),
      media: mediaFiles,
      operatorPrompts: () => p.config().media?.prompts,
      ...(p.routeOutbound ? { routeOutbound: p.routeOutbound } : {}),
      ...(p.parkSlots ? { parkSlots: p.parkSlots } : {}),
      promptExists: (t, name) => promptExistsIn(() => ({ dataDir: p.config().dataDir, ...(p.config().media?.prompts ? { operatorDir: p.config().media!.prompts! } : {}) }))(t.id, name),
    }),
  ];
  if (p.drains) {
    const drains = p.drains;
    routes.push(...tenantMoveRoutes({ system: p.system, dataDir: p.config().dataDir, drains, packs: { pack: packTenant, unpack: unpackTenant }, clock: p.clock, logger: p.logger, liveCalls: (id) => p.calls.listCalls(id).length, tenantsChanged: p.tenantsChanged }));
  }
  routes.push(...(p.moreRoutes ?? []));
  // GET /api/v1/openapi.json is the API server's own (ApiServerOptions.openApi): it lists every route the server registers.
  const rawRoutes: RawRoute[] = [...(p.monitoring ? monitoringRoutes(p.monitoring) : [])];
  return { routes, rawRoutes };
}
