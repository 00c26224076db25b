/**
 * Composition of the conference rooms: the B2BUA's conference calls get media sessions pinned
 * to their room's worker, the tenant's prompts (tenant, operator, built-in: prompt-path.ts),
 * the tenant's music on hold, and the B2BUA's own SIP plumbing.
 */
import type { B2bua } from '../b2bua/b2bua.js';
import type { CallActivitySink } from '../b2bua/call-activity.js';
import { ConferenceCalls } from '../b2bua/conference-calls.js';
import type { ConferenceMedia } from '../b2bua/conference-call.js';
import type { CallRecorder, WebrtcIdentity } from '../b2bua/ports.js';
import type { MediaController } from '../media/controller.js';
import { resolvePrompt } from '../media/prompts/prompt-path.js';
import type { SipResponse } from '../sip/message/types.js';
import type { Target } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export function conferenceCalls(o: {
  b2bua: () => B2bua;
  media: MediaController;
  clock: Clock;
  logger: Logger;
  dataDir: string;
  promptsDir: () => string | undefined;
  recorderFor(tenant: TenantContext): CallRecorder;
  musicOnHold(tenant: TenantContext): readonly string[] | undefined;
  send(res: SipResponse, target: Target): Promise<void>;
  timers: () => { t1: number; t2: number };
  activity?: CallActivitySink;
  webrtcIdentity?: () => WebrtcIdentity | undefined;
}): ConferenceCalls {
  return new ConferenceCalls({
    io: {
      get sessionPolicy() {
        return o.b2bua().sessionPolicy;
      },
      viaFor: (p) => o.b2bua().viaFor(p),
      contactFor: (p) => o.b2bua().contactFor(p),
      sendRequest: (req, target, user) => o.b2bua().sendRequest(req, target, user),
      ackDialog: (dialog, res, target) => o.b2bua().ackDialog(dialog, res, target),
    },
    clock: o.clock,
    logger: o.logger,
    ...(o.activity ? { activity: o.activity } : {}),
    ...(o.webrtcIdentity ? { webrtcIdentity: o.webrtcIdentity } : {}),
    settings: o.timers,
    recorderFor: o.recorderFor,
    createMedia: async (id, opts) => (await o.media.createSession(id, { affinity: opts.affinity })) as unknown as ConferenceMedia,
    prompt: (tenant, id) => {
      try {
        const dir = o.promptsDir();
        return [resolvePrompt(id, tenant.id, { dataDir: o.dataDir, ...(dir !== undefined ? { operatorDir: dir } : {}) }).path];
      } catch (e) {
        o.logger.warn('prompt not found', { tenant: tenant.id, prompt: id, error: e });
        return [];
      }
    },
    musicOnHold: o.musicOnHold,
    sendToCaller: (res, target) => {
      o.send(res, target).catch(() => undefined);
    },
  });
}
