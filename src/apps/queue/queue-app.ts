/**
 * One caller in a call queue. The caller is refused into the overflow (or hung up) when
 * the queue is full (maxLength) or, with joinEmpty false, nobody is logged in with a
 * registered phone. Otherwise the PBX answers, the caller hears the tenant's music on hold
 * and waits its turn (first come, first served: a caller is offered to agents once every
 * caller ahead of it is being offered). Each offer rings the agents the strategy picks
 * (chooseAgents) for ringSeconds; the first to answer is bridged, and when that call ends
 * the agent is in wrap-up for wrapUpSeconds. An agent that did not answer is not rung again
 * for the same caller until every free agent was tried. After maxWaitSeconds the caller
 * goes to the overflow. Every announceSeconds the caller hears its position and the
 * expected wait. Waiting is on the service's injected clock.
 */
import { sayNumber } from '../../media/prompts/prompt-catalog.js';
import type { CallQueue } from '../../model/call-queue.js';
import type { Logger } from '../../util/logger.js';
import type { AppChannel, CallApp } from '../app-channel.js';
import { toDestination } from '../flow-destination-port.js';
import type { QueueRuntime, Waiter } from './queue-runtime.js';
import type { QueueService } from './queue-service.js';
import { chooseAgents } from './queue-strategy.js';

/** After every free agent was tried for a caller without an answer, wait this long before the next round. */
export const RETRY_PAUSE_MS = 2000;

export class QueueApp implements CallApp {
  constructor(
    private readonly svc: QueueService,
    private readonly name: string,
    private readonly logger?: Logger,
  ) {}

  async run(ch: AppChannel): Promise<void> {
    const q = this.svc.spec(ch.tenant, this.name);
    if (!q) return ch.hangup('queue not found');
    const rt = this.svc.runtime(ch.tenant, q.name);
    if (!ch.bridgeTo) return ch.hangup('queues not supported here');
    if (q.maxLength > 0 && rt.length >= q.maxLength) return this.overflow(ch, q, rt, undefined, 'queue full');
    if (!q.joinEmpty && this.svc.staffed(ch.tenant, q) === 0) return this.overflow(ch, q, rt, undefined, 'no agent logged in');
    if (!(await ch.answer())) return;
    const me = rt.join();
    ch.onHangup(() => rt.wake());
    await ch.musicOnHold?.();
    const tried = new Set<string>();
    let pauseUntil = 0;
    let nextAnnounce = q.announceSeconds > 0 ? me.joinedAt + q.announceSeconds * 1000 : Number.POSITIVE_INFINITY;
    const deadline = q.maxWaitSeconds > 0 ? me.joinedAt + q.maxWaitSeconds * 1000 : Number.POSITIVE_INFINITY;
    for (;;) {
      if (ch.hungUp) return rt.abandon(me);
      const now = this.svc.clock.now();
      if (now >= deadline) return this.overflow(ch, q, rt, me, 'max wait');
      if (now >= nextAnnounce) {
        await this.announce(ch, rt, me);
        nextAnnounce = this.svc.clock.now() + q.announceSeconds * 1000;
        continue;
      }
      if (now >= pauseUntil && rt.mayRing(me)) {
        const free = this.svc.freeAgents(ch.tenant, q);
        const fresh = free.filter((a) => !tried.has(a.ext));
        if (fresh.length === 0 && free.length > 0) {
          // Every free agent was tried for this caller: a short pause, then a new round.
          tried.clear();
          pauseUntil = now + RETRY_PAUSE_MS;
          continue;
        }
        const exts = chooseAgents(q.strategy, fresh, rt.lastOrder, this.svc.random);
        if (exts.length > 0) {
          const outcome = await this.offer(ch, q, rt, me, exts, Math.min(q.ringSeconds * 1000, deadline - now));
          if (outcome === 'done') return;
          for (const e of exts) tried.add(e);
          continue;
        }
      }
      await rt.waitChange(Math.min(deadline, nextAnnounce, pauseUntil > now ? pauseUntil : Number.POSITIVE_INFINITY, this.svc.nextWrapUpEnd(ch.tenant, q)));
    }
  }

  /** Ring `exts` for this caller: 'done' when bridged or the caller left, 'again' to keep waiting. */
  private async offer(ch: AppChannel, q: CallQueue, rt: QueueRuntime, me: Waiter, exts: string[], timeoutMs: number): Promise<'done' | 'again'> {
    const tenant = ch.tenant;
    if (q.strategy === 'roundrobin') rt.lastOrder = this.svc.freeAgents(tenant, q).find((a) => a.ext === exts[0])?.order ?? rt.lastOrder;
    me.ringing = true;
    this.svc.ringing(tenant, exts, true);
    const r = await ch.bridgeTo!(exts, { timeoutMs });
    me.ringing = false;
    if (r.kind === 'answered') {
      // Busy from now until the call ends (either side hangs up), then wrap-up.
      this.svc.agentOnCall(tenant, r.ext);
      rt.recordAnswer(me, r.ext, q.serviceLevelSeconds);
      ch.onHangup(() => this.svc.agentDone(tenant, q, r.ext));
      this.svc.ringing(tenant, exts, false);
      this.logger?.info('queue call answered', { tenant: tenant.id, queue: q.name, call: ch.callId, agent: r.ext });
      return 'done';
    }
    this.svc.ringing(tenant, exts, false);
    if (r.kind === 'hangup' || ch.hungUp) {
      rt.abandon(me);
      return 'done';
    }
    await ch.musicOnHold?.();
    return 'again';
  }

  private async announce(ch: AppChannel, rt: QueueRuntime, me: Waiter): Promise<void> {
    const pos = rt.position(me);
    if (pos === 0) return;
    const avg = rt.stats().averageWaitSeconds;
    const ids = [
      ...(pos === 1 ? ['queue-you-are-next'] : ['queue-you-are-caller-number', ...sayNumber(pos)]),
      ...(avg > 0 ? ['queue-hold-time', ...(avg < 60 ? ['queue-less-than', ...sayNumber(1), 'minute'] : [...sayNumber(Math.round(avg / 60)), 'minutes'])] : []),
      'queue-thank-you',
    ];
    await ch.stopPlay();
    await ch.play(ch.prompts(ids));
    if (!ch.hungUp) await ch.musicOnHold?.();
  }

  private overflow(ch: AppChannel, q: CallQueue, rt: QueueRuntime, me: Waiter | undefined, why: string): void {
    rt.overflow(me);
    this.logger?.info('queue overflow', { tenant: ch.tenant.id, queue: q.name, call: ch.callId, why });
    if (q.overflow) ch.continueTo(toDestination(q.overflow), { reason: `queue ${q.name}: ${why}` });
    else ch.hangup(`queue ${q.name}: ${why}`);
  }
}
