import { checkAlgorithmList } from '../model/auth-algorithms.js';
import { normalizeDialPattern } from '../model/dial-pattern-text.js';
import type { DigestAlgorithm } from '../model/ha1.js';
import { isE164 } from '../model/e164.js';
import type { ClassOfService, Destination, InboundRoute, OutboundRoute, RingGroup, RoutingPlan, Trunk } from '../model/routing-plan.js';
import { eachOf, type Report } from './spec-checks.js';
import { validateDestination, type DestinationNames } from '../model/destination.js';
import { findDestinationLoop, loopText, type DestinationGraphNode } from '../model/destination-graph.js';
import { TRUNK_NAME, validateTrunk, type TrunkSpec } from './trunk-spec.js';
import { checkField, FIELDS, ROUTING_FIELDS, type FieldRule } from '../model/field-rules.js';

export type { TrunkSpec } from './trunk-spec.js';

/** A node of another section for the loop check (an extension's forwards, an IVR), with the path its problems are reported at. */
export interface LoopNode extends DestinationGraphNode {
  at?: string;
}

/** What the rest of the tenant adds to the routing checks. */
export interface RoutingCheckContext {
  /** The names of the tenant's other sections (voicemail boxes, IVRs, time conditions, rooms, prompts); absent: none of them. */
  names?: Omit<DestinationNames, 'extensions' | 'ringGroups'>;
  /** Nodes of other sections, checked for loops with the ring groups' fallbacks. */
  graph?: ReadonlyArray<LoopNode>;
}

/** Structurally compatible with RingGroupConfig of src/config/types.ts. */
export interface RingGroupSpec {
  name: string;
  strategy: RingGroup['strategy'];
  members: readonly string[];
  ringSeconds: number;
  fallback?: Destination;
}

/** Structurally compatible with InboundRouteConfig. */
export interface InboundRouteSpec {
  did: string;
  destination: Destination;
}

/** Structurally compatible with OutboundRouteConfig. */
export interface OutboundRouteSpec {
  name: string;
  patterns: readonly string[];
  /** Default 0. */
  strip?: number;
  /** Default ''. */
  prepend?: string;
  trunks: readonly string[];
}

/** The numbering and routing part of a tenant spec; every field may be left out. */
export interface RoutingSpec {
  /** Default '' (none: national numbers cannot be put in E.164 form). */
  countryCode?: string;
  /** Default '0'. */
  nationalPrefix?: string;
  callerId?: string;
  /** The class of service of trunk calls sent to an outside `number` destination; absent: internal. */
  inboundCos?: ClassOfService;
  /** Digest algorithms the tenant's challenges offer, in order; default pbx.yaml's auth.algorithms. */
  auth?: { algorithms: readonly DigestAlgorithm[] };
  dids?: readonly string[];
  trunks?: readonly TrunkSpec[];
  ringGroups?: readonly RingGroupSpec[];
  inboundRoutes?: readonly InboundRouteSpec[];
  outboundRoutes?: readonly OutboundRouteSpec[];
}

// Names, numbering, ring seconds, strip and prepend: the rules shared with the YAML (src/model/field-rules.ts).
const R = ROUTING_FIELDS;
const isName = (v: unknown): v is string => checkField(R.objectName, v) === undefined;
const MAX_DIDS = 100_000;
const MAX_TRUNKS = 1000;
const MAX_RING_GROUPS = 10_000;
const MAX_MEMBERS = 1000;
const MAX_ROUTES = 1000;
const MAX_PATTERNS = 1000;
const MAX_ROUTE_TRUNKS = 32;

/**
 * Checks the routing part of a spec against the tenant's extensions and returns it
 * with defaults filled in; every problem is reported through `bad` (the result is
 * then meaningless). Trunk names in outbound routes are checked for form only: they
 * may name provider trunks of pbx.yaml, which the tenant layer does not know.
 */
export function validateRoutingSpec(spec: RoutingSpec, extensions: ReadonlySet<string>, bad: Report, more: RoutingCheckContext = {}): RoutingPlan {
  const field = (report: Report, path: string, rule: FieldRule, v: unknown) => {
    const problem = checkField(rule, v);
    if (problem !== undefined) report(path, problem);
    return problem === undefined;
  };
  const countryCode = spec.countryCode ?? '';
  if (countryCode !== '') field(bad, 'countryCode', R.countryCode, countryCode);
  const nationalPrefix = spec.nationalPrefix ?? '0';
  field(bad, 'nationalPrefix', R.nationalPrefix, nationalPrefix);
  if (spec.callerId !== undefined && !isE164(spec.callerId)) bad('callerId', 'must be an E.164 number such as +14155550100');
  const inboundCosOk = spec.inboundCos === undefined || field(bad, 'inboundCos', FIELDS.classOfService, spec.inboundCos);
  let authAlgorithms: DigestAlgorithm[] | undefined;
  if (spec.auth !== undefined) {
    if (typeof spec.auth !== 'object' || spec.auth === null) bad('auth', 'must be a mapping { algorithms }');
    else authAlgorithms = checkAlgorithmList(spec.auth.algorithms, 'auth.algorithms', bad);
  }

  const dids: string[] = [];
  // A Set, not dids.includes: up to MAX_DIDS entries must not cost O(n²).
  const didSet = new Set<string>();
  eachOf(bad, 'dids', spec.dids, MAX_DIDS, (d, at) => {
    if (!isE164(d)) bad(at, 'must be an E.164 number such as +14155550100');
    else if (didSet.has(d)) bad(at, `${d} is listed twice`);
    else {
      didSet.add(d);
      dids.push(d);
    }
  });

  const trunks: Trunk[] = [];
  eachOf(bad, 'trunks', spec.trunks, MAX_TRUNKS, (x, at) => {
    const t = validateTrunk(x, at, bad);
    if (!t) return;
    if (trunks.some((o) => o.name === t.name)) bad(`${at}.name`, `trunk ${t.name} is listed twice`);
    else trunks.push(t);
  });

  // Names first, so a destination may name a group declared after it.
  const groupNames = new Set<string>();
  if (Array.isArray(spec.ringGroups)) for (const g of spec.ringGroups) if (isName(g?.name)) groupNames.add(g.name);
  const names: DestinationNames = { ...more.names, extensions, ringGroups: groupNames };
  const destination = (v: Destination | undefined, at: string): Destination | undefined => validateDestination(v, at, names, bad);

  const ringGroups: RingGroup[] = [];
  const groupAt = new Map<string, string>(); // name -> path, of the groups accepted
  eachOf(bad, 'ringGroups', spec.ringGroups, MAX_RING_GROUPS, (g, at) => {
    let ok = true;
    const fail = (path: string, message: string) => {
      ok = false;
      bad(`${at}.${path}`, message);
    };
    if (field(fail, 'name', R.objectName, g?.name) && groupAt.has(g.name)) fail('name', `ring group ${g.name} is listed twice`);
    if (g?.strategy !== 'simultaneous' && g?.strategy !== 'sequential') fail('strategy', 'must be simultaneous or sequential');
    field(fail, 'ringSeconds', R.ringSeconds, g?.ringSeconds);
    const members: string[] = [];
    const memberSet = new Set<string>();
    if (!Array.isArray(g?.members) || g.members.length === 0) fail('members', 'at least one extension');
    eachOf(fail, 'members', g?.members, MAX_MEMBERS, (m, p) => {
      if (typeof m !== 'string' || !extensions.has(m)) fail(p, `${String(m)} is not an extension of this tenant`);
      else if (memberSet.has(m)) fail(p, `${m} is listed twice`);
      else {
        memberSet.add(m);
        members.push(m);
      }
    });
    let fallback: Destination | undefined;
    if (g?.fallback !== undefined) {
      fallback = destination(g.fallback, `${at}.fallback`);
      if (!fallback) ok = false;
    }
    if (!ok) return;
    const r: RingGroup = { name: g.name, strategy: g.strategy, members, ringSeconds: g.ringSeconds };
    if (fallback) r.fallback = fallback;
    ringGroups.push(r);
    groupAt.set(r.name, at);
  });
  reportLoops(ringGroups, groupAt, more.graph ?? [], bad);

  const inboundRoutes: InboundRoute[] = [];
  const routed = new Set<string>();
  eachOf(bad, 'inboundRoutes', spec.inboundRoutes, MAX_DIDS + 1, (r, at) => {
    const did = r?.did;
    let ok = true;
    if (did !== '*' && !(isE164(did) && didSet.has(did))) {
      bad(`${at}.did`, "must be one of this tenant's dids, or '*'");
      ok = false;
    } else if (routed.has(did)) {
      bad(`${at}.did`, `${did} has a route already`);
      ok = false;
    } else routed.add(did);
    const dest = destination(r?.destination, `${at}.destination`);
    if (ok && dest) inboundRoutes.push({ did, destination: dest });
  });

  const outboundRoutes: OutboundRoute[] = [];
  eachOf(bad, 'outboundRoutes', spec.outboundRoutes, MAX_ROUTES, (r, at) => {
    let ok = true;
    const fail = (path: string, message: string) => {
      ok = false;
      bad(`${at}.${path}`, message);
    };
    if (field(fail, 'name', R.objectName, r?.name) && outboundRoutes.some((o) => o.name === r.name)) fail('name', `route ${r.name} is listed twice`);
    const patterns: string[] = [];
    const patternSet = new Set<string>();
    if (!Array.isArray(r?.patterns) || r.patterns.length === 0) fail('patterns', 'at least one dial pattern');
    eachOf(fail, 'patterns', r?.patterns, MAX_PATTERNS, (p, path) => {
      const n = normalizeDialPattern(p);
      if (n === undefined) fail(path, 'not a dial pattern (digits * # X N Z [1-5], a trailing ., an optional leading +)');
      else if (patternSet.has(n)) fail(path, `${n} is listed twice`);
      else {
        patternSet.add(n);
        patterns.push(n);
      }
    });
    const strip = r?.strip ?? 0;
    field(fail, 'strip', R.strip, strip);
    const prepend = r?.prepend ?? '';
    field(fail, 'prepend', R.prepend, prepend);
    const routeTrunks: string[] = [];
    if (!Array.isArray(r?.trunks) || r.trunks.length === 0) fail('trunks', 'at least one trunk');
    eachOf(fail, 'trunks', r?.trunks, MAX_ROUTE_TRUNKS, (t, path) => {
      if (typeof t !== 'string' || !TRUNK_NAME.test(t)) fail(path, 'must be a trunk name (a-z 0-9 -)');
      else if (routeTrunks.includes(t)) fail(path, `${t} is listed twice`);
      else routeTrunks.push(t);
    });
    if (ok) outboundRoutes.push({ name: r.name, patterns, strip, prepend, trunks: routeTrunks });
  });

  const plan: RoutingPlan = { countryCode, nationalPrefix, dids, trunks, ringGroups, inboundRoutes, outboundRoutes };
  if (spec.callerId !== undefined) plan.callerId = spec.callerId;
  if (spec.inboundCos !== undefined && inboundCosOk) plan.inboundCos = spec.inboundCos;
  if (authAlgorithms !== undefined) plan.auth = { algorithms: authAlgorithms };
  return plan;
}

/**
 * A ring group whose fallbacks lead back to itself would ring forever; so would a fallback
 * that reaches a forward (or, later, an IVR) that comes back. One graph of the groups and the
 * other sections' nodes (destination-graph.ts); the loop found is reported at each of its
 * nodes that has a path here (a group's fallback, or the `at` its section gave).
 */
function reportLoops(groups: readonly RingGroup[], at: ReadonlyMap<string, string>, graph: ReadonlyArray<LoopNode>, bad: Report): void {
  const nodes: LoopNode[] = groups.map((g) => ({ node: `ringGroup:${g.name}`, targets: g.fallback ? [g.fallback] : [], at: `${at.get(g.name)}.fallback` }));
  nodes.push(...graph);
  const loop = findDestinationLoop(nodes);
  if (!loop) return;
  const text = loopText(loop);
  const reported = new Set<string>();
  for (const name of loop) {
    if (reported.has(name)) continue;
    reported.add(name);
    const n = nodes.find((x) => x.node === name && x.at !== undefined);
    if (n?.at !== undefined) bad(n.at, `the destinations loop: ${text}`);
  }
}
