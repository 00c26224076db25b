/**
 * The public surface of voicemail for the composition root: the CallApps members the B2BUA
 * calls (voicemailDeposit, boxOfExtension) and the factories the feature-code registry
 * maps its ids to (voicemail = *97, voicemailAny = *98 by default).
 */
import type { CallApp } from '../app-channel.js';
import type { CallApps, DepositReason } from '../call-apps.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { DepositApp } from './deposit-app.js';
import { RetrievalApp } from './retrieval-app.js';
import { VoicemailService, type VoicemailDeps } from './voicemail-service.js';

/** What a feature code's factory is given (the registry's context: the call's tenant and caller). */
export interface FeatureCodeContext {
  tenant: TenantContext;
  callerExt?: string;
  /** The digits after the code, if any. */
  argument?: string;
}

export interface VoicemailApps {
  service: VoicemailService;
  callApps: Required<Pick<CallApps, 'voicemailDeposit' | 'boxOfExtension'>>;
  featureCodes: { voicemail: (ctx: FeatureCodeContext) => CallApp; voicemailAny: (ctx: FeatureCodeContext) => CallApp };
}

export function voicemailApps(deps: VoicemailDeps): VoicemailApps {
  const service = new VoicemailService(deps);
  return {
    service,
    callApps: {
      voicemailDeposit: (tenant: TenantContext, box: string, reason: DepositReason) => (service.box(tenant, box) ? new DepositApp(service, box, reason) : undefined),
      boxOfExtension: (tenant: TenantContext, ext: string) => service.boxOfExtension(tenant, ext),
    },
    featureCodes: {
      voicemail: () => new RetrievalApp(service, 'own'),
      voicemailAny: () => new RetrievalApp(service, 'any'),
    },
  };
}
