import { SUBSCRIPTION_DEFAULTS } from '../config/notify-config.js';
import type { PbxConfig } from '../config/types.js';
import { DIALOG_EVENT, DialogPackage } from '../events/dialog-package.js';
import { ExtensionStates } from '../events/extension-states.js';
import { PRESENCE_EVENT, PresencePackage } from '../events/presence-package.js';
import { readBlfSettings } from '../tenant/blf-setting.js';
import { InMemoryMailboxCounts, type MailboxCounts } from '../events/mailbox-counts.js';
import { MESSAGE_SUMMARY, MessageSummaryPackage } from '../events/message-summary.js';
import { SubscriptionManager } from '../events/subscription-manager.js';
import { UnsolicitedMwi, type MwiMode } from '../events/unsolicited-mwi.js';
import type { LocalVia } from '../sip/dialog/local-via.js';
import type { SipResponse } from '../sip/message/types.js';
import type { TransportProtocol } from '../sip/transport/types.js';
import type { TransactionLayer } from '../sip/transaction/transaction-layer.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { readMwiModes } from '../tenant/mwi-spec.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export interface EventWiring {
  subscriptions: SubscriptionManager;
  unsolicited: UnsolicitedMwi;
  /** The voicemail counts MWI reads; the in-memory one until the voicemail service provides its own. */
  boxes: MailboxCounts;
  /** Calls per extension (fed by the B2BUA), read by the dialog and presence packages. */
  extensions: ExtensionStates;
  /** An extension's registered contacts changed: its presence watchers hear of it. */
  bindingsChanged(tenantId: string, ext: string): void;
  stop(): void;
}

/**
 * SUBSCRIBE/NOTIFY (src/events) for the composition root: the subscription manager with
 * its packages (message-summary, dialog for busy lamps, presence), and unsolicited MWI, both
 * fed by the voicemail box counts.
 */
export function eventWiring(o: {
  config: () => PbxConfig;
  clock: Clock;
  logger: Logger;
  transactions: TransactionLayer;
  viaFor: (protocol: TransportProtocol) => LocalVia;
  contactFor: (protocol: TransportProtocol) => string;
  decorate: (res: SipResponse) => SipResponse;
  tenantById: (id: string) => TenantContext | undefined;
  boxes?: MailboxCounts;
  extensions?: ExtensionStates;
}): EventWiring {
  const boxes = o.boxes ?? new InMemoryMailboxCounts();
  const extensions = o.extensions ?? new ExtensionStates();
  const subscriptions = new SubscriptionManager({
    clock: o.clock,
    logger: o.logger,
    packages: [
      new MessageSummaryPackage(boxes),
      // The tenant file's `blf: { showPeers }` (blf-setting.ts) lets watchers see who a colleague talks to.
      new DialogPackage(extensions, (tenant) => readBlfSettings(tenant.store).showPeers),
      new PresencePackage(extensions, () => o.clock.now()),
    ],
    policy: () => o.config().subscriptions ?? SUBSCRIPTION_DEFAULTS,
    transactions: o.transactions,
    viaFor: o.viaFor,
    contactFor: o.contactFor,
    decorate: o.decorate,
    tenantById: o.tenantById,
  });
  const unlisten = boxes.onChange((tenant, box) => subscriptions.changed(tenant, MESSAGE_SUMMARY, box));
  const unlistenCalls = extensions.onChange((tenant, resource) => {
    subscriptions.changed(tenant, DIALOG_EVENT, resource);
    subscriptions.changed(tenant, PRESENCE_EVENT, resource);
  });
  const unsolicited = new UnsolicitedMwi({
    clock: o.clock,
    logger: o.logger,
    boxes,
    tenantById: o.tenantById,
    // The extension's `voicemail: { mwi }` from its tenant's store (mwi-spec.ts).
    modeOf: (tenant, ext): MwiMode | undefined => readMwiModes(tenant.store).get(ext),
    transactions: o.transactions,
    viaFor: o.viaFor,
    contactFor: o.contactFor,
  });
  return {
    subscriptions,
    unsolicited,
    boxes,
    extensions,
    bindingsChanged: (tenantId, ext) => subscriptions.changed(tenantId, PRESENCE_EVENT, ext),
    stop() {
      unlisten();
      unlistenCalls();
      unsolicited.stop();
      subscriptions.stop();
    },
  };
}
