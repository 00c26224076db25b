/**
 * Loops between call flows, found before they are applied. Nodes are the named things that
 * send a call on (`ringGroup:sales` through its fallback, `ivr:main` through its options,
 * `timeCondition:hours` through its open/closed destinations, `ext:1001` through its
 * forwards); edges are the destinations each one points to. A destination that names a node
 * of the list continues the walk there; anything else (a voicemail box, an outside number,
 * hang-up, an extension without forwards) ends it.
 *
 * Each section feeds its own nodes (ring groups and forwards here; IVRs and time conditions
 * from their own modules), and one call over all of them finds loops that cross sections:
 * `ivr:main -> timeCondition:hours -> ivr:main`. Iterative (no recursion), O(nodes + edges).
 * Plain data: src/config checks a tenant file with it, src/tenant a spec or an API change.
 */
import { DESTINATION_TARGET_FIELD, type DestinationKind } from './destination-rules.js';

/** Any destination (src/model/routing-plan.ts Destination, src/config DestinationConfig): a type and its target field. */
export type DestinationLike = { readonly type: DestinationKind } & { readonly [field: string]: unknown };

/**
 * The node a destination names: `ext:1001`, `ringGroup:sales`, `ivr:main`,
 * `timeCondition:hours`, `voicemail:1001`, `conference:800`, `number:+4930123456`,
 * `play:closed`, `hangup`.
 */
export function destinationNode(d: DestinationLike): string {
  const field = DESTINATION_TARGET_FIELD[d.type];
  if (field === '') return d.type;
  return `${d.type === 'extension' ? 'ext' : d.type}:${String(d[field])}`;
}

export interface DestinationGraphNode {
  /** As destinationNode() names it: `ringGroup:sales`, `ivr:main`, `ext:1001`, ... */
  node: string;
  targets: readonly DestinationLike[];
}

/**
 * The first loop in the graph, as the path that closes it, starting and ending with the
 * same node (`['ivr:main', 'ivr:sub', 'ivr:main']`); undefined when there is none. Nodes are
 * visited in the order given, so the answer is the same for the same input. A node listed
 * twice has the targets of both entries.
 */
export function findDestinationLoop(nodes: ReadonlyArray<DestinationGraphNode>): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const n of nodes) {
    const list = edges.get(n.node) ?? [];
    for (const t of n.targets) list.push(destinationNode(t));
    edges.set(n.node, list);
  }
  // 1: on the current path; 2: done (no loop through it).
  const state = new Map<string, 1 | 2>();
  for (const { node: start } of nodes) {
    if (state.has(start)) continue;
    const path: string[] = [start];
    const next: number[] = [0];
    state.set(start, 1);
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const out = edges.get(top)!;
      const i = next[next.length - 1]!;
      if (i >= out.length) {
        state.set(top, 2);
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = i + 1;
      const to = out[i]!;
      if (!edges.has(to)) continue; // not a node: the walk ends there
      const s = state.get(to);
      if (s === 1) return [...path.slice(path.indexOf(to)), to];
      if (s === 2) continue;
      state.set(to, 1);
      path.push(to);
      next.push(0);
    }
  }
  return undefined;
}

/** `a -> b -> a`, as messages show a loop. */
export function loopText(loop: readonly string[]): string {
  return loop.join(' -> ');
}
