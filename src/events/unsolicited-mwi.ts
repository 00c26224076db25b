import { forkTargets } from '../b2bua/fork-targets.js';
import { viaValue, type LocalVia } from '../sip/dialog/local-via.js';
import type { SipRequest } from '../sip/message/types.js';
import type { ClientTransactionUser } from '../sip/transaction/types.js';
import type { Target, TransportProtocol } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Clock } from '../util/clock.js';
import { newBranch, newCallId, newTag } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import type { MailboxCounts } from './mailbox-counts.js';
import { MESSAGE_SUMMARY, MESSAGE_SUMMARY_TYPE, messageSummaryBody } from './message-summary.js';

/** How an extension learns about its voicemail: by subscribing (the default), unsolicited NOTIFYs, or both. */
export type MwiMode = 'subscribe' | 'unsolicited' | 'both';

export interface UnsolicitedMwiOptions {
  clock: Clock;
  logger: Logger;
  boxes: MailboxCounts;
  tenantById: (id: string) => TenantContext | undefined;
  /** The extension's `voicemail.mwi` setting; absent: subscribe. */
  modeOf: (tenant: TenantContext, ext: string) => MwiMode | undefined;
  transactions: { sendRequest(req: SipRequest, target: Target, user: ClientTransactionUser): unknown };
  viaFor: (protocol: TransportProtocol) => LocalVia;
  contactFor: (protocol: TransportProtocol) => string;
}

/**
 * Unsolicited message-summary NOTIFY (out of any dialog, as many desk phones expect): sent
 * to every registered contact of an extension whose `voicemail.mwi` is unsolicited or
 * both, when its box changes and when it registers. The box watched is the extension's own
 * (same name) and the shared boxes it is a member of are not included: a phone has one
 * lamp for its own box. A failed NOTIFY is only logged; the next change sends again.
 */
export class UnsolicitedMwi {
  private readonly log: Logger;
  private readonly unlisten: () => void;

  constructor(private readonly o: UnsolicitedMwiOptions) {
    this.log = o.logger.child('mwi');
    this.unlisten = o.boxes.onChange((tenantId, box) => {
      const tenant = o.tenantById(tenantId);
      if (tenant) this.send(tenant, box);
    });
  }

  /** An extension registered: tell its phones the current state. */
  registered(tenant: TenantContext, ext: string): void {
    this.send(tenant, ext);
  }

  stop(): void {
    this.unlisten();
  }

  private send(tenant: TenantContext, ext: string): void {
    const mode = this.o.modeOf(tenant, ext) ?? 'subscribe';
    if (mode === 'subscribe') return;
    const counts = this.o.boxes.counts(tenant.id, ext);
    if (counts === undefined) return;
    const domain = tenant.domains[0] ?? tenant.realm;
    const aor = `sip:${ext}@${domain}`;
    const body = Buffer.from(messageSummaryBody(counts, aor));
    for (const t of forkTargets(tenant.store.getBindings(ext), this.o.clock.now())) {
      const protocol = t.target.protocol;
      const req: SipRequest = {
        kind: 'request',
        method: 'NOTIFY',
        uri: t.requestUri,
        headers: [
          { name: 'via', value: viaValue(this.o.viaFor(protocol), newBranch()) },
          { name: 'max-forwards', value: '70' },
          { name: 'from', value: `<${aor}>;tag=${newTag()}` },
          { name: 'to', value: `<${aor}>` },
          { name: 'call-id', value: newCallId() },
          { name: 'cseq', value: '1 NOTIFY' },
          { name: 'contact', value: `<${this.o.contactFor(protocol)}>` },
          { name: 'event', value: MESSAGE_SUMMARY },
          { name: 'content-type', value: MESSAGE_SUMMARY_TYPE },
        ],
        body,
      };
      const fail = (why: string) => this.log.info('unsolicited MWI not delivered', { tenant: tenant.id, ext, contact: t.requestUri, why });
      try {
        this.o.transactions.sendRequest(req, t.target, {
          onResponse: (res) => {
            if (res.status >= 300) fail(`${res.status} ${res.reason}`);
          },
          onTimeout: () => fail('timeout'),
          onTransportError: (_tx, e) => fail((e as Error)?.message ?? String(e)),
        });
      } catch (e) {
        fail((e as Error).message);
      }
    }
  }
}
