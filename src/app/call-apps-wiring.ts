/**
 * Composition of the call applications for the B2BUA (b2bua/app-calls-wiring.ts): the
 * CallApps the server holds (src/apps, or a test's own), calls.maxForwardHops, the tenant's
 * class of service for inbound calls sent out (routing plan `inboundCos`, when the tenant
 * store has one), and prompts resolved per tenant (tenant, operator, built-in: prompt-path.ts).
 */
import type { CallApps } from '../apps/call-apps.js';
import type { AppCallsOptions } from '../b2bua/app-calls-wiring.js';
import { resolvePrompt } from '../media/prompts/prompt-path.js';
import { trimWavTail } from '../media/wav/wav-trim.js';
import type { Logger } from '../util/logger.js';

export function appCallsOptions(o: { callApps: () => CallApps | undefined; maxForwardHops: () => number; dataDir: string; promptsDir: () => string | undefined; logger: Logger }): AppCallsOptions {
  return {
    callApps: o.callApps,
    maxForwardHops: o.maxForwardHops,
    trimRecordingTail: trimWavTail,
    inboundCos: (tenant) => (tenant.store.getRoutingPlan() as { inboundCos?: string }).inboundCos,
    prompts: (tenant, ids) => {
      const dir = o.promptsDir();
      const out: string[] = [];
      for (const id of ids) {
        try {
          out.push(resolvePrompt(id, tenant.id, { dataDir: o.dataDir, ...(dir !== undefined ? { operatorDir: dir } : {}) }).path);
        } catch (e) {
          o.logger.warn('prompt not found', { tenant: tenant.id, prompt: id, error: e });
        }
      }
      return out;
    },
  };
}
