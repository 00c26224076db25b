import type { SipRequest } from '../sip/message/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';

/** A call attempt the edge refused after it knew the caller and its tenant. */
export interface RefusedAttempt {
  req: SipRequest;
  tenant: TenantContext;
  callerExt: string;
  calleeExt: string;
}

/**
 * The port through which the edge records its own refusals (the caller's call records),
 * wired in the composition root; the edge never calls back into the call service.
 */
export interface EdgeRefusals {
  refused(attempt: RefusedAttempt, status: number, reason: string): void;
}
