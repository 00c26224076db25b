/**
 * `pbx cluster kamailio-config`: ask every node what it hosts, refuse conflicts, write the
 * edge's config and routing table into edge.runDir, and (with reload) have a running Kamailio
 * read the table again. Nothing is written unless every node answered and nothing conflicts:
 * a running edge then keeps the table it has.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig } from '../config/cluster-config.js';
import { kamailioCfg } from './kamailio-cfg.js';
import { reloadKamailio, type RunKamcmd } from './kamailio-rpc.js';
import { kamailioTables } from './kamailio-tables.js';
import { fetchNodeHosting, type Fetch, type NodeHosting } from './node-hosting.js';
import { buildPlacement, type Placement } from './placement.js';

export interface EdgeFilesResult {
  placement: Placement;
  hostings: NodeHosting[];
  files: string[];
  /** kamailio.cfg differs from the one there before: a running Kamailio must be restarted to use it. */
  cfgChanged: boolean;
  reloaded: boolean;
}

export function edgePaths(runDir: string) {
  return { cfg: join(runDir, 'kamailio.cfg'), db: join(runDir, 'db'), dispatcher: join(runDir, 'dispatcher.list') };
}

/** Writes via a temporary file and a rename, so Kamailio never reads half a table. */
function writeAtomic(file: string, text: string): boolean {
  let before: string | undefined;
  try {
    before = readFileSync(file, 'utf8');
  } catch {
    before = undefined;
  }
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
  return before !== text;
}

/**
 * `exclude`: a tenant that a move (tenant-move.ts) has installed on its new node but not yet
 * removed from the old one is left out of the old node's hosting: the table names the new node.
 */
export async function writeEdgeFiles(cluster: ClusterConfig, o: { fetch: Fetch; reload: boolean; kamcmd?: RunKamcmd; exclude?: { node: string; tenant: string } }): Promise<EdgeFilesResult> {
  const hostings = (await Promise.all(cluster.nodes.map((n) => fetchNodeHosting(n, o.fetch)))).map((h) => (o.exclude && h.node === o.exclude.node ? withoutTenant(h, o.exclude.tenant) : h));
  const placement = buildPlacement(hostings);
  const tables = kamailioTables(cluster, placement);
  const paths = edgePaths(cluster.edge.runDir);
  mkdirSync(paths.db, { recursive: true, mode: 0o700 });
  const files: string[] = [];
  for (const [name, text] of Object.entries(tables.dbText)) {
    writeAtomic(join(paths.db, name), text);
    files.push(join(paths.db, name));
  }
  writeAtomic(paths.dispatcher, tables.dispatcherList);
  files.push(paths.dispatcher);
  const cfgChanged = writeAtomic(paths.cfg, kamailioCfg(cluster, { dbDir: paths.db, dispatcherList: paths.dispatcher, floodRate: cluster.edge.floodRate }));
  files.push(paths.cfg);
  if (o.reload) await reloadKamailio(cluster.edge.rpc, o.kamcmd);
  return { placement, hostings, files, cfgChanged, reloaded: o.reload };
}

function withoutTenant(h: NodeHosting, tenant: string): NodeHosting {
  return { node: h.node, tenants: h.tenants.filter((t) => t.id !== tenant), dids: h.dids.filter((d) => d.tenantId !== tenant) };
}
