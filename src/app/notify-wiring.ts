import type { PbxConfig } from '../config/types.js';
import { DepositEvents } from '../notify/deposit-events.js';
import { EmailNotifier } from '../notify/email-notifier.js';
import type { VoicemailEventSource } from '../notify/voicemail-event.js';
import { WebhookNotifier } from '../notify/webhook-notifier.js';
import type { TenantStorePool } from '../store/store-pool.js';
import { readWebhooks } from '../tenant/webhook-spec.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { trunkAddressPolicy } from './trunk-address-policy.js';

export interface NotifyWiring {
  /** Where the voicemail service reports deposits (unless it brings its own source). */
  deposits: DepositEvents;
  email: EmailNotifier;
  webhooks: WebhookNotifier;
  stop(): void;
}

/**
 * Voicemail notifications for the composition root: every deposit is mailed to the box's
 * address through pbx.yaml `smtp:` and POSTed to the tenant's webhooks (tenant YAML
 * `webhooks:`, read from its store), both in the background.
 */
export function notifyWiring(o: {
  config: () => PbxConfig;
  clock: Clock;
  logger: Logger;
  pool: TenantStorePool;
  listening: () => string[];
  /** The voicemail service's deposits; default the DepositEvents made here. */
  source?: VoicemailEventSource;
  /** A box's e-mail address (the voicemail box's `email`); none: no mail. */
  addressOf: (tenant: string, box: string) => string | undefined;
  /** The tenant's time zone (tenant YAML `timezone:`); default UTC. */
  timeZoneOf?: (tenant: string) => string | undefined;
}): NotifyWiring {
  const log = o.logger.child('notify');
  const deposits = new DepositEvents((e) => log.error('deposit listener failed', { error: e }));
  const email = new EmailNotifier({
    clock: o.clock,
    logger: log,
    smtp: () => o.config().smtp,
    addressOf: o.addressOf,
    timeZoneOf: o.timeZoneOf ?? (() => undefined),
  });
  const webhooks = new WebhookNotifier({
    clock: o.clock,
    logger: log,
    webhooksOf: (tenant) => {
      try {
        return readWebhooks(o.pool.get(tenant));
      } catch (e) {
        log.error('webhooks of a tenant not readable', { tenant, error: e });
        return [];
      }
    },
    refusal: (ip) => trunkAddressPolicy(o.config(), o.listening()).refusal(ip),
  });
  const source = o.source ?? deposits;
  const unlisten = source.onDeposit((e) => {
    // In the background: a slow relay or receiver never holds up the call that left the message.
    void email.deposit(e);
    void webhooks.deposit(e);
  });
  return { deposits, email, webhooks, stop: unlisten };
}
