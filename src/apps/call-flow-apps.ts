/**
 * The IVR and time-condition ports of CallApps (call-apps.ts), for the composition root to
 * wire: `ivr` runs a menu of the call's tenant, `timeCondition` says where a condition of
 * the call's tenant routes now, `timeConditionToggle` is the app of the feature code
 * *27<index> (for the feature-code port). Each reads only the given tenant's store.
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { readCallFlows } from '../store/call-flows-store.js';
import type { CallApp } from './app-channel.js';
import type { CallApps } from './call-apps.js';
import { toDestination } from './flow-destination-port.js';
import { IvrApp } from './ivr/ivr-app.js';
import { routeTimeCondition } from './time/time-condition-route.js';
import { TimeConditionToggleApp } from './time/time-condition-toggle.js';

export interface CallFlowApps extends Required<Pick<CallApps, 'ivr' | 'timeCondition'>> {
  /** The app of `*27<index>`: `index` is what followed the code. */
  timeConditionToggle(tenant: TenantContext, index: string): CallApp;
}

export function callFlowApps(deps: { clock: Clock; logger?: Logger }): CallFlowApps {
  return {
    ivr(tenant, name) {
      const menu = readCallFlows(tenant.store).ivrs.find((m) => m.name === name);
      return menu ? new IvrApp(menu, deps) : undefined;
    },
    timeCondition(tenant, name, nowMs) {
      const d = routeTimeCondition(tenant.store, name, nowMs);
      return d ? toDestination(d) : undefined;
    },
    timeConditionToggle(_tenant, index) {
      return new TimeConditionToggleApp(index, deps.logger, () => deps.clock.now());
    },
  };
}
