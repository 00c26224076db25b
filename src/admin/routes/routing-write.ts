/**
 * Trunks and routing are one document in a tenant's store (its RoutingPlan). Every API
 * change builds the whole RoutingSpec, checks it exactly as a tenant YAML is checked
 * (validateRoutingSpec against the tenant's extensions, then the trunks its outbound
 * routes name against its own and the provider's), and writes it with syncRouting in
 * one transaction with its audit entry.
 */
import { missingCountryCode } from '../../model/field-rules.js';
import { storeDestinationNames } from '../../apps/forwarding/call-handling-service.js';
import { callHandlingNode } from '../../model/call-handling.js';
import type { RoutingPlan } from '../../model/routing-plan.js';
import { validateRoutingSpec, type RoutingSpec } from '../../tenant/routing-spec.js';
import type { SpecProblem } from '../../model/tenant-errors.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import type { RoutingChanges } from '../../store/tenant-store.js';
import type { ApiRequest } from '../api-types.js';
import { invalid, writeMeta, type TenantResourceDeps } from './tenant-resource-kit.js';

/** The plan as a spec to edit: the same shape (RoutingPlan is a RoutingSpec with defaults filled in). */
export function specOf(plan: RoutingPlan): RoutingSpec {
  return { ...plan };
}

/**
 * The trunks a tenant's outbound routes name that it cannot use: neither its own nor a
 * provider trunk open to it. The same messages `pbx check` gives for the YAML
 * (src/app/route-trunk-check.ts, which this layer may not import).
 */
export function unusableTrunkProblems(tenantId: string, plan: RoutingPlan, provider: ReadonlyArray<{ name: string; tenants: readonly string[] }>): SpecProblem[] {
  const own = new Set(plan.trunks.map((t) => t.name));
  const open = new Set(provider.filter((t) => t.tenants.includes('*') || t.tenants.includes(tenantId)).map((t) => t.name));
  const closed = new Set(provider.map((t) => t.name));
  const out: SpecProblem[] = [];
  plan.outboundRoutes.forEach((r, i) =>
    r.trunks.forEach((name, j) => {
      if (own.has(name) || open.has(name)) return;
      const message = closed.has(name)
        ? `provider trunk ${name} is not open to tenant ${tenantId} (its tenants: list in pbx.yaml)`
        : `no trunk ${name}: neither this tenant's own nor a provider trunk of pbx.yaml`;
      out.push({ path: `outboundRoutes[${i}].trunks[${j}]`, message });
    }),
  );
  return out;
}

/** Trunk hosts given as IP literals that a tenant may not point at (request forgery); names are checked after DNS. */
export function refusedTrunkHosts(plan: RoutingPlan, refusal: (host: string) => string | undefined): SpecProblem[] {
  const out: SpecProblem[] = [];
  plan.trunks.forEach((t, i) => {
    const host = refusal(t.host);
    if (host) out.push({ path: `trunks[${i}].host`, message: host });
    const proxy = t.outboundProxy ? refusal(t.outboundProxy.host) : undefined;
    if (proxy) out.push({ path: `trunks[${i}].outboundProxy.host`, message: proxy });
  });
  return out;
}

/** Checks `spec` as the YAML would be; throws 422 with every problem, or returns the plan. */
export function validRoutingPlan(deps: TenantResourceDeps, t: TenantContext, spec: RoutingSpec): RoutingPlan {
  const problems: SpecProblem[] = [];
  const exts = new Set(t.store.listExtensions().map((x) => x.ext));
  // Destinations are checked against this tenant's names, and the loop check sees its extensions' forwards.
  const { extensions: _e, ringGroups: _g, ...names } = storeDestinationNames(t, deps.promptExists ? (n) => deps.promptExists!(t, n) : undefined);
  const graph = [...t.store.callHandling.list()].flatMap(([ext, h]) => callHandlingNode(ext, h) ?? []);
  const plan = validateRoutingSpec(spec, exts, (path, message) => problems.push({ path, message }), { names, graph });
  // As the YAML asks (tenant-references.ts): numbers need the country code.
  const noCountry = missingCountryCode(spec);
  if (noCountry !== undefined) problems.unshift({ path: 'countryCode', message: noCountry });
  if (problems.length === 0) problems.push(...unusableTrunkProblems(t.id, plan, deps.providerTrunks()));
  if (problems.length === 0 && deps.trunkHostRefusal) problems.push(...refusedTrunkHosts(plan, deps.trunkHostRefusal.bind(deps)));
  if (problems.length > 0) throw invalid(problems);
  return plan;
}

/** Validates and writes the whole routing document, audited; tells the server. */
export function writeRouting(deps: TenantResourceDeps, req: ApiRequest<unknown>, t: TenantContext, spec: RoutingSpec, action: string, target: string): { plan: RoutingPlan; changes: RoutingChanges } {
  const plan = validRoutingPlan(deps, t, spec);
  // The audit entry (what changed, by name) goes into the same transaction as the change.
  const changes = t.store.replaceRoutingPlan(plan, { ...writeMeta(deps, req, action, target), describe: summarize });
  deps.onTenantChanged(t.id, 'routing');
  return { plan: t.store.getRoutingPlan(), changes };
}

/** Only what changed, by name; never a credential. */
export function summarize(c: RoutingChanges): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.numberingChanged) out['numbering'] = true;
  for (const k of ['trunks', 'ringGroups', 'inboundRoutes', 'outboundRoutes'] as const) {
    const x = c[k];
    if (x.added.length + x.updated.length + x.removed.length > 0) out[k] = x;
  }
  if (c.dids.added.length + c.dids.removed.length > 0) out['dids'] = c.dids;
  return out;
}
