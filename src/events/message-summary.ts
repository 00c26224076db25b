import type { TenantContext } from '../tenant/tenant-context.js';
import type { EventPackage, EventState, ResourceAccess } from './event-package.js';
import type { BoxCounts, MailboxCounts } from './mailbox-counts.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

export const MESSAGE_SUMMARY = 'message-summary';
export const MESSAGE_SUMMARY_TYPE = 'application/simple-message-summary';

/**
 * The body of a message-summary NOTIFY (RFC 3842 §5.2):
 *   Messages-Waiting: yes|no
 *   Message-Account: <uri>             (optional, §5.2)
 *   Voice-Message: new/old (urgent-new/urgent-old)
 * Lines end with CRLF.
 */
export function messageSummaryBody(counts: BoxCounts | undefined, account?: string): string {
  const c = counts ?? { new: 0, old: 0 };
  const lines = [`Messages-Waiting: ${c.new > 0 ? 'yes' : 'no'}`];
  if (account !== undefined) lines.push(`Message-Account: ${account}`);
  lines.push(`Voice-Message: ${c.new}/${c.old} (${c.urgentNew ?? 0}/${c.urgentOld ?? 0})`);
  return lines.join('\r\n') + '\r\n';
}

/**
 * The message-summary event package (RFC 3842): the resource is a voicemail box of the
 * subscriber's tenant, named by the Request-URI user. An extension watches its own box;
 * another box only when it is a member of it (a shared box). A box that does not exist in
 * the tenant is 404; one that exists but is not the subscriber's is 403.
 */
export class MessageSummaryPackage implements EventPackage {
  readonly name = MESSAGE_SUMMARY;
  readonly contentType = MESSAGE_SUMMARY_TYPE;

  constructor(private readonly boxes: MailboxCounts) {}

  access(tenant: TenantContext, subscriberExt: string, requestUser: string): ResourceAccess {
    const box = requestUser;
    if (this.boxes.counts(tenant.id, box) === undefined) return { ok: false, status: 404, reason: reasonPhrase(404) };
    if (box === subscriberExt || (this.boxes.members?.(tenant.id, box) ?? []).includes(subscriberExt)) return { ok: true, resource: box };
    return { ok: false, status: 403, reason: 'Forbidden: not your mailbox' };
  }

  state(tenant: TenantContext, resource: string): EventState | undefined {
    const counts = this.boxes.counts(tenant.id, resource);
    if (counts === undefined) return undefined;
    const domain = tenant.domains[0];
    return { contentType: MESSAGE_SUMMARY_TYPE, body: messageSummaryBody(counts, domain ? `sip:${resource}@${domain}` : undefined) };
  }
}
