import type { SubscriptionManager } from '../events/subscription-manager.js';
import { getHeader, requestUriOf, tagOf } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import { unescapeUriPart, type SipUri } from '../sip/message/uri.js';
import type { Inbound, Target } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { DigestGate } from './digest-gate.js';
import { TENANT_SUSPENDED } from './invite-admission.js';
import type { StatelessReplier } from './stateless-reply.js';
import { uasChecks } from './uas-checks.js';

export interface SubscribeAdmissionDeps {
  tenants: { resolveDomain(host: string): TenantContext | undefined };
  gate: DigestGate;
  replier: StatelessReplier;
  subscriptions: SubscriptionManager;
}

/**
 * SUBSCRIBE at the edge (RFC 6665). A new subscription names its tenant by the domain of
 * the Request-URI and is authenticated in that tenant's realm like an INVITE (407): a
 * subscriber of another tenant fails the digest and gets the same 403 whether the resource
 * exists or not. A refresh or unsubscribe (To tag) belongs to the tenant of the
 * subscription it names, and is authenticated again there: only its subscriber may touch
 * it. A dialog we do not know gets 481 (RFC 6665 §4.1.2.2 tells the subscriber to start over).
 * True when a new subscription was created (its stream connection is then worth keeping).
 */
export function admitSubscribe(d: SubscribeAdmissionDeps, inbound: Inbound, req: SipRequest, target: Target): boolean {
  const refusal = uasChecks(req);
  if (refusal) {
    d.replier.replyError(inbound, refusal);
    return false;
  }
  if (tagOf(getHeader(req, 'to')) !== undefined) {
    const dialog = d.subscriptions.findDialog(req);
    if (!dialog) {
      d.replier.reply(inbound, 481);
      return false;
    }
    const ext = d.gate.authenticate(inbound, req, dialog.tenant, 'proxy');
    if (!ext) return false;
    d.subscriptions.refresh(inbound, req, ext.ext, target);
    return false;
  }
  const uri = requestUriOf(req) as SipUri;
  const tenant = d.tenants.resolveDomain(uri.host);
  if (!tenant) {
    d.replier.reply(inbound, 404, { reason: 'Domain Not Served' });
    return false;
  }
  if (tenant.status === 'suspended') {
    d.replier.reply(inbound, 403, { reason: TENANT_SUSPENDED });
    return false;
  }
  const ext = d.gate.authenticate(inbound, req, tenant, 'proxy');
  if (!ext) return false;
  if (uri.user === undefined) {
    d.replier.reply(inbound, 404, { reason: 'Not Found' });
    return false;
  }
  return d.subscriptions.subscribe(inbound, req, tenant, ext.ext, target, unescapeUriPart(uri.user));
}
