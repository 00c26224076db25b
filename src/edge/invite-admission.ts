import type { InviteRequest } from '../b2bua/b2bua.js';
import { dialledNumber } from '../routing/dialled-number.js';
import type { TrunkHandle } from '../trunk/trunk-handle.js';
import { fromOf, requestUriOf } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import { isSipUri, unescapeUriPart } from '../sip/message/uri.js';
import type { Inbound, Target } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { DigestGate } from './digest-gate.js';
import type { EdgeRefusals } from './edge-refusals.js';
import type { StatelessReplier } from './stateless-reply.js';

/**
 * An INVITE that starts a call, admitted at the edge once the tenant-resolution stage has
 * named the caller's tenant (tenant-resolution.ts): the caller authenticates in that tenant
 * (407), its identity must be its own extension, and the callee must be in the same tenant.
 * A callee in another tenant's domain is refused with 403 and never reached.
 */
export function admitInvite(
  o: {
    tenants: { resolveDomain(host: string): TenantContext | undefined };
    gate: DigestGate;
    replier: StatelessReplier;
    isLocalAddress: (host: string) => boolean;
    /** Refused call attempts, for the caller's call records. */
    refusals?: EdgeRefusals;
    /** RFC 5627: the device a temporary GRUU (user part, `;gr` without a value) reaches in this tenant. */
    resolveTempGruu?: (tenant: TenantContext, user: string) => { ext: string; instance: string } | undefined;
  },
  tenant: TenantContext,
  inbound: Inbound,
  req: SipRequest,
  callerTarget: Target,
): InviteRequest | undefined {
  const ruri = requestUriOf(req);
  if (!isSipUri(ruri)) {
    o.replier.reply(inbound, 416);
    return undefined;
  }
  const from = fromOf(req);
  const ext = o.gate.authenticate(inbound, req, tenant, 'proxy');
  if (!ext) return undefined;
  // The caller may call only as itself: the From user is the authenticated extension.
  if (!isSipUri(from.uri) || from.uri.user === undefined || unescapeUriPart(from.uri.user) !== ext.ext) {
    o.replier.reply(inbound, 403, { reason: 'Forbidden: From is not the authenticated user' });
    return undefined;
  }
  // Tenant isolation: the callee is looked up in the caller's tenant only.
  if (!tenant.domains.includes(ruri.host) && !o.isLocalAddress(ruri.host)) {
    const other = o.tenants.resolveDomain(ruri.host);
    if (other && other.id !== tenant.id) {
      // (another tenant, suspended or not: the same refusal, nothing about it leaks)
      o.replier.reply(inbound, 403, { reason: 'Forbidden: callee is in another tenant' });
      o.refusals?.refused({ req, tenant, callerExt: ext.ext, calleeExt: ruri.user !== undefined ? unescapeUriPart(ruri.user) : '' }, 403, 'Forbidden: callee is in another tenant');
    } else {
      o.replier.reply(inbound, 404);
    }
    return undefined;
  }
  if (ruri.user === undefined) {
    o.replier.reply(inbound, 404);
    return undefined;
  }
  const gr = ruri.params['gr'];
  let dialled = dialledNumber(unescapeUriPart(ruri.user));
  let calleeInstance = typeof gr === 'string' && gr.length > 0 ? gr.replace(/^<|>$/g, '') : undefined;
  if (gr === null) {
    // RFC 5627 §3.2: a temporary GRUU; it reaches one device of this tenant or nothing.
    const device = o.resolveTempGruu?.(tenant, unescapeUriPart(ruri.user));
    if (!device) {
      o.replier.reply(inbound, 404);
      return undefined;
    }
    dialled = device.ext;
    calleeInstance = device.instance;
  }
  return {
    inbound,
    req,
    tenant,
    caller: { kind: 'extension', ext: ext.ext, classOfService: ext.classOfService ?? 'national' },
    dialled,
    ...(calleeInstance !== undefined ? { calleeInstance } : {}),
    callerTarget,
  };
}

/** An inbound call through a trunk, as the tenant-resolution stage named it. */
export function trunkInvite(r: { tenant: TenantContext; trunk: TrunkHandle; did: string }, inbound: Inbound, req: SipRequest, callerTarget: Target): InviteRequest {
  return { inbound, req, tenant: r.tenant, caller: { kind: 'trunk', trunk: r.trunk, did: r.did }, dialled: r.did, callerTarget };
}
