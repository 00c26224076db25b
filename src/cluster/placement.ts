/**
 * The cluster's routing table: which node serves each domain and each DID. Built from what the
 * nodes say they host; a domain or a DID claimed by two nodes is refused as a whole (the edge
 * could only guess, and a guess sends one tenant's calls to another's node).
 */
import type { NodeHosting } from './node-hosting.js';

export interface Placement {
  /** domain (lowercase) -> node name */
  domains: Map<string, string>;
  /** DID (as the node stores it, E.164 with +) -> node name */
  dids: Map<string, string>;
  /** tenant id -> node name */
  tenants: Map<string, string>;
}

export interface PlacementConflict {
  kind: 'domain' | 'did' | 'tenant';
  value: string;
  nodes: string[];
}

export class PlacementConflictError extends Error {
  constructor(readonly conflicts: PlacementConflict[]) {
    super(conflicts.map((c) => `${c.kind} ${c.value} is on ${c.nodes.join(' and ')}`).join('; '));
    this.name = 'PlacementConflictError';
  }
}

/** Throws PlacementConflictError naming every domain, DID or tenant found on more than one node. */
export function buildPlacement(hostings: readonly NodeHosting[]): Placement {
  const p: Placement = { domains: new Map(), dids: new Map(), tenants: new Map() };
  const seen = { domain: new Map<string, Set<string>>(), did: new Map<string, Set<string>>(), tenant: new Map<string, Set<string>>() };
  const claim = (kind: PlacementConflict['kind'], value: string, node: string) => {
    const s = seen[kind].get(value) ?? new Set<string>();
    s.add(node);
    seen[kind].set(value, s);
  };
  for (const h of hostings) {
    for (const t of h.tenants) {
      claim('tenant', t.id, h.node);
      for (const d of t.domains) claim('domain', d, h.node);
    }
    for (const d of h.dids) claim('did', d.number, h.node);
  }
  const conflicts: PlacementConflict[] = [];
  for (const kind of ['tenant', 'domain', 'did'] as const) {
    const target = kind === 'domain' ? p.domains : kind === 'did' ? p.dids : p.tenants;
    for (const [value, nodes] of seen[kind]) {
      if (nodes.size > 1) conflicts.push({ kind, value, nodes: [...nodes].sort() });
      else target.set(value, [...nodes][0]!);
    }
  }
  if (conflicts.length > 0) throw new PlacementConflictError(conflicts);
  return p;
}
