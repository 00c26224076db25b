/**
 * Changing one extension's forwards and do-not-disturb at run time (the API's PUT
 * .../call-handling and the feature codes *72 ... *79): the same checks as the tenant YAML
 * (what a destination names must exist in THIS tenant, no forward to itself), plus what only
 * the running tenant can say: no loop with its ring groups and the other extensions'
 * forwards, and a forward to an outside number only when the extension's class of service
 * allows that number (the routing ports' answer for a call the extension would dial; the
 * B2BUA checks again at call time). Written with an audit entry in the tenant's store.
 */
import { callHandlingNode, validateCallHandling, type CallHandling, type CallHandlingSpec } from '../../model/call-handling.js';
import { readConferences } from '../../tenant/conference-spec.js';
import type { DestinationNames } from '../../model/destination.js';
import { findDestinationLoop, loopText, type DestinationGraphNode } from '../../model/destination-graph.js';
import type { Destination } from '../../model/routing-plan.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import type { SpecProblem } from '../../model/tenant-errors.js';
import { readCallFlows } from '../../store/call-flows-store.js';

/**
 * The routing ports' outbound decision (b2bua/call-plan.ts PlannerPorts.routeOutbound fits):
 * what would happen to `dialled` from a caller with this class of service.
 */
export type RouteOutbound = (tenant: TenantContext, dialled: string, classOfService: string) => { kind: 'internal' } | { kind: 'refused'; status: number; reason: string } | { kind: 'route'; emergency: boolean };

export interface CallHandlingDeps {
  routeOutbound: RouteOutbound;
  /** Whether the tenant has a prompt of that name (a `play` forward); absent: the name's form only. */
  promptExists?(tenant: TenantContext, name: string): boolean;
}

export type SetResult = { ok: true; handling: CallHandling } | { ok: false; notFound?: true; problems: SpecProblem[] };

/** The names a destination of this tenant may point at, read from its store. */
export function storeDestinationNames(tenant: TenantContext, promptExists?: (name: string) => boolean): DestinationNames {
  const exts = new Set(tenant.store.listExtensions().map((x) => x.ext));
  return {
    extensions: exts,
    ringGroups: new Set(tenant.store.getRoutingPlan().ringGroups.map((g) => g.name)),
    voicemailBoxes: new Set(tenant.store.voicemail.boxes().filter((b) => b.enabled).map((b) => b.box)),
    conferences: new Set(readConferences(tenant.store).map((c) => c.number)),
    queues: new Set((readCallFlows(tenant.store).queues ?? []).map((q) => q.name)),
    ...(promptExists ? { promptExists } : {}),
  };
}

/** Why `ext` may not forward to the outside `number`, or undefined when it may. */
export function outsideForwardRefusal(route: RouteOutbound, tenant: TenantContext, ext: string, number: string): string | undefined {
  const x = tenant.store.getExtension(ext);
  if (!x) return `${ext} is not an extension of this tenant`;
  const d = route(tenant, number, x.classOfService);
  if (d.kind === 'internal') return `${number} is an extension of this tenant: forward to { type: extension, ext: ${number} }`;
  if (d.kind === 'refused') return `${ext} may not forward to ${number}: ${d.reason}`;
  if (d.emergency) return `${ext} may not forward to an emergency number`;
  return undefined;
}

/** Checks the new settings of `ext` against the running tenant; problems at paths under `at` ('' for an API body). */
export function checkCallHandling(deps: CallHandlingDeps, tenant: TenantContext, ext: string, spec: CallHandlingSpec, at = ''): SetResult {
  if (!tenant.store.getExtension(ext)) return { ok: false, notFound: true, problems: [{ path: at || 'ext', message: `${ext} is not an extension of this tenant` }] };
  const problems: SpecProblem[] = [];
  const bad = (path: string, message: string) => problems.push({ path, message });
  const promptExists = deps.promptExists;
  const names = storeDestinationNames(tenant, promptExists ? (n) => promptExists(tenant, n) : undefined);
  const h = validateCallHandling(ext, spec, at, names, bad);
  if (!h) return { ok: false, problems };
  const p = (field: string) => (at === '' ? field : `${at}.${field}`);
  const outside: Array<[string, Destination | undefined]> = [
    ['forward.always', h.always],
    ['forward.busy', h.busy],
    ['forward.noAnswer.to', h.noAnswer?.to],
    ['forward.unavailable', h.unavailable],
  ];
  for (const [path, d] of outside) {
    if (d?.type !== 'number') continue;
    const refusal = outsideForwardRefusal(deps.routeOutbound, tenant, ext, d.number);
    if (refusal) bad(p(`${path}.number`), refusal);
  }
  const loop = findDestinationLoop(tenantGraph(tenant, ext, h));
  if (loop) bad(p('forward'), `the destinations loop: ${loopText(loop)}`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, handling: h };
}

/** The tenant's ring groups and every extension's forwards, with `ext`'s replaced by `h`. */
function tenantGraph(tenant: TenantContext, ext: string, h: CallHandling): DestinationGraphNode[] {
  const nodes: DestinationGraphNode[] = tenant.store.getRoutingPlan().ringGroups.map((g) => ({ node: `ringGroup:${g.name}`, targets: g.fallback ? [g.fallback] : [] }));
  const own = callHandlingNode(ext, h);
  if (own) nodes.unshift(own);
  for (const [other, oh] of tenant.store.callHandling.list()) {
    if (other === ext) continue;
    const n = callHandlingNode(other, oh);
    if (n) nodes.push(n);
  }
  return nodes;
}

/** Checks and writes; `actor` names who did it in the tenant's audit log. */
export function setCallHandling(deps: CallHandlingDeps, tenant: TenantContext, ext: string, spec: CallHandlingSpec, meta: { now: number; actor: string }): SetResult {
  const r = checkCallHandling(deps, tenant, ext, spec);
  if (!r.ok) return r;
  if (!tenant.store.callHandling.set(ext, r.handling, meta.now)) return { ok: false, notFound: true, problems: [{ path: 'ext', message: `${ext} is not an extension of this tenant` }] };
  tenant.store.appendAudit({ at: meta.now, actor: meta.actor, action: 'extension.call-handling', target: ext, details: r.handling });
  return r;
}
