/**
 * A tenant's call queues through the API: the list (GET/PUT .../queues), one queue (GET/
 * PUT/DELETE .../queues/{name}), its live statistics and agents (GET .../queues/{name}/stats),
 * and an agent's login (PUT/DELETE .../queues/{name}/agents/{ext}).
 *
 * Queues are part of the tenant's call-flow document (src/model/call-flows.ts): every write
 * builds the whole document and checks it exactly as the tenant YAML is checked (members
 * and agents extensions of THIS tenant, overflow destinations of this tenant), 422 with
 * the problems, nothing written. A queue of another tenant is the same 404 as one that does
 * not exist. A login is an act of the moment, not configuration: it may be set on a tenant
 * managed by its YAML file too.
 */
import type { AgentStatus } from '../../apps/queue/queue-service.js';
import type { QueueStats } from '../../apps/queue/queue-runtime.js';
import { parseCallFlows, type CallFlows } from '../../model/call-flows.js';
import type { CallQueue } from '../../model/call-queue.js';
import { CALL_FLOWS_SETTING, callFlowsJson, readCallFlows } from '../../store/call-flows-store.js';
import { readConferences } from '../../tenant/conference-spec.js';
import type { SpecProblem } from '../../model/tenant-errors.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { notFound, type ApiRequest, type JsonSchema, type RouteDef } from '../api-types.js';
import { invalid, PROBLEMS_DESCRIPTION, refuseFileManaged, ROLES_ADMIN, tenantOf, writeMeta, type TenantResourceDeps } from './tenant-resource-kit.js';

/** The live side of the queues (apps/queue QueueService fits). */
export interface QueueControl {
  stats(tenant: TenantContext, name: string): QueueStats | undefined;
  agentStatus(tenant: TenantContext, q: CallQueue): AgentStatus[];
  setLogin(tenant: TenantContext, ext: string, on: boolean, queue?: { name?: string }): string[];
}

const TAG = 'Call queues';
const NAME: JsonSchema = { type: 'string', pattern: '^[a-z0-9-]{1,63}$' };
const EXT: JsonSchema = { type: 'string', pattern: '^[0-9]{1,32}$' };
const QUEUE: JsonSchema = {
  type: 'object',
  description:
    'name, number (dialled by the tenant\'s phones), strategy (ringall | roundrobin | leastrecent | fewestcalls | random), members and agents ("1001" or { ext, penalty }), ringSeconds, wrapUpSeconds, maxWaitSeconds, maxLength, joinEmpty, announceSeconds, serviceLevelSeconds, overflow (destination)',
  properties: { name: NAME, strategy: { type: 'string' }, members: { type: 'array', maxItems: 200 }, agents: { type: 'array', maxItems: 200 } },
};
const LIST: JsonSchema = { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', maxItems: 100, items: QUEUE } } };
const STATS: JsonSchema = {
  type: 'object',
  required: ['name', 'stats', 'agents'],
  properties: {
    name: NAME,
    stats: {
      type: 'object',
      description: 'waiting, longestWaitSeconds, offered, answered, abandoned, overflowed, answeredWithinServiceLevel, serviceLevel (0-1), averageWaitSeconds (since the server started)',
    },
    agents: { type: 'array', items: { type: 'object', description: 'ext, penalty, kind (member | agent), loggedIn, registered, state (free | ringing | on-call | wrap-up), answered' } },
  },
};

export function queueRoutes(deps: TenantResourceDeps): RouteDef[] {
  const current = (t: TenantContext): CallFlows => readCallFlows(t.store);

  function check(t: TenantContext, queues: unknown, rename: (path: string) => string): CallFlows {
    const problems: SpecProblem[] = [];
    const plan = t.store.getRoutingPlan();
    const flows = parseCallFlows(
      { ...current(t), queues },
      { extensions: new Set(t.store.listExtensions().map((e) => e.ext)), ringGroups: new Set(plan.ringGroups.map((g) => g.name)), conferences: new Set(readConferences(t.store).map((c) => c.number)) },
      (path, message) => problems.push({ path: rename(path), message }),
    );
    if (problems.length > 0) throw invalid(problems);
    return flows;
  }

  function write(req: ApiRequest<unknown>, t: TenantContext, flows: CallFlows, action: string, target: string): void {
    const meta = writeMeta(deps, req, action, target);
    t.store.setSetting(CALL_FLOWS_SETTING, callFlowsJson(flows) ?? JSON.stringify(flows));
    if (meta.audit) t.store.appendAudit({ at: meta.now, ...meta.audit });
  }

  function queueOf(t: TenantContext, req: ApiRequest<unknown>): CallQueue {
    const name = req.params['name'] ?? '';
    const q = /^[a-z0-9-]{1,63}$/.test(name) ? current(t).queues?.find((x) => x.name === name) : undefined;
    if (!q) throw notFound();
    return q;
  }

  /**
   * Inbound routes, ring-group fallbacks and forwards (stored apart from the call-flow
   * document) that lead to a queue no longer in `flows`: a problem each, so a queue cannot be
   * removed while a call would be sent to it.
   */
  function danglingReferences(t: TenantContext, flows: CallFlows): SpecProblem[] {
    const left = new Set((flows.queues ?? []).map((q) => q.name));
    const gone = (d: { type: string; name?: string } | undefined): d is { type: 'queue'; name: string } => d?.type === 'queue' && !left.has(d.name ?? '');
    const out: SpecProblem[] = [];
    const plan = t.store.getRoutingPlan();
    for (const r of plan.inboundRoutes) if (gone(r.destination)) out.push({ path: 'queues', message: `inbound route ${r.did} leads to queue ${r.destination.name}` });
    for (const g of plan.ringGroups) if (gone(g.fallback)) out.push({ path: 'queues', message: `ring group ${g.name} falls back to queue ${g.fallback.name}` });
    for (const [ext, h] of t.store.callHandling.list()) {
      for (const d of [h.always, h.busy, h.noAnswer?.to, h.unavailable]) if (gone(d)) out.push({ path: 'queues', message: `extension ${ext} forwards to queue ${d.name}` });
    }
    return out;
  }

  function checkAll(t: TenantContext, queues: unknown, rename: (path: string) => string): CallFlows {
    const flows = check(t, queues, rename);
    const dangling = danglingReferences(t, flows);
    if (dangling.length > 0) throw invalid(dangling);
    return flows;
  }

  const relative = (prefix: string) => (p: string) => (p === prefix ? '' : p.startsWith(`${prefix}.`) ? p.slice(prefix.length + 1) : p);

  return [
    {
      method: 'GET',
      path: '/tenants/{tenantId}/queues',
      roles: ROLES_ADMIN,
      tag: TAG,
      summary: 'The call queues',
      response: { status: 200, schema: LIST },
      handler(req) {
        return { body: { items: current(tenantOf(deps, req)).queues ?? [] } };
      },
    },
    {
      method: 'PUT',
      path: '/tenants/{tenantId}/queues',
      roles: ROLES_ADMIN,
      tag: TAG,
      summary: 'Replace every call queue (checked exactly as the tenant YAML)',
      body: LIST,
      response: { status: 200, schema: LIST, description: PROBLEMS_DESCRIPTION },
      handler(req: ApiRequest<{ items: unknown[] }>) {
        const t = tenantOf(deps, req);
        refuseFileManaged(deps, req);
        const flows = checkAll(t, req.body.items, (p) => p.replace(/^queues\[/, 'items['));
        write(req, t, flows, 'queues.replace', 'queues');
        return { body: { items: flows.queues ?? [] } };
      },
    } as RouteDef<{ items: unknown[] }>,
    {
      method: 'GET',
      path: '/tenants/{tenantId}/queues/{name}',
      roles: ROLES_ADMIN,
      tag: TAG,
      summary: 'One call queue',
      params: { name: NAME },
      response: { status: 200, schema: QUEUE },
      handler(req) {
        return { body: queueOf(tenantOf(deps, req), req) };
      },
    },
    {
      method: 'PUT',
      path: '/tenants/{tenantId}/queues/{name}',
      roles: ROLES_ADMIN,
      tag: TAG,
      summary: 'Create or replace one call queue (its name is the one in the path)',
      params: { name: NAME },
      body: QUEUE,
      response: { status: 200, schema: QUEUE, description: PROBLEMS_DESCRIPTION },
      handler(req: ApiRequest<Record<string, unknown>>) {
        const t = tenantOf(deps, req);
        refuseFileManaged(deps, req);
        const name = req.params['name'] ?? '';
        if (!/^[a-z0-9-]{1,63}$/.test(name)) throw notFound();
        if (req.body['name'] !== undefined && req.body['name'] !== name) throw invalid([{ path: 'name', message: `must be ${name}, the name in the path (or left out)` }]);
        const cur = current(t).queues ?? [];
        const list: unknown[] = [...cur];
        const at = cur.findIndex((q) => q.name === name);
        const index = at >= 0 ? at : list.length;
        list[index] = { ...req.body, name };
        const flows = check(t, list, relative(`queues[${index}]`));
        write(req, t, flows, at >= 0 ? 'queue.update' : 'queue.create', name);
        return { body: flows.queues![index] };
      },
    } as RouteDef<Record<string, unknown>>,
    {
      method: 'DELETE',
      path: '/tenants/{tenantId}/queues/{name}',
      roles: ROLES_ADMIN,
      tag: TAG,
      summary: 'Remove a call queue (refused while a call flow leads to it)',
      params: { name: NAME },
      response: { status: 204, description: PROBLEMS_DESCRIPTION },
      handler(req) {
        const t = tenantOf(deps, req);
        refuseFileManaged(deps, req);
        const q = queueOf(t, req);
        const flows = checkAll(t, (current(t).queues ?? []).filter((x) => x.name !== q.name), (p) => p);
        write(req, t, flows, 'queue.delete', q.name);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      path: '/tenants/{tenantId}/queues/{name}/stats',
      roles: ROLES_ADMIN,
      tag: TAG,
      summary: 'Live statistics of a queue (waiting, answered, abandoned, service level) and its agents',
      params: { name: NAME },
      response: { status: 200, schema: STATS },
      handler(req) {
        const t = tenantOf(deps, req);
        const q = queueOf(t, req);
        const stats = deps.queues?.stats(t, q.name);
        return { body: { name: q.name, stats: stats ?? null, agents: deps.queues?.agentStatus(t, q) ?? [] } };
      },
    },
    ...(['PUT', 'DELETE'] as const).map(
      (method): RouteDef => ({
        method,
        path: '/tenants/{tenantId}/queues/{name}/agents/{ext}',
        roles: ROLES_ADMIN,
        tag: TAG,
        summary: method === 'PUT' ? 'Log an agent in to the queue (it must be listed under agents)' : 'Log an agent out of the queue',
        params: { name: NAME, ext: EXT },
        response: { status: 200, schema: { type: 'object', required: ['ext', 'loggedIn'], properties: { ext: EXT, loggedIn: { type: 'boolean' } } }, description: PROBLEMS_DESCRIPTION },
        handler(req) {
          const t = tenantOf(deps, req);
          const q = queueOf(t, req);
          const ext = req.params['ext'] ?? '';
          if (!q.agents.some((a) => a.ext === ext)) throw invalid([{ path: 'ext', message: `extension ${ext} is not an agent of queue ${q.name} (list it under agents)` }]);
          if (!deps.queues) throw notFound();
          deps.queues.setLogin(t, ext, method === 'PUT', { name: q.name });
          return { body: { ext, loggedIn: method === 'PUT' } };
        },
      }),
    ),
  ];
}
