/**
 * A tenant's call flows through the API: the whole document (GET/PUT .../call-flows: time
 * zone, schedules, time conditions, IVR menus), the menus alone (GET/PUT .../ivrs, GET/PUT/
 * DELETE .../ivrs/{name}), and the time conditions with their state now and their manual
 * override (GET .../timeConditions, PUT .../timeConditions/{name}/override).
 *
 * Every write builds the whole document and checks it exactly as the tenant YAML is checked
 * (src/model/call-flows.ts against the tenant's own extensions, ring groups and rooms, then
 * the prompts it names): 422 with JSON pointers, nothing written. A menu or condition of
 * another tenant is the same 404 as one that does not exist. The override is an act of the
 * moment, not configuration: it may be set on a tenant managed by its YAML file too.
 */
import { unknownFlowPrompts } from '../../apps/flow-prompts.js';
import { timeConditionState } from '../../apps/time/time-condition-route.js';
import { parseCallFlows, type CallFlows, type CallFlowsInput } from '../../model/call-flows.js';
import { CALL_FLOWS_SETTING, callFlowsJson, readCallFlows, writeOverride } from '../../store/call-flows-store.js';
import { readConferences } from '../../tenant/conference-spec.js';
import type { SpecProblem } from '../../model/tenant-errors.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { notFound, type ApiRequest, type JsonSchema, type RouteDef } from '../api-types.js';
import { invalid, PROBLEMS_DESCRIPTION, refuseFileManaged, ROLES_ADMIN, tenantOf, writeMeta, type TenantResourceDeps } from './tenant-resource-kit.js';

const TAG = 'Call flows';
const NAME: JsonSchema = { type: 'string', pattern: '^[a-z0-9-]{1,63}$' };
const DESTINATION: JsonSchema = {
  description: "hangup, or one of { extension | ringGroup | voicemail | ivr | timeCondition | conference | number | play: value }, or { type, <field> } as GET returns it",
  oneOf: [{ type: 'string', maxLength: 16 }, { type: 'object', maxProperties: 2 }],
};
const MENU: JsonSchema = {
  type: 'object',
  description: 'name, greeting (prompt id), options { key: destination }, directDial (true | pattern like 1XXX), interDigitSeconds, timeoutSeconds, retries, invalidPrompt, timeout, invalid',
  properties: { name: NAME, greeting: { type: 'string' }, options: { type: 'object', additionalProperties: DESTINATION, maxProperties: 64 } },
};
const DOCUMENT: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    timezone: { type: 'string', maxLength: 64, description: 'IANA time zone (default UTC)' },
    schedules: { type: 'array', maxItems: 100, items: { type: 'object' } },
    timeConditions: { type: 'array', maxItems: 100, items: { type: 'object' } },
    ivrs: { type: 'array', maxItems: 200, items: MENU },
    queues: { type: 'array', maxItems: 100, items: { type: 'object' }, description: 'call queues (also at .../queues)' },
  },
};
const CONDITION: JsonSchema = {
  type: 'object',
  required: ['name', 'schedule', 'open', 'closed', 'override', 'state', 'destination'],
  properties: {
    name: NAME,
    schedule: NAME,
    open: { type: 'object' },
    closed: { type: 'object' },
    override: { enum: ['auto', 'open', 'closed'] },
    state: { enum: ['open', 'closed'], description: 'what the schedule and the override say now' },
    destination: { type: 'object', description: 'where a call goes now' },
  },
};

/** The document a GET returns (defaults filled in, destinations as { type, ... }). */
function view(f: CallFlows): Record<string, unknown> {
  return { timezone: f.timezone ?? 'UTC', schedules: f.schedules, timeConditions: f.timeConditions, ivrs: f.ivrs, queues: f.queues ?? [] };
}

export function callFlowRoutes(deps: TenantResourceDeps): RouteDef[] {
  /**
   * Checks the whole document for tenant `t` as the YAML would be; `rename` maps a problem's
   * path to where it is in the request body. Throws 422 listing every problem.
   */
  function check(t: TenantContext, doc: CallFlowsInput, rename: (path: string) => string = (p) => p): CallFlows {
    const problems: SpecProblem[] = [];
    const bad = (path: string, message: string) => problems.push({ path: rename(path), message });
    const plan = t.store.getRoutingPlan();
    const flows = parseCallFlows(
      doc,
      {
        extensions: new Set(t.store.listExtensions().map((e) => e.ext)),
        ringGroups: new Set(plan.ringGroups.map((g) => g.name)),
        conferences: new Set(readConferences(t.store).map((c) => c.number)),
      },
      bad,
    );
    if (problems.length === 0) {
      const operatorDir = deps.operatorPrompts?.();
      for (const p of unknownFlowPrompts(flows, t.id, { dataDir: deps.dataDir, ...(operatorDir !== undefined ? { operatorDir } : {}) })) bad(p.path, p.message);
    }
    if (problems.length > 0) throw invalid(problems);
    return flows;
  }

  function write(req: ApiRequest<unknown>, t: TenantContext, flows: CallFlows, action: string, target: string): void {
    const meta = writeMeta(deps, req, action, target);
    const text = callFlowsJson(flows);
    // An empty document is stored as the JSON of an empty one (apply removes the key instead).
    t.store.setSetting(CALL_FLOWS_SETTING, text ?? JSON.stringify(flows));
    if (meta.audit) t.store.appendAudit({ at: meta.now, ...meta.audit });
  }

  const current = (t: TenantContext): CallFlows => readCallFlows(t.store);

  const getDoc: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/call-flows',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Time zone, schedules, time conditions and IVR menus',
    response: { status: 200, schema: DOCUMENT },
    handler(req) {
      return { body: view(current(tenantOf(deps, req))) };
    },
  };

  const putDoc: RouteDef<CallFlowsInput> = {
    method: 'PUT',
    path: '/tenants/{tenantId}/call-flows',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Replace the call flows (checked exactly as the tenant YAML)',
    body: DOCUMENT,
    response: { status: 200, schema: DOCUMENT, description: PROBLEMS_DESCRIPTION },
    handler(req) {
      const t = tenantOf(deps, req);
      // 409 for a tenant its YAML file configures comes before any check of the body.
      refuseFileManaged(deps, req);
      const flows = check(t, req.body);
      write(req, t, flows, 'callFlows.replace', 'call-flows');
      return { body: view(flows) };
    },
  };

  const listIvrs: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/ivrs',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'IVR menus of the tenant',
    response: { status: 200, schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: MENU } } } },
    handler(req) {
      return { body: { items: current(tenantOf(deps, req)).ivrs } };
    },
  };

  const putIvrs: RouteDef<{ items: unknown[] }> = {
    method: 'PUT',
    path: '/tenants/{tenantId}/ivrs',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Replace every IVR menu (checked with the rest of the call flows)',
    body: { type: 'object', additionalProperties: false, required: ['items'], properties: { items: { type: 'array', maxItems: 200, items: MENU } } },
    response: { status: 200, schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: MENU } } }, description: PROBLEMS_DESCRIPTION },
    handler(req) {
      const t = tenantOf(deps, req);
      // 409 for a tenant its YAML file configures comes before any check of the body.
      refuseFileManaged(deps, req);
      const flows = check(t, { ...current(t), ivrs: req.body.items }, (p) => p.replace(/^ivrs\[/, 'items['));
      write(req, t, flows, 'ivrs.replace', 'ivrs');
      return { body: { items: flows.ivrs } };
    },
  };

  function menuName(req: ApiRequest<unknown>): string {
    const name = req.params['name'] ?? '';
    if (!/^[a-z0-9-]{1,63}$/.test(name)) throw notFound();
    return name;
  }

  const getIvr: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/ivrs/{name}',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'One IVR menu',
    params: { name: NAME },
    response: { status: 200, schema: MENU },
    handler(req) {
      const t = tenantOf(deps, req);
      const m = current(t).ivrs.find((x) => x.name === menuName(req));
      if (!m) throw notFound();
      return { body: m };
    },
  };

  const putIvr: RouteDef<Record<string, unknown>> = {
    method: 'PUT',
    path: '/tenants/{tenantId}/ivrs/{name}',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Create or replace one IVR menu (its name is the one in the path)',
    params: { name: NAME },
    body: MENU,
    response: { status: 200, schema: MENU, description: PROBLEMS_DESCRIPTION },
    handler(req) {
      const t = tenantOf(deps, req);
      // 409 for a tenant its YAML file configures comes before any check of the body.
      refuseFileManaged(deps, req);
      const name = menuName(req);
      if (req.body['name'] !== undefined && req.body['name'] !== name) throw invalid([{ path: 'name', message: `must be ${name}, the name in the path (or left out)` }]);
      const cur = current(t);
      const ivrs: unknown[] = [...cur.ivrs];
      const at = cur.ivrs.findIndex((m) => m.name === name);
      const index = at >= 0 ? at : ivrs.length;
      ivrs[index] = { ...req.body, name };
      const prefix = `ivrs[${index}]`;
      const flows = check(t, { ...cur, ivrs }, (p) => (p === prefix ? '' : p.startsWith(`${prefix}.`) ? p.slice(prefix.length + 1) : p));
      write(req, t, flows, at >= 0 ? 'ivr.update' : 'ivr.create', name);
      return { body: flows.ivrs[index] };
    },
  };

  const deleteIvr: RouteDef = {
    method: 'DELETE',
    path: '/tenants/{tenantId}/ivrs/{name}',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Remove an IVR menu (refused while an option or a time condition leads to it)',
    params: { name: NAME },
    response: { status: 204, description: PROBLEMS_DESCRIPTION },
    handler(req) {
      const t = tenantOf(deps, req);
      // 409 for a tenant its YAML file configures comes before any check of the body.
      refuseFileManaged(deps, req);
      const name = menuName(req);
      const cur = current(t);
      if (!cur.ivrs.some((m) => m.name === name)) throw notFound();
      const flows = check(t, { ...cur, ivrs: cur.ivrs.filter((m) => m.name !== name) });
      write(req, t, flows, 'ivr.delete', name);
      return { status: 204 };
    },
  };

  const listConditions: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/timeConditions',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Time conditions with their override and where a call goes now',
    response: { status: 200, schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: CONDITION } } } },
    handler(req) {
      const t = tenantOf(deps, req);
      const now = deps.clock.now();
      const items = current(t).timeConditions.map((c) => {
        const s = timeConditionState(t.store, c.name, now)!;
        return { ...c, override: s.override, state: s.open ? 'open' : 'closed', destination: s.destination };
      });
      return { body: { items } };
    },
  };

  const putOverride: RouteDef<{ override: 'auto' | 'open' | 'closed' }> = {
    method: 'PUT',
    path: '/tenants/{tenantId}/timeConditions/{name}/override',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Force a time condition open or closed, or back to its schedule (auto)',
    params: { name: NAME },
    body: { type: 'object', additionalProperties: false, required: ['override'], properties: { override: { enum: ['auto', 'open', 'closed'] } } },
    response: { status: 200, schema: CONDITION },
    handler(req) {
      const t = tenantOf(deps, req);
      const name = menuName(req);
      const c = current(t).timeConditions.find((x) => x.name === name);
      if (!c) throw notFound();
      writeOverride(t.store, name, req.body.override);
      t.store.appendAudit({ at: deps.clock.now(), actor: req.principal.tokenId, action: 'timeCondition.override', target: name, details: { override: req.body.override } });
      const s = timeConditionState(t.store, name, deps.clock.now())!;
      return { body: { ...c, override: s.override, state: s.open ? 'open' : 'closed', destination: s.destination } };
    },
  };

  return [getDoc, putDoc, listIvrs, putIvrs, getIvr, putIvr, deleteIvr, listConditions, putOverride] as RouteDef[];
}
