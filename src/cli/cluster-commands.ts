import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseClusterConfig, type ClusterConfig } from '../config/cluster-config.js';
import { writeEdgeFiles } from '../cluster/edge-files.js';
import { NodeUnreachableError } from '../cluster/node-hosting.js';
import { PlacementConflictError } from '../cluster/placement.js';
import { KamailioRpcError } from '../cluster/kamailio-rpc.js';
import { ConfigErrors } from '../util/errors.js';

function loadCluster(file: string): ClusterConfig {
  return parseClusterConfig(readFileSync(file, 'utf8'), file, process.env);
}

/** `pbx cluster kamailio-config`: exit 0 written (and reloaded), 1 refused (nothing written), 2 usage. */
export async function kamailioConfigCommand(opts: { cluster: string; reload?: boolean }): Promise<number> {
  let cluster: ClusterConfig;
  try {
    cluster = loadCluster(opts.cluster);
  } catch (e) {
    if (e instanceof ConfigErrors) {
      for (const err of e.errors) process.stderr.write(`${err.message}\n`);
      return 1;
    }
    process.stderr.write(`${opts.cluster}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const r = await writeEdgeFiles(cluster, { fetch: (url, init) => fetch(url, init), reload: opts.reload === true });
    for (const h of r.hostings) {
      process.stdout.write(`${h.node}: ${h.tenants.map((t) => t.id).join(', ') || '(no tenants)'}; domains ${h.tenants.flatMap((t) => t.domains).join(', ') || '-'}; DIDs ${h.dids.map((d) => d.number).join(', ') || '-'}\n`);
    }
    for (const f of r.files) process.stdout.write(`wrote ${f}\n`);
    if (r.reloaded) process.stdout.write('kamailio reloaded its routing table and dispatcher list\n');
    if (r.cfgChanged && r.reloaded) process.stdout.write('kamailio.cfg changed: restart Kamailio to use it (the tables are live already)\n');
    return 0;
  } catch (e) {
    if (e instanceof PlacementConflictError) {
      for (const c of e.conflicts) process.stderr.write(`refused: ${c.kind} ${c.value} is on nodes ${c.nodes.join(' and ')}\n`);
      process.stderr.write('nothing written; the running edge keeps its table\n');
      return 1;
    }
    if (e instanceof NodeUnreachableError) {
      process.stderr.write(`refused: ${e.message}; nothing written, the running edge keeps its table\n`);
      return 1;
    }
    if (e instanceof KamailioRpcError) {
      process.stderr.write(`files written, reload failed: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('several PBX nodes behind a Kamailio edge (cluster.yaml)');
  cluster
    .command('kamailio-config')
    .description("ask each node which tenants, domains and DIDs it hosts, then write the edge's kamailio.cfg and routing table into edge.runDir")
    .requiredOption('--cluster <file>', 'the cluster.yaml')
    .option('--reload', 'have the running Kamailio read the routing table and dispatcher list again (kamcmd)')
    .action(async (opts: { cluster: string; reload?: boolean }) => {
      process.exitCode = await kamailioConfigCommand(opts);
    });
}
