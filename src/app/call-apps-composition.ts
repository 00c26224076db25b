/**
 * The one CallApps object the B2BUA is given, composed from the feature modules of src/apps:
 * voicemail (deposit, box of an extension, *97/*98), IVR menus and time conditions (*27<n>),
 * forwarding and do-not-disturb (the feature-code registry and extension policies). Also the
 * voicemail service's side of MWI (MailboxCounts for the message-summary package and
 * unsolicited NOTIFY) and of the deposit notifications (e-mail, webhooks): one voicemail
 * service, so counts, API and phones never disagree.
 */
import { join } from 'node:path';
import type { CallApps } from '../apps/call-apps.js';
import type { CallFlowApps } from '../apps/call-flow-apps.js';
import type { FeatureCodeRegistry } from '../apps/feature-codes/feature-code-registry.js';
import type { VoicemailApps } from '../apps/voicemail/voicemail-apps.js';
import { QueueLoginApp } from '../apps/queue/queue-login-app.js';
import type { QueueService } from '../apps/queue/queue-service.js';
import type { VoicemailService } from '../apps/voicemail/voicemail-service.js';
import type { BoxCounts, MailboxCounts } from '../events/mailbox-counts.js';
import type { VoicemailEvent } from '../notify/voicemail-event.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { tenantDir } from '../store/tenant-id.js';
import type { VoicemailMessageRow } from '../store/voicemail-table.js';

export function composeCallApps(o: {
  voicemail: VoicemailApps;
  flows: CallFlowApps;
  handling: { registry: FeatureCodeRegistry; apps: Required<Pick<CallApps, 'featureCode' | 'extensionPolicy'>> };
  queues?: QueueService;
}): CallApps {
  const reg = o.handling.registry;
  reg.register('voicemail', (ctx) => o.voicemail.featureCodes.voicemail({ tenant: ctx.tenant, callerExt: ctx.callerExt, ...(ctx.arg !== undefined ? { argument: ctx.arg } : {}) }));
  reg.register('voicemailAny', (ctx) => o.voicemail.featureCodes.voicemailAny({ tenant: ctx.tenant, callerExt: ctx.callerExt, ...(ctx.arg !== undefined ? { argument: ctx.arg } : {}) }));
  reg.register('timeConditionToggle', (ctx) => o.flows.timeConditionToggle(ctx.tenant, ctx.arg ?? ''));
  const queues = o.queues;
  if (queues) {
    reg.register('queueLogin', (ctx) => new QueueLoginApp(queues, ctx.tenant, ctx.callerExt, true, ctx.arg));
    reg.register('queueLogout', (ctx) => new QueueLoginApp(queues, ctx.tenant, ctx.callerExt, false, ctx.arg));
  }
  return {
    ...o.voicemail.callApps,
    ivr: (tenant, name) => o.flows.ivr(tenant, name),
    timeCondition: (tenant, name, nowMs) => o.flows.timeCondition(tenant, name, nowMs),
    ...o.handling.apps,
    ...(queues ? { queue: (tenant, name) => queues.app(tenant, name), queueByNumber: (tenant, dialled) => queues.byNumber(tenant, dialled) } : {}),
  };
}

/**
 * The voicemail service as src/events sees it. Counts are read from the tenant's store at
 * each NOTIFY; `changed` is what the service's onCountsChanged calls.
 */
export class VoicemailMailboxCounts implements MailboxCounts {
  private readonly listeners = new Set<(tenant: string, box: string, counts: BoxCounts) => void>();

  constructor(
    private readonly tenantById: (id: string) => TenantContext | undefined,
    private readonly service: () => VoicemailService,
  ) {}

  changed(tenant: TenantContext, box: string, counts: { new: number; old: number }): void {
    for (const l of this.listeners) l(tenant.id, box, { new: counts.new, old: counts.old });
  }

  counts(tenantId: string, box: string): BoxCounts | undefined {
    const t = this.tenantById(tenantId);
    if (!t || !this.service().box(t, box)) return undefined;
    const c = this.service().counts(t, box);
    return { new: c.new, old: c.old };
  }

  members(tenantId: string, box: string): readonly string[] | undefined {
    const t = this.tenantById(tenantId);
    return t ? this.service().box(t, box)?.members : undefined;
  }

  onChange(cb: (tenant: string, box: string, counts: BoxCounts) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}

/** A deposit as the notifiers (e-mail, webhooks) take it; the file's real path inside the tenant's folder. */
export function depositEvent(dataDir: string, tenant: TenantContext, box: string, m: VoicemailMessageRow): VoicemailEvent {
  return {
    tenant: tenant.id,
    box,
    message: {
      id: m.id,
      from: m.callerNumber ?? m.callerName ?? 'unknown',
      at: m.receivedAt,
      durationMs: m.durationMs,
      path: join(tenantDir(dataDir, tenant.id), m.file),
    },
  };
}
