/**
 * Call queues of every tenant, as the composition root wires them: the queue a name or a
 * dial number leads to (read from the tenant's own call-flow document only), the live
 * runtime of each queue, the state of each agent (ringing, on a queue call, in wrap-up:
 * kept per tenant and extension, so an agent in two queues is offered one call at a time),
 * logins, and the statistics the API and /metrics show. A queue name is only ever looked
 * up in the tenant given: another tenant's queue of the same name is a different queue.
 */
import { queueExtensions, type CallQueue } from '../../model/call-queue.js';
import { readCallFlows } from '../../store/call-flows-store.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { CallApp } from '../app-channel.js';
import { QueueApp } from './queue-app.js';
import { loggedInAgents, setLogin } from './queue-logins.js';
import { QueueRuntime, type QueueStats } from './queue-runtime.js';
import type { AgentView } from './queue-strategy.js';

interface AgentState {
  ringing: number;
  onCall: boolean;
  wrapUntil: number;
}

export interface QueueServiceDeps {
  clock: Clock;
  /** The random source of the random strategy; default Math.random. */
  random?: () => number;
  logger?: Logger;
  /** Whether the extension is in a call now outside this queue service (a direct call); absent: only queue calls count. */
  inCall?(tenantId: string, ext: string): boolean;
}

export interface AgentStatus {
  ext: string;
  penalty: number;
  /** A static member, or an agent who logs in. */
  kind: 'member' | 'agent';
  loggedIn: boolean;
  /** Has a registered phone now. */
  registered: boolean;
  state: 'free' | 'ringing' | 'on-call' | 'wrap-up';
  answered: number;
}

const SEP = '\u0000';

export class QueueService {
  private readonly runtimes = new Map<string, QueueRuntime>();
  private readonly agents = new Map<string, AgentState>();
  readonly random: () => number;

  constructor(readonly d: QueueServiceDeps) {
    this.random = d.random ?? Math.random;
  }

  get clock(): Clock {
    return this.d.clock;
  }

  queues(tenant: TenantContext): CallQueue[] {
    return readCallFlows(tenant.store).queues ?? [];
  }

  spec(tenant: TenantContext, name: string): CallQueue | undefined {
    return this.queues(tenant).find((q) => q.name === name);
  }

  /** CallApps.queue. */
  app(tenant: TenantContext, name: string): CallApp | undefined {
    return this.spec(tenant, name) ? new QueueApp(this, name, this.d.logger) : undefined;
  }

  /** CallApps.queueByNumber. */
  byNumber(tenant: TenantContext, dialled: string): string | undefined {
    if (!/^[0-9]{1,32}$/.test(dialled)) return undefined;
    return this.queues(tenant).find((q) => q.number === dialled)?.name;
  }

  runtime(tenant: TenantContext, name: string): QueueRuntime {
    const key = tenant.id + SEP + name;
    let r = this.runtimes.get(key);
    if (!r) {
      r = new QueueRuntime(this.d.clock);
      this.runtimes.set(key, r);
    }
    return r;
  }

  private agent(tenant: TenantContext, ext: string): AgentState {
    const key = tenant.id + SEP + ext;
    let a = this.agents.get(key);
    if (!a) {
      a = { ringing: 0, onCall: false, wrapUntil: 0 };
      this.agents.set(key, a);
    }
    return a;
  }

  private registered(tenant: TenantContext, ext: string, now: number): boolean {
    const row = tenant.store.getExtension(ext);
    if (!row || !row.enabled) return false;
    return tenant.store.getBindings(ext).some((b) => b.expiresAt > now);
  }

  /** Members and logged-in agents, with their penalty and member order. */
  private loggedIn(tenant: TenantContext, q: CallQueue): Array<{ ext: string; penalty: number; order: number }> {
    const logged = new Set(loggedInAgents(tenant.store, q));
    const out = q.members.map((m, i) => ({ ext: m.ext, penalty: m.penalty, order: i }));
    q.agents.forEach((a, i) => {
      if (logged.has(a.ext)) out.push({ ext: a.ext, penalty: a.penalty, order: q.members.length + i });
    });
    return out;
  }

  /** Logged in with a registered phone (whether free or not): the joinEmpty test. */
  staffed(tenant: TenantContext, q: CallQueue): number {
    const now = this.d.clock.now();
    return this.loggedIn(tenant, q).filter((a) => this.registered(tenant, a.ext, now)).length;
  }

  /** Agents that may be offered a call now: logged in, registered, not ringing, not on a call (a queue's or any other), not in wrap-up. */
  freeAgents(tenant: TenantContext, q: CallQueue): AgentView[] {
    const now = this.d.clock.now();
    const rt = this.runtime(tenant, q.name);
    return this.loggedIn(tenant, q)
      .filter((a) => {
        const s = this.agent(tenant, a.ext);
        return s.ringing === 0 && !s.onCall && now >= s.wrapUntil && !this.d.inCall?.(tenant.id, a.ext) && this.registered(tenant, a.ext, now);
      })
      .map((a) => {
        const last = rt.lastEndedAt.get(a.ext);
        return { ...a, answered: rt.answeredBy.get(a.ext) ?? 0, ...(last !== undefined ? { lastEndedAt: last } : {}) };
      });
  }

  /** When the next agent of `q` leaves wrap-up (Infinity: none is in wrap-up). */
  nextWrapUpEnd(tenant: TenantContext, q: CallQueue): number {
    const now = this.d.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const ext of queueExtensions(q)) {
      const s = this.agents.get(tenant.id + SEP + ext);
      if (s && s.wrapUntil > now && !s.onCall) next = Math.min(next, s.wrapUntil);
    }
    return next;
  }

  ringing(tenant: TenantContext, exts: readonly string[], on: boolean): void {
    for (const e of exts) {
      const s = this.agent(tenant, e);
      s.ringing = Math.max(0, s.ringing + (on ? 1 : -1));
    }
    if (!on) this.wakeTenant(tenant);
  }

  /** `ext` answered a call of `q`: busy until agentDone. */
  agentOnCall(tenant: TenantContext, ext: string): void {
    this.agent(tenant, ext).onCall = true;
  }

  /** The queue call of `ext` ended: wrap-up, then free again. */
  agentDone(tenant: TenantContext, q: CallQueue, ext: string): void {
    const s = this.agent(tenant, ext);
    s.onCall = false;
    s.wrapUntil = this.d.clock.now() + q.wrapUpSeconds * 1000;
    this.runtime(tenant, q.name).agentCallEnded(ext);
    this.wakeTenant(tenant);
  }

  /** Every waiter of the tenant's queues re-checks (an agent may serve several). */
  wakeTenant(tenant: TenantContext): void {
    const prefix = tenant.id + SEP;
    for (const [k, r] of this.runtimes) if (k.startsWith(prefix)) r.wake();
  }

  /** Log an agent in or out of one queue (by name or number) or, without one, of every queue listing it. */
  setLogin(tenant: TenantContext, ext: string, on: boolean, queue?: { name?: string; number?: string }): string[] {
    const all = this.queues(tenant);
    const chosen = queue === undefined ? all : all.filter((q) => (queue.name !== undefined && q.name === queue.name) || (queue.number !== undefined && q.number === queue.number));
    const touched = setLogin(tenant.store, chosen, ext, on);
    if (touched.length > 0) this.wakeTenant(tenant);
    return touched;
  }

  stats(tenant: TenantContext, name: string): QueueStats | undefined {
    return this.spec(tenant, name) ? this.runtime(tenant, name).stats() : undefined;
  }

  agentStatus(tenant: TenantContext, q: CallQueue): AgentStatus[] {
    const now = this.d.clock.now();
    const logged = new Set(loggedInAgents(tenant.store, q));
    const rt = this.runtime(tenant, q.name);
    const one = (ext: string, penalty: number, kind: 'member' | 'agent'): AgentStatus => {
      const s = this.agents.get(tenant.id + SEP + ext);
      const state = !s ? 'free' : s.onCall ? 'on-call' : s.ringing > 0 ? 'ringing' : now < s.wrapUntil ? 'wrap-up' : 'free';
      return { ext, penalty, kind, loggedIn: kind === 'member' || logged.has(ext), registered: this.registered(tenant, ext, now), state, answered: rt.answeredBy.get(ext) ?? 0 };
    };
    return [...q.members.map((m) => one(m.ext, m.penalty, 'member')), ...q.agents.map((a) => one(a.ext, a.penalty, 'agent'))];
  }

  /** Every queue with live state, for /metrics (tenant and queue labels). */
  allStats(): Array<{ tenant: string; queue: string; stats: QueueStats }> {
    return [...this.runtimes].map(([k, r]) => {
      const [tenant, queue] = k.split(SEP) as [string, string];
      return { tenant, queue, stats: r.stats() };
    });
  }
}
