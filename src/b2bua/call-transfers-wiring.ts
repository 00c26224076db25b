import type { SipRequest } from '../sip/message/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { B2buaDeps, InviteRequest } from './b2bua.js';
import type { B2buaIo } from './b2bua-io.js';
import type { Call } from './call.js';
import type { CallContext } from './call-context.js';
import type { CallPlan, TrunkHandle } from './call-plan.js';
import type { DialogOwner, Side } from './call-registry.js';
import type { CallTransfersDeps } from './call-transfers.js';
import type { Referrer } from './refer-guard.js';

/** What the B2BUA lends its transfers (call-transfers.ts): its plan, trunk channels, tenants of calls and dialogs. */
export interface TransferParts {
  tenantOf(call: Call): TenantContext | undefined;
  referrerOf(call: Call, side: Side): Referrer;
  plan(i: InviteRequest): CallPlan;
  takeTrunk(tenant: TenantContext, trunks: TrunkHandle[]): { ok: true; release(): void } | { ok: false; reason: string };
  contextFor(tenant: TenantContext): CallContext;
  findDialog(key: string): DialogOwner<Call> | undefined;
}

export function transfersDeps(io: B2buaIo, p: TransferParts, d: B2buaDeps): CallTransfersDeps {
  return {
    log: d.logger.child('transfer'),
    io,
    tenantOf: (call) => p.tenantOf(call),
    referrerOf: (call, side) => p.referrerOf(call, side),
    // Each call has one context per tenant; a transfer's legs use the same one.
    contextOf: (call) => p.contextFor(p.tenantOf(call)!),
    findDialog: (key) => p.findDialog(key),
    routeOutbound: (tenant, dialled, cos) => d.planner.routeOutbound(tenant, dialled, cos),
    // The plan as if the transferor dialled the number: a trunk transferor dials as 'internal'.
    plan: (tenant, referrer, dialled, req: SipRequest) =>
      p.plan({
        tenant,
        req,
        dialled,
        caller: referrer.kind === 'extension' ? { kind: 'extension', ext: referrer.ext, classOfService: referrer.classOfService } : { kind: 'extension', ext: '', classOfService: 'internal' },
      } as InviteRequest),
    takeTrunk: (tenant, trunks) => p.takeTrunk(tenant, trunks),
    ownAddresses: () => d.ownAddresses?.() ?? [d.mediaAddress],
  };
}
