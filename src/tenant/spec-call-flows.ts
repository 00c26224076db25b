/**
 * The call-flow part of a tenant spec checked as a whole: the names each kind of
 * destination may point at in THIS tenant (its extensions' boxes, its rooms, its IVRs and
 * time conditions once their sections exist), and each extension's forwards and DND with
 * the graph nodes its forwards add to the loop check (validateRoutingSpec runs it with the
 * ring groups').
 */
import { validateCallHandling, callHandlingNode, type CallHandling, type CallHandlingSpec } from '../model/call-handling.js';
import { validateDestination, type DestinationNames } from '../model/destination.js';
import type { LoopNode } from './routing-spec.js';
import type { ClassOfService, Destination, RoutingPlan } from '../model/routing-plan.js';

/** The parts of a spec read here (TenantSpec fits). */
export interface CallFlowParts {
  extensions?: ReadonlyArray<{ ext: string; voicemail?: { enabled?: boolean; operator?: Destination } } & CallHandlingSpec>;
  voicemailBoxes?: ReadonlyArray<{ box: string; operator?: Destination }>;
  ringGroups?: ReadonlyArray<{ name: string }>;
  conferences?: ReadonlyArray<{ number: string }>;
  /** IVR menus and time conditions (src/model/call-flows.ts checks them as a whole). */
  ivrs?: ReadonlyArray<{ name: string }>;
  timeConditions?: ReadonlyArray<{ name: string }>;
  /** Call queues (src/model/call-queue.ts). */
  queues?: ReadonlyArray<{ name: string }>;
}

/** Names of a section's entries that are strings (a bad entry is reported by its own section). */
function namesIn<T>(list: ReadonlyArray<T> | undefined, key: (x: T) => unknown): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(list)) for (const x of list) if (typeof key(x) === 'string') out.add(key(x) as string);
  return out;
}

/** What the destinations of this spec may name; `promptExists` from whoever can look at files (apply). */
export function destinationNamesOf(spec: CallFlowParts, extensions: ReadonlySet<string>, promptExists?: (name: string) => boolean): DestinationNames {
  return {
    extensions,
    ringGroups: namesIn(spec.ringGroups, (g) => g?.name),
    // An extension's own box unless it turned it off, and the shared boxes (voicemail-spec.ts).
    voicemailBoxes: new Set([
      ...[...namesIn(spec.extensions, (x) => (x?.voicemail?.enabled === false ? undefined : x?.ext))].filter((e) => extensions.has(e)),
      ...namesIn(spec.voicemailBoxes, (b) => b?.box),
    ]),
    conferences: namesIn(spec.conferences, (c) => c?.number),
    ivrs: namesIn(spec.ivrs, (m) => m?.name),
    timeConditions: namesIn(spec.timeConditions, (c) => c?.name),
    queues: namesIn(spec.queues, (q) => q?.name),
    ...(promptExists ? { promptExists } : {}),
  };
}

/** Each extension's call handling (those with none left out) and the loop-check nodes of their forwards. */
export function validateSpecCallHandling(spec: CallFlowParts, names: DestinationNames, bad: (path: string, message: string) => void): { handling: Map<string, CallHandling>; graph: LoopNode[] } {
  const handling = new Map<string, CallHandling>();
  const graph: LoopNode[] = [];
  if (!Array.isArray(spec.extensions)) return { handling, graph };
  spec.extensions.forEach((x, i) => {
    if (typeof x?.ext !== 'string') return;
    const at = `extensions[${i}]`;
    const h = validateCallHandling(x.ext, { ...(x.forward !== undefined ? { forward: x.forward } : {}), ...(x.dnd !== undefined ? { dnd: x.dnd } : {}) }, at, names, bad);
    if (!h) return;
    handling.set(x.ext, h);
    const node = callHandlingNode(x.ext, h);
    if (node) graph.push({ ...node, at: `${at}.forward` });
  });
  return { handling, graph };
}

/**
 * Why an extension with this class of service may not forward to the outside `number` under
 * this routing plan, or undefined when it may: the dial plan's answer (src/routing), wired by
 * whoever applies (the tenant layer cannot import the routing service).
 */
export type OutsideForwardCheck = (plan: RoutingPlan, classOfService: ClassOfService, number: string, isExtension: (n: string) => boolean) => string | undefined;

/** Every forward to an outside number of the spec, checked against its extension's class of service; problems at `extensions[i].forward.<kind>.number`. */
export function checkOutsideForwards(spec: CallFlowParts, handling: ReadonlyMap<string, CallHandling>, exts: ReadonlyArray<{ ext: string; classOfService: ClassOfService }>, plan: RoutingPlan, check: OutsideForwardCheck, bad: (path: string, message: string) => void): void {
  const cos = new Map(exts.map((e) => [e.ext, e.classOfService]));
  const isExtension = (n: string) => cos.has(n);
  (spec.extensions ?? []).forEach((x, i) => {
    const h = handling.get(x?.ext);
    const c = cos.get(x?.ext);
    if (!h || c === undefined) return;
    const forwards: Array<[string, Destination | undefined]> = [['always', h.always], ['busy', h.busy], ['noAnswer.to', h.noAnswer?.to], ['unavailable', h.unavailable]];
    for (const [kind, d] of forwards) {
      if (d?.type !== 'number') continue;
      const why = check(plan, c, d.number, isExtension);
      if (why) bad(`extensions[${i}].forward.${kind}.number`, `${x.ext} may not forward to ${d.number}: ${why}`);
    }
  });
}

/** The voicemail boxes' operator destinations (a caller pressing 0), checked against this tenant's names. */
export function validateOperatorDestinations(spec: CallFlowParts, names: DestinationNames, bad: (path: string, message: string) => void): void {
  if (Array.isArray(spec.extensions)) spec.extensions.forEach((x, i) => x?.voicemail?.operator !== undefined && validateDestination(x.voicemail.operator, `extensions[${i}].voicemail.operator`, names, bad));
  if (Array.isArray(spec.voicemailBoxes)) spec.voicemailBoxes.forEach((b, i) => b?.operator !== undefined && validateDestination(b.operator, `voicemailBoxes[${i}].operator`, names, bad));
}
