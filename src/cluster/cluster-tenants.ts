/**
 * The provider's view across nodes: every tenant of the cluster with the node that hosts it,
 * its domains and DIDs, read from each node's provider API (node-hosting.ts). A node that does
 * not answer is listed as such; the others are still shown (a view, not a placement: nothing
 * is refused here).
 */
import type { ClusterConfig } from '../config/cluster-config.js';
import { fetchNodeHosting, NodeUnreachableError, type Fetch, type NodeHosting } from './node-hosting.js';

export interface ClusterTenantRow {
  tenant: string;
  node: string;
  domains: string[];
  dids: string[];
}

export interface ClusterTenants {
  rows: ClusterTenantRow[];
  /** Nodes whose API did not answer, with why. */
  unreachable: Array<{ node: string; reason: string }>;
}

/** Rows sorted by tenant id, then node (a tenant on two nodes shows twice: placement refuses that). */
export function clusterTenantRows(hostings: readonly NodeHosting[]): ClusterTenantRow[] {
  const rows = hostings.flatMap((h) =>
    h.tenants.map((t) => ({ tenant: t.id, node: h.node, domains: [...t.domains], dids: h.dids.filter((d) => d.tenantId === t.id).map((d) => d.number) })),
  );
  return rows.sort((a, b) => (a.tenant === b.tenant ? a.node.localeCompare(b.node) : a.tenant.localeCompare(b.tenant)));
}

export async function listClusterTenants(cluster: ClusterConfig, fetch: Fetch): Promise<ClusterTenants> {
  const unreachable: ClusterTenants['unreachable'] = [];
  const hostings: NodeHosting[] = [];
  await Promise.all(
    cluster.nodes.map(async (node) => {
      try {
        hostings.push(await fetchNodeHosting(node, fetch));
      } catch (e) {
        if (!(e instanceof NodeUnreachableError)) throw e;
        unreachable.push({ node: node.name, reason: e.reason });
      }
    }),
  );
  return { rows: clusterTenantRows(hostings), unreachable: unreachable.sort((a, b) => a.node.localeCompare(b.node)) };
}

/** One line a tenant, for the terminal. */
export function formatClusterTenants(t: ClusterTenants): string[] {
  const lines = t.rows.map((r) => `${r.tenant}\t${r.node}\t${r.domains.join(',') || '-'}\t${r.dids.join(',') || '-'}`);
  return [`tenant\tnode\tdomains\tDIDs`, ...lines, ...t.unreachable.map((u) => `(node ${u.node} unreachable: ${u.reason})`)];
}
