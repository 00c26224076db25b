/** The B2BUA's side of call pickup (call-pickup.ts) and park (call-park.ts): its ringing calls, the tenant's codes, groups and slots. */
import { featureCodeTableOf } from '../tenant/feature-codes.js';
import { readParkSettings } from '../tenant/park-setting.js';
import { readPickupGroups } from '../tenant/pickup-group-setting.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Logger } from '../util/logger.js';
import type { B2buaDeps } from './b2bua.js';
import type { B2buaIo } from './b2bua-io.js';
import type { Call } from './call.js';
import type { CallContext } from './call-context.js';
import type { CallParksDeps } from './call-park.js';
import { callCandidate, type CallPickupsDeps, type PickupCandidate } from './call-pickup.js';
import { destinationStages } from './call-plan.js';
import type { UasOkRetransmits } from './uas-ok-retransmits.js';

export function pickupsDeps(d: B2buaDeps, log: Logger, oks: UasOkRetransmits, calls: () => Iterable<Call>, tenantIdOf: (call: Call) => string | undefined): CallPickupsDeps {
  return {
    log,
    clock: d.clock,
    featureCodes: (tenant) => featureCodeTableOf(tenant.store),
    pickupGroups: (tenant) => readPickupGroups(tenant.store),
    *candidates(tenantId): Iterable<PickupCandidate> {
      for (const call of calls()) {
        // Never another tenant's call: the tenant of each call is checked here and again by CallPickups.
        if (tenantIdOf(call) !== tenantId || call.state !== 'proceeding') continue;
        yield callCandidate(call, tenantId, { clock: d.clock, mediaAddress: d.mediaAddress, contactFor: (p) => d.contactFor(p), oks });
      }
    },
  };
}

export function parksDeps(d: B2buaDeps, log: Logger, io: B2buaIo, oks: UasOkRetransmits, contextOf: (call: Call) => CallContext, tenantById?: (id: string) => TenantContext | undefined): CallParksDeps {
  return {
    log: log.child('park'),
    clock: d.clock,
    io,
    settings: (tenant) => readParkSettings(tenant.store),
    ...(tenantById ? { tenantById } : {}),
    featureCodes: (tenant) => featureCodeTableOf(tenant.store),
    contextOf,
    stagesFor: (tenant, dest) => destinationStages(d.planner, tenant, dest, d.clock.now()).stages,
    prompts: (tenant, ids) => d.apps?.prompts(tenant, ids) ?? [],
    mediaAddress: d.mediaAddress,
    contactFor: (p) => d.contactFor(p),
    oks,
  };
}
