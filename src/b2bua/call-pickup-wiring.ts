/** The B2BUA's side of call pickup (call-pickup.ts): its ringing calls as candidates, the tenant's codes and groups. */
import { featureCodeTableOf } from '../tenant/feature-codes.js';
import { readPickupGroups } from '../tenant/pickup-group-setting.js';
import type { Logger } from '../util/logger.js';
import type { B2buaDeps } from './b2bua.js';
import type { Call } from './call.js';
import { callCandidate, type CallPickupsDeps, type PickupCandidate } from './call-pickup.js';

export function pickupsDeps(d: B2buaDeps, log: Logger, calls: () => Iterable<Call>, tenantIdOf: (call: Call) => string | undefined): CallPickupsDeps {
  return {
    log,
    clock: d.clock,
    featureCodes: (tenant) => featureCodeTableOf(tenant.store),
    pickupGroups: (tenant) => readPickupGroups(tenant.store),
    *candidates(tenantId): Iterable<PickupCandidate> {
      for (const call of calls()) {
        // Never another tenant's call: the tenant of each call is checked here and again by CallPickups.
        if (tenantIdOf(call) !== tenantId || call.state !== 'proceeding') continue;
        yield callCandidate(call, tenantId, { clock: d.clock, mediaAddress: d.mediaAddress, contactFor: (p) => d.contactFor(p) });
      }
    },
  };
}
