/**
 * The composition root's part of CallApps for feature codes, forwarding and DND: one
 * FeatureCodeRegistry (each feature's module registers its ids on it: voicemail's *97/*98,
 * the time conditions' *27) with the forwarding and DND codes registered, and
 * extensionPolicy read from each tenant's store. Spread `apps` into the CallApps object the
 * B2BUA is given.
 */
import type { CallApps } from '../apps/call-apps.js';
import { FeatureCodeRegistry } from '../apps/feature-codes/feature-code-registry.js';
import type { RouteOutbound } from '../apps/forwarding/call-handling-service.js';
import { extensionPolicyOf } from '../apps/forwarding/extension-policy.js';
import { registerForwardingApps } from '../apps/forwarding/forwarding-apps.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export function callHandlingApps(o: { routeOutbound: RouteOutbound; clock: Pick<Clock, 'now'>; logger: Logger; promptExists?: (tenantId: string, name: string) => boolean }): {
  registry: FeatureCodeRegistry;
  apps: Required<Pick<CallApps, 'featureCode' | 'extensionPolicy'>>;
} {
  const registry = new FeatureCodeRegistry();
  const promptExists = o.promptExists;
  registerForwardingApps(registry, {
    routeOutbound: o.routeOutbound,
    clock: o.clock,
    ...(promptExists ? { promptExists: (t, name) => promptExists(t.id, name) } : {}),
    onRefused: (ctx, problems) => o.logger.info('feature code refused', { tenant: ctx.tenant.id, ext: ctx.callerExt, problems: problems.map((p) => `${p.path}: ${p.message}`) }),
  });
  return {
    registry,
    apps: {
      featureCode: (tenant, callerExt, dialled) => registry.lookup(tenant, callerExt, dialled),
      extensionPolicy: (tenant, ext) => extensionPolicyOf(tenant, ext),
    },
  };
}
