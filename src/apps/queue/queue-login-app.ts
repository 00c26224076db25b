/**
 * The feature codes queueLogin (*45) and queueLogout (*46), dialled by an extension: with a
 * queue's number after the code (*45600) that queue only, else every queue of the caller's
 * tenant that lists the caller under `agents:`. The caller hears "activated" /
 * "deactivated", or "feature not available" when no queue lists it, then the PBX hangs up.
 */
import type { TenantContext } from '../../tenant/tenant-context.js';
import type { AppChannel, CallApp } from '../app-channel.js';
import type { QueueService } from './queue-service.js';

export class QueueLoginApp implements CallApp {
  constructor(
    private readonly svc: QueueService,
    private readonly tenant: TenantContext,
    private readonly ext: string,
    private readonly on: boolean,
    private readonly queueNumber?: string,
  ) {}

  async run(ch: AppChannel): Promise<void> {
    const touched = this.svc.setLogin(this.tenant, this.ext, this.on, this.queueNumber !== undefined ? { number: this.queueNumber } : undefined);
    if (!(await ch.answer())) return;
    const prompt = touched.length === 0 ? 'feature-not-available' : this.on ? 'activated' : 'deactivated';
    await ch.play(ch.prompts([prompt]));
    ch.hangup(touched.length === 0 ? 'no queue lists this agent' : `queue ${this.on ? 'login' : 'logout'}: ${touched.join(',')}`);
  }
}
