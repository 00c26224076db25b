import type { SubscriptionManager } from '../events/subscription-manager.js';
import { getHeader, requestUriOf, tagOf } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import { unescapeUriPart, type SipUri } from '../sip/message/uri.js';
import type { Inbound, Target } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { DigestGate } from './digest-gate.js';
import type { StatelessReplier } from './stateless-reply.js';
import { uasChecks } from './uas-checks.js';

export interface SubscribeAdmissionDeps {
  gate: DigestGate;
  replier: StatelessReplier;
  subscriptions: SubscriptionManager;
}

/**
 * SUBSCRIBE at the edge (RFC 6665), inside a dialog (To tag): a refresh or unsubscribe
 * belongs to the tenant of the subscription it names, and is authenticated again there:
 * only its subscriber may touch it. A dialog we do not know gets 481 (RFC 6665 §4.1.2.2
 * tells the subscriber to start over).
 */
export function admitSubscribeRefresh(d: SubscribeAdmissionDeps, inbound: Inbound, req: SipRequest, target: Target): void {
  const refusal = uasChecks(req);
  if (refusal) {
    d.replier.replyError(inbound, refusal);
    return;
  }
  const dialog = d.subscriptions.findDialog(req);
  if (!dialog) {
    d.replier.reply(inbound, 481);
    return;
  }
  const ext = d.gate.authenticate(inbound, req, dialog.tenant, 'proxy');
  if (!ext) return;
  d.subscriptions.refresh(inbound, req, ext.ext, target);
}

/** Whether a SUBSCRIBE is inside a dialog (To has a tag). */
export function isSubscribeRefresh(req: SipRequest): boolean {
  return tagOf(getHeader(req, 'to')) !== undefined;
}

/**
 * A new subscription (RFC 6665), in the tenant the tenant-resolution stage named by the
 * Request-URI's domain, authenticated in that tenant's realm like an INVITE (407): a
 * subscriber of another tenant fails the digest and gets the same 403 whether the resource
 * exists or not. True when a subscription was created (its stream connection is then worth keeping).
 */
export function admitSubscribe(d: SubscribeAdmissionDeps, tenant: TenantContext, inbound: Inbound, req: SipRequest, target: Target): boolean {
  const uri = requestUriOf(req) as SipUri;
  const ext = d.gate.authenticate(inbound, req, tenant, 'proxy');
  if (!ext) return false;
  if (uri.user === undefined) {
    d.replier.reply(inbound, 404);
    return false;
  }
  return d.subscriptions.subscribe(inbound, req, tenant, ext.ext, target, unescapeUriPart(uri.user));
}
