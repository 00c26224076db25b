import type { InviteRequest } from '../b2bua/b2bua.js';
import { fromOf } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import { isSipUri, parseUri, unescapeUriPart } from '../sip/message/uri.js';
import type { Inbound, Target } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { DigestGate } from './digest-gate.js';
import type { StatelessReplier } from './stateless-reply.js';

/**
 * An INVITE that starts a call, admitted at the edge: the caller's tenant comes from its
 * identity (the From domain, else the Request-URI domain), the caller authenticates in
 * that tenant (407), its identity must be its own extension, and the callee must be in the
 * same tenant. A callee in another tenant's domain is refused with 403 and never reached.
 */
export function admitInvite(
  o: {
    tenants: { resolveDomain(host: string): TenantContext | undefined };
    gate: DigestGate;
    replier: StatelessReplier;
    isLocalAddress: (host: string) => boolean;
    /** A refused call attempt, for the caller's call records. */
    onRefused?: (r: { req: SipRequest; tenant: TenantContext; callerExt: string; calleeExt: string }, status: number, reason: string) => void;
  },
  inbound: Inbound,
  req: SipRequest,
  callerTarget: Target,
): InviteRequest | undefined {
  const ruri = parseUri(req.uri);
  if (!isSipUri(ruri)) {
    o.replier.reply(inbound, 416);
    return undefined;
  }
  const from = fromOf(req);
  const fromHost = isSipUri(from.uri) ? from.uri.host : undefined;
  const tenant = (fromHost !== undefined ? o.tenants.resolveDomain(fromHost) : undefined) ?? o.tenants.resolveDomain(ruri.host);
  if (!tenant) {
    o.replier.reply(inbound, 404, { reason: 'Domain Not Served' });
    return undefined;
  }
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
      o.replier.reply(inbound, 403, { reason: 'Forbidden: callee is in another tenant' });
      o.onRefused?.({ req, tenant, callerExt: ext.ext, calleeExt: ruri.user !== undefined ? unescapeUriPart(ruri.user) : '' }, 403, 'Forbidden: callee is in another tenant');
    } else {
      o.replier.reply(inbound, 404, { reason: 'Not Found' });
    }
    return undefined;
  }
  if (ruri.user === undefined) {
    o.replier.reply(inbound, 404, { reason: 'Not Found' });
    return undefined;
  }
  const gr = ruri.params['gr'];
  return {
    inbound,
    req,
    tenant,
    callerExt: ext.ext,
    calleeExt: unescapeUriPart(ruri.user),
    ...(typeof gr === 'string' && gr.length > 0 ? { calleeInstance: gr.replace(/^<|>$/g, '') } : {}),
    callerTarget,
  };
}
